"""Models of the text intelligence (DESIGN §7): the trained category classifiers.

A `ClassifierModel` row is one trained version: its pipeline pickled in `blob` (joblib, see
`insight.classifier`), the labels it answers, the figures of its training and, for one row at a time,
`active` (the version every process answers with; `insight.registry` loads it and caches it per
process by version).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ClassifierModel(models.Model):
    class Source(models.TextChoices):
        CSV = "csv", _("CSV 文件")
        PETITIONS = "petitions", _("本系统已分类的信访件")

    version = models.PositiveIntegerField(_("版本"), unique=True)
    created_at = models.DateTimeField(_("训练时间"), auto_now_add=True)
    source = models.CharField(_("训练数据来源"), max_length=16, choices=Source.choices)
    labels = models.JSONField(_("分类标签"), default=list)
    metrics = models.JSONField(_("训练指标"), default=dict, blank=True)
    n = models.PositiveIntegerField(_("训练样本数"), default=0)
    active = models.BooleanField(_("使用中"), default=False)
    blob = models.BinaryField(_("模型数据"), editable=False)

    class Meta:
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["active"], condition=Q(active=True),
                                               name="insight_one_active_classifier")]

    def __str__(self):
        return f"v{self.version} ({self.source}, n={self.n})"
