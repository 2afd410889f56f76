"""Whether a suggestion shown to staff (the category at intake, the unit at routing) was taken (issue 12)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.petitions.models import Petition


class Kind(models.TextChoices):
    CATEGORY = "category", _("内容分类")
    UNIT = "unit", _("转送/交办单位")


class SuggestionOutcome(models.Model):
    petition = models.ForeignKey(Petition, models.CASCADE, related_name="+", verbose_name=_("信访件"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    suggested = models.CharField(_("建议"), max_length=64)
    confidence = models.FloatField(_("置信度"), default=0)
    chosen = models.CharField(_("实际选择"), max_length=64, blank=True)
    taken = models.BooleanField(_("已采纳"), default=False)
    method = models.CharField(_("方法"), max_length=32, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+",
                           verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("建议采纳记录")
        verbose_name_plural = _("建议采纳记录")
        indexes = [models.Index(fields=["kind", "at"], name="suggestion_outcome_kind_at")]
