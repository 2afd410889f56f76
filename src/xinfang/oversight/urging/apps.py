from django.apps import AppConfig


class UrgingConfig(AppConfig):
    name = "xinfang.oversight.urging"
    label = "urging"
    verbose_name = "催办与时限提醒"

    def ready(self):
        from xinfang.workflow.actions import effect_register

        from .effects import EFFECTS

        for action, fn in EFFECTS.items():
            effect_register(action, fn)
