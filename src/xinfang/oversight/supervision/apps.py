from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "xinfang.oversight.supervision"
    label = "supervision"
    verbose_name = "督办与批示"

    def ready(self):
        from xinfang.workflow.actions import effect_register

        from .effects import EFFECTS

        for action, fn in EFFECTS.items():
            effect_register(action, fn)
