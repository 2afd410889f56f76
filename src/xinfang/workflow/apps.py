from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "xinfang.workflow"
    label = "workflow"
    verbose_name = "流程与时限"

    def ready(self):
        from django.utils import timezone

        from xinfang.common.sweeps import sweep_register

        from .services import deadlines_sweep, petitions_close_expired

        # first on every sweep: the stored warning levels, then the automatic 办结 (the rules of
        # oversight read both)
        sweep_register("deadlines", lambda now: deadlines_sweep(timezone.localdate(now)), order=10)
        sweep_register("close_expired", lambda now: petitions_close_expired(timezone.localdate(now)),
                       order=20)
