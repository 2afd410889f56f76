from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "xinfang.petitions"
    label = "petitions"
    verbose_name = "信访件"

    def ready(self):
        from xinfang.common.sweeps import sweep_register
        from xinfang.org.usage import unit_usage_register

        from . import reach
        from .unit_usage import open_petitions_refusal, petitions_refer_to

        unit_usage_register("petitions", open_work=open_petitions_refusal, referenced=petitions_refer_to)
        # petitions without a reach set (older ones after the upgrade, bulk loads): a bounded batch per sweep
        sweep_register("reach_sets", lambda now: reach.fill(limit=REACH_FILL_PER_SWEEP), order=5)


REACH_FILL_PER_SWEEP = 20000
