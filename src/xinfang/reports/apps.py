from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "xinfang.reports"
    label = "reports"
    verbose_name = "统计与文书"

    def ready(self):
        from . import receivers  # noqa: F401  (documents are issued when a timeline event is stored)
