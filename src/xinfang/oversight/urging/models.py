"""Models of 催办与时限提醒: urges (manual and automatic), the per-unit sweep policy, the contact log
(一周反馈、一月联系)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinfang.org.models import Unit
from xinfang.petitions.models import Petition


class Urge(models.Model):
    """催办: a manual `urge` move, or the sweep's automatic one the day after a deadline passed."""

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="urges", verbose_name=_("信访件"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="urges", verbose_name=_("被催办单位"))
    at = models.DateTimeField(_("催办时间"), db_index=True)
    auto = models.BooleanField(_("自动催办"), default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("催办人"))
    actor_unit = models.ForeignKey(Unit, models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("催办单位"))
    note = models.TextField(_("催办意见"), blank=True)
    due_kind = models.CharField(_("所涉时限"), max_length=24, blank=True)
    due_on = models.DateField(_("到期日"), null=True, blank=True)

    class Meta:
        verbose_name = _("催办")
        verbose_name_plural = _("催办")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["petition", "due_kind", "due_on"], condition=Q(auto=True),
                                               name="urge_auto_once")]

    def __str__(self):
        return f"{self.petition_id} {self.unit_id} {self.at:%Y-%m-%d}"


class SweepPolicy(models.Model):
    """The reminder and urging rules of a unit and the units below it (the nearest row up the unit
    tree applies; a row without a unit is the global default; without any row the built-in defaults).
    A number of days 0 switches that reminder off."""

    unit = models.OneToOneField(Unit, models.CASCADE, null=True, blank=True, related_name="sweep_policy",
                                verbose_name=_("适用单位"))
    remind_notice = models.BooleanField(_("预警时提醒"), default=True)
    remind_severe = models.BooleanField(_("严重警告时提醒"), default=True)
    auto_urge = models.BooleanField(_("超期次日自动催办"), default=True)
    escalate_after = models.PositiveSmallIntegerField(_("超期几个工作日后升级"), default=3)
    delivery_after = models.PositiveSmallIntegerField(_("出具意见几日未送达提醒"), default=3)
    evaluation_after = models.PositiveSmallIntegerField(_("出具意见几日未评价提醒"), default=7)
    review_window_before = models.PositiveSmallIntegerField(_("复查期限届满前几日提醒"), default=5)
    contact_within = models.PositiveSmallIntegerField(_("受理后几日内联系信访人"), default=7)
    progress_every = models.PositiveSmallIntegerField(_("每隔几日报告进展"), default=30)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("提醒与催办规则")
        verbose_name_plural = _("提醒与催办规则")
        constraints = [models.UniqueConstraint(fields=["unit"], condition=Q(unit__isnull=True),
                                               name="sweep_policy_one_default")]

    def __str__(self):
        return str(self.unit) if self.unit_id else str(_("默认规则"))


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("电话")
    MEETING = "meeting", _("面谈")
    SMS = "sms", _("短信")
    WRITTEN = "written", _("书面")
    OTHER = "other", _("其他")


class ContactKind(models.TextChoices):
    FIRST = "first", _("首次反馈")
    PROGRESS = "progress", _("进展报告")


class Contact(models.Model):
    """联系记录: the handler's contact with the petitioner (一周反馈、一月联系)."""

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="contacts", verbose_name=_("信访件"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+",
                           verbose_name=_("联系人"))
    unit = models.ForeignKey(Unit, models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("所在单位"))
    at = models.DateTimeField(_("联系时间"), db_index=True)
    method = models.CharField(_("联系方式"), max_length=12, choices=ContactMethod.choices)
    kind = models.CharField(_("类型"), max_length=12, choices=ContactKind.choices)
    note = models.TextField(_("联系情况"))
    recorded_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        ordering = ["-at", "-id"]
