from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "xinfang.oversight"
    label = "oversight"
    verbose_name = "督查督办"

    def ready(self):
        from xinfang.workflow.models import OTHER_EVENT_LABELS

        from . import receivers  # noqa: F401  (an owned petition's resolution is stamped from the timeline)
        from .choices import EVENT_LABELS

        OTHER_EVENT_LABELS.update(EVENT_LABELS)

        from xinfang.common.sweeps import sweep_register

        from .services import ownership_stages_sweep

        sweep_register("ownership_stages", ownership_stages_sweep, order=70)
