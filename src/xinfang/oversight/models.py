"""包案: a leader takes personal responsibility for resolving one petition (DESIGN §1, §3, §6)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinfang.org.models import Unit
from xinfang.petitions.models import Petition

from .choices import EndKind, Stage


class Ownership(models.Model):
    """One leader's ownership of one petition, from assignment until it is ended (released, transferred
    to another leader, or the petition merged). A petition has at most one active ownership (ended_at
    is null); `resolved_at` is stamped when the petition reaches a resolved state while it is active."""

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="ownerships", verbose_name=_("信访件"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="ownerships",
                               verbose_name=_("包案领导"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("包案领导所在单位"))
    note = models.TextField(_("包案要求"), blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("安排人"))
    assigned_at = models.DateTimeField(_("包案时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("结束操作人"))
    end_kind = models.CharField(_("结束方式"), max_length=16, choices=EndKind.choices, blank=True)
    end_reason = models.TextField(_("结束原因"), blank=True)
    resolved_at = models.DateTimeField(_("化解时间"), null=True, blank=True)
    plan = models.TextField(_("包案方案"), blank=True)
    stage = models.CharField(_("当前阶段"), max_length=16, choices=Stage.choices, default=Stage.TRANSFER)

    class Meta:
        verbose_name = _("领导包案")
        verbose_name_plural = _("领导包案")
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["petition"], condition=Q(ended_at__isnull=True),
                                    name="ownership_one_active_per_petition"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True, end_kind="")
                                   | (Q(ended_at__isnull=False) & ~Q(end_kind="")),
                                   name="ownership_end_kind_when_ended"),
        ]
        indexes = [
            models.Index(fields=["petition", "ended_at"], name="ownership_petition_ended"),
            models.Index(fields=["leader", "ended_at"], name="ownership_leader_ended"),
        ]

    def __str__(self):
        return f"{self.petition_id} / {self.leader_id}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class OwnershipStage(models.Model):
    """One stage of a 包案 (转包案 → 推进化解 → 稳控 → 化解): its due date, when it was entered and
    completed, and the note written when the owner advanced past it. Every ownership has the four rows
    (created with it); `entered_at` is null until the stage is reached."""

    ownership = models.ForeignKey(Ownership, models.CASCADE, related_name="stages", verbose_name=_("包案"))
    stage = models.CharField(_("阶段"), max_length=16, choices=Stage.choices)
    due_date = models.DateField(_("阶段期限"), null=True, blank=True)
    entered_at = models.DateTimeField(_("进入时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("推进人"))
    note = models.TextField(_("推进说明"), blank=True)

    class Meta:
        verbose_name = _("包案阶段")
        verbose_name_plural = _("包案阶段")
        constraints = [models.UniqueConstraint(fields=["ownership", "stage"], name="ownership_stage_once")]

    def __str__(self):
        return f"{self.ownership_id} / {self.stage}"

    @property
    def position(self) -> int:
        from .choices import STAGE_ORDER

        return STAGE_ORDER.index(self.stage)
