from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "xinfang.oversight.supervision"
    label = "supervision"
    verbose_name = "督办与批示"

    def ready(self):
        from xinfang.common.sweeps import sweep_register
        from xinfang.workflow.actions import effect_register
        from xinfang.workflow.models import OTHER_EVENT_LABELS

        from .choices import EVENT_LABELS
        from .effects import EFFECTS
        from .services import supervision_sweep

        for action, fn in EFFECTS.items():
            effect_register(action, fn)
        OTHER_EVENT_LABELS.update(EVENT_LABELS)
        sweep_register("supervision", supervision_sweep, order=60)
