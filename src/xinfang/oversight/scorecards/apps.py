from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    name = "xinfang.oversight.scorecards"
    label = "scorecards"
    verbose_name = "考核通报与问责"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from xinfang.workflow.models import OTHER_EVENT_LABELS

        OTHER_EVENT_LABELS.update({"accountability": _("问责通报")})
