from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "xinfang.oversight"
    label = "oversight"
    verbose_name = "督查督办"

    def ready(self):
        from . import receivers  # noqa: F401  (an owned petition's resolution is stamped from the timeline)
