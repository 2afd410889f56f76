"""Models of 矛盾纠纷排查 (DESIGN §1 信息员, issue 10): scheduled screening rounds per level, the risk
ledger (台账), informant reports and the per-leader alerts of urgent reports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinfang.org.models import Region, Unit
from xinfang.petitions.models import Petition


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    BIWEEKLY = "biweekly", _("每两周")
    MONTHLY = "monthly", _("每月")
    OFF = "off", _("不排查")


class RoundLevel(models.TextChoices):
    VILLAGE = "village", _("村/社区")
    TOWN = "town", _("乡镇/街道")
    COUNTY = "county", _("县/区")


class ScreeningSchedule(models.Model):
    """How often a level (or one unit) screens. A row with a unit overrides the row of its level;
    without any row the defaults apply (村/社区 weekly, 乡镇/街道 every two weeks, 县/区 monthly)."""

    level = models.CharField(_("层级"), max_length=12, choices=RoundLevel.choices)
    unit = models.ForeignKey(Unit, models.CASCADE, null=True, blank=True, related_name="+",
                             verbose_name=_("单位（空为该层级全部）"))
    cadence = models.CharField(_("排查周期"), max_length=12, choices=Cadence.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("排查周期设置")
        verbose_name_plural = _("排查周期设置")
        ordering = ["level", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["level"], condition=Q(unit__isnull=True), name="schedule_one_per_level"),
            models.UniqueConstraint(fields=["unit"], condition=Q(unit__isnull=False), name="schedule_one_per_unit"),
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.unit or ''} {self.get_cadence_display()}"


class RoundStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已完成")


class ScreeningRound(models.Model):
    """One unit's screening for one period, opened by the sweep and completed with its findings."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("排查单位"))
    level = models.CharField(_("层级"), max_length=12, choices=RoundLevel.choices)
    cadence = models.CharField(_("排查周期"), max_length=12, choices=Cadence.choices)
    period_start = models.DateField(_("周期开始"))
    due = models.DateField(_("完成期限"))
    opened_at = models.DateTimeField(_("开始时间"))
    status = models.CharField(_("状态"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    findings = models.TextField(_("排查情况"), blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("完成人"))
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("排查轮次")
        verbose_name_plural = _("排查轮次")
        ordering = ["-period_start", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "period_start", "cadence"],
                                               name="round_once_per_period")]

    def __str__(self):
        return f"{self.unit} {self.period_start}"


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")
    MAJOR = "major", _("重大")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("在办")
    CONTROLLED = "controlled", _("稳控")
    RESOLVED = "resolved", _("已化解")
    DROPPED = "dropped", _("已销号")


OPEN_RISK_STATES = (RiskStatus.OPEN, RiskStatus.CONTROLLED)


class RiskSource(models.TextChoices):
    ROUND = "round", _("排查发现")
    REPORT = "report", _("信息员报告")
    MANUAL = "manual", _("直接录入")


class RiskItem(models.Model):
    """One line of the risk ledger (矛盾纠纷排查台账)."""

    title = models.CharField(_("矛盾纠纷事项"), max_length=200)
    description = models.TextField(_("基本情况"), blank=True)
    region = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("所在区划"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("责任单位"))
    people_count = models.PositiveIntegerField(_("涉及人数"), default=0)
    people = models.TextField(_("涉及人员"), blank=True)
    level = models.CharField(_("风险等级"), max_length=12, choices=RiskLevel.choices, default=RiskLevel.LOW)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("责任人"))
    measures = models.TextField(_("化解稳控措施"), blank=True)
    due = models.DateField(_("化解期限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    outcome = models.TextField(_("化解结果"), blank=True)
    source = models.CharField(_("来源"), max_length=12, choices=RiskSource.choices, default=RiskSource.MANUAL)
    round = models.ForeignKey(ScreeningRound, models.SET_NULL, null=True, blank=True, related_name="risks",
                              verbose_name=_("排查轮次"))
    petition = models.ForeignKey(Petition, models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("信访件"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("录入人"))
    created_at = models.DateTimeField(_("录入时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("矛盾纠纷台账")
        verbose_name_plural = _("矛盾纠纷台账")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "status"], name="risk_unit_status")]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RISK_STATES


class ReportStatus(models.TextChoices):
    NEW = "new", _("待处理")
    RISK = "risk", _("已转入台账")
    PETITION = "petition", _("已登记信访件")


class InformantReport(models.Model):
    """What a 信息员 saw: a dispute found early. It becomes a ledger item or a registered petition."""

    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("情况"))
    region = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("发生地"))
    people_involved = models.CharField(_("涉及人员"), max_length=500, blank=True)
    urgent = models.BooleanField(_("紧急"), default=False)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                 verbose_name=_("信息员"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("信息员所在单位"))
    created_at = models.DateTimeField(_("报告时间"))
    status = models.CharField(_("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.NEW)
    risk = models.ForeignKey(RiskItem, models.SET_NULL, null=True, blank=True, related_name="reports",
                             verbose_name=_("台账事项"))
    petition = models.ForeignKey(Petition, models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("信访件"))
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("处理人"))
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("信息员报告")
        verbose_name_plural = _("信息员报告")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["reporter", "created_at"], name="report_reporter")]

    def __str__(self):
        return self.title


class UrgentAlert(models.Model):
    """An urgent report as it reached one leader: on their home page until they acknowledge it."""

    report = models.ForeignKey(InformantReport, models.CASCADE, related_name="alerts", verbose_name=_("信息员报告"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("领导"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("领导所在单位"))
    created_at = models.DateTimeField(_("通知时间"))
    acknowledged_at = models.DateTimeField(_("知悉时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("紧急信息提醒")
        verbose_name_plural = _("紧急信息提醒")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="alert_once_per_leader")]
