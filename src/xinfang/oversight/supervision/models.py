"""Models of 督办与批示: supervision orders (督办单, 挂牌督办 when listed) with the target unit's reports and
the issuer's decisions, and leaders' instructions (领导批示) with the unit's reports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.org.models import Unit
from xinfang.petitions.models import Petition

from .choices import Decision, InstructionStatus, ReportKind, SupervisionStatus


class Supervision(models.Model):
    """One 督办单: the issuing unit orders the target unit to deal with the petition as required by a date.
    `listed`: 挂牌督办 (shown on the supervision board). Closed (销号) when a result report is accepted."""

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="supervisions", verbose_name=_("信访件"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="supervisions_issued",
                                  verbose_name=_("督办人"))
    issuing_unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("督办单位"))
    target_unit = models.ForeignKey(Unit, models.PROTECT, related_name="supervisions", verbose_name=_("督办对象"))
    requirement = models.TextField(_("督办要求"))
    issued_at = models.DateTimeField(_("督办时间"))
    due_on = models.DateField(_("办结时限"))
    listed = models.BooleanField(_("挂牌督办"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=SupervisionStatus.choices,
                              default=SupervisionStatus.OPEN)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["target_unit", "status"], name="supervision_target_status"),
            models.Index(fields=["status", "due_on"], name="supervision_status_due"),
        ]

    def __str__(self):
        return f"{self.petition_id} / {self.target_unit_id} / {self.due_on}"


class SupervisionReport(models.Model):
    """The target unit's progress or result report, and the issuer's decision on it."""

    supervision = models.ForeignKey(Supervision, models.CASCADE, related_name="reports", verbose_name=_("督办单"))
    kind = models.CharField(_("报告类型"), max_length=16, choices=ReportKind.choices)
    text = models.TextField(_("报告内容"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("报告人"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("报告单位"))
    at = models.DateTimeField(_("报告时间"))
    decision = models.CharField(_("审核结果"), max_length=16, choices=Decision.choices, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("审核人"))
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办反馈")
        verbose_name_plural = _("督办反馈")
        ordering = ["at", "id"]


class Instruction(models.Model):
    """领导批示 on a petition: the leader's text, the unit that must act on it and report back."""

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="instructions", verbose_name=_("信访件"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="instructions",
                               verbose_name=_("批示领导"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("批示领导所在单位"))
    text = models.TextField(_("批示内容"))
    target_unit = models.ForeignKey(Unit, models.PROTECT, related_name="instructions", verbose_name=_("承办单位"))
    issued_at = models.DateTimeField(_("批示时间"))
    due_on = models.DateField(_("反馈时限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=InstructionStatus.choices,
                              default=InstructionStatus.OPEN)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    close_note = models.TextField(_("办结意见"), blank=True)

    class Meta:
        verbose_name = _("领导批示")
        verbose_name_plural = _("领导批示")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["target_unit", "status"], name="instruction_target_status"),
            models.Index(fields=["leader", "status"], name="instruction_leader_status"),
        ]

    def __str__(self):
        return f"{self.petition_id} / {self.leader_id}"


class InstructionReport(models.Model):
    instruction = models.ForeignKey(Instruction, models.CASCADE, related_name="reports", verbose_name=_("领导批示"))
    text = models.TextField(_("反馈内容"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("反馈人"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("反馈单位"))
    at = models.DateTimeField(_("反馈时间"))

    class Meta:
        verbose_name = _("批示件反馈")
        verbose_name_plural = _("批示件反馈")
        ordering = ["at", "id"]
