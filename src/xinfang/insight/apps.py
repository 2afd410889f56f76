"""Text intelligence (DESIGN §7, issue 12): offline classifier, repeats, hot spots, early warning."""
from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "xinfang.insight"
    label = "insight"
    verbose_name = "智能辅助"
    default_auto_field = "django.db.models.BigAutoField"
