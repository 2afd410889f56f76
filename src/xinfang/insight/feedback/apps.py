from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "xinfang.insight.feedback"
    label = "insight_feedback"
    verbose_name = "建议采纳情况"
    default_auto_field = "django.db.models.BigAutoField"
