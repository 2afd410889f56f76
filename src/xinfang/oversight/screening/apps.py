from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "xinfang.oversight.screening"
    label = "screening"
    verbose_name = "矛盾纠纷排查"

    def ready(self):
        from xinfang.common.sweeps import sweep_register

        from .services import screening_sweep

        # opens the due rounds of every level and reminds owners of overdue ledger items
        sweep_register("screening", screening_sweep, order=80)
