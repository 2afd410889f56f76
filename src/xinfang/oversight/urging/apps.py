"""催办与时限提醒 (oversight, issue 10)."""
from django.apps import AppConfig


class UrgingConfig(AppConfig):
    name = "xinfang.oversight.urging"
    label = "urging"
    verbose_name = "催办与时限提醒"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from xinfang.common.sweeps import sweep_register
        from xinfang.workflow.actions import effect_register
        from xinfang.workflow.models import OTHER_EVENT_LABELS

        from .effects import EFFECTS
        from .rules import sweep

        for action, fn in EFFECTS.items():
            effect_register(action, fn)
        OTHER_EVENT_LABELS.update({"contact": _("联系信访人")})
        # after the workflow's deadline levels (10) and automatic 办结 (20)
        sweep_register("urging", sweep, order=50)
