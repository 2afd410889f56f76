from importlib import import_module

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "xinfang.api"
    label = "api"
    verbose_name = "接口"

    def import_models(self):
        super().import_models()
        import_module(f"{self.name}.idempotency")  # IdempotencyKey (models.py holds the tokens)
