"""The citizen portal (issue 11)."""
from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "xinfang.portal"
    label = "portal"
    verbose_name = "网上信访"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from xinfang.common.sweeps import sweep_register

        from .throttle import attempts_prune

        sweep_register("portal_attempts_prune", attempts_prune, order=900)
