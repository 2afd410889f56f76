"""Open311 GeoReport v2 (issue 11)."""
from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "xinfang.portal.open311"
    label = "open311"
    verbose_name = "Open311"
    default_auto_field = "django.db.models.BigAutoField"
