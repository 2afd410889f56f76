from django.apps import AppConfig


class HotspotsConfig(AppConfig):
    name = "xinfang.insight.hotspots"
    label = "insight_hotspots"
    verbose_name = "热点与预警"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from xinfang.common.sweeps import sweep_register

        from .alerts import warning_sweep

        # after the deadline rules and the screening round: hot spots, rises, collective-visit signals
        sweep_register("early_warning", warning_sweep, order=90)
