"""Text intelligence (DESIGN §7, issue 12): offline classifier, repeats, hot spots, early warning."""
from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "xinfang.insight"
    label = "insight"
    verbose_name = "智能辅助"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from xinfang.common.sweeps import sweep_register


        # weekly, at night: the classifier learns from the deployment's own routed petitions
        sweep_register("classifier_retrain", _classifier_retrain, order=200)


def _classifier_retrain(now):
    """The sweep, imported on first run: scikit-learn and jieba stay out of processes that never
    classify (a worker's memory)."""
    from .classifier.services import classifier_retrain_sweep

    return classifier_retrain_sweep(now)
