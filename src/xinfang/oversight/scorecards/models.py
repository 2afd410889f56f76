"""Models of 考核通报与问责: accountability records (约谈, 通报批评, 问责 decisions) against a unit, linked
to the petitions that caused them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.org.models import Unit
from xinfang.petitions.models import Petition


class AccountabilityKind(models.TextChoices):
    INTERVIEW = "interview", _("约谈")
    CRITICISM = "criticism", _("通报批评")
    ACCOUNTABILITY = "accountability", _("问责")


class AccountabilityRecord(models.Model):
    """One 约谈, 通报批评 or 问责 decision about a unit (and the people named in it), decided by a leader or
    supervisor of a unit whose jurisdiction covers it (`issuing_unit`), citing petitions of that
    jurisdiction."""

    kind = models.CharField(_("类型"), max_length=16, choices=AccountabilityKind.choices)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="accountability_records", verbose_name=_("被问责单位"))
    issuing_unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("决定单位"))
    people = models.TextField(_("涉及人员"), blank=True)
    reason = models.TextField(_("事由"))
    decision = models.TextField(_("处理决定"))
    document_no = models.CharField(_("文号"), max_length=64, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("决定人"))
    decided_at = models.DateTimeField(_("决定时间"))
    petitions = models.ManyToManyField(Petition, blank=True, related_name="accountability_records",
                                       verbose_name=_("相关信访件"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("问责记录")
        verbose_name_plural = _("问责记录")
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["unit", "decided_at"], name="accountability_unit_at")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.unit_id} {self.decided_at:%Y-%m-%d}"
