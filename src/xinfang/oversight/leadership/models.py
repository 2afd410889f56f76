"""Models of 领导接访 (issue 10): 领导接待日 with time slots and bookings (联合接访, 律师值班), and 下访
(a leader's visit to a town or village) with the matters heard. Phones are encrypted at rest
(common.crypto) and shown masked, like petitioners' phones."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.common import crypto
from xinfang.org.models import Region, Unit
from xinfang.petitions.models import Petition


class ReceptionDay(models.Model):
    """领导接待日: one leader receives petitioners on one day at one place; other units may join (联合接访)
    and lawyers may be on duty (律师值班). Published days are listed for the citizen portal."""

    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="reception_days",
                               verbose_name=_("接待领导"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="reception_days", verbose_name=_("接待单位"))
    date = models.DateField(_("接待日期"))
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    place = models.CharField(_("接待地点"), max_length=200)
    topic = models.CharField(_("接待主题"), max_length=200, blank=True)
    joint_units = models.ManyToManyField(Unit, blank=True, related_name="joint_reception_days",
                                         verbose_name=_("联合接访单位"))
    lawyers = models.TextField(_("值班律师"), blank=True)
    published = models.BooleanField(_("已公布"), default=False)
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("领导接待日")
        verbose_name_plural = _("领导接待日")
        ordering = ["date", "start_time", "id"]
        indexes = [models.Index(fields=["leader", "date"], name="reception_leader_date"),
                   models.Index(fields=["unit", "date"], name="reception_unit_date")]

    def __str__(self):
        return f"{self.date} {self.leader_id}"


class ReceptionSlot(models.Model):
    """A time slot of a reception day with the number of petitioners it takes."""

    day = models.ForeignKey(ReceptionDay, models.CASCADE, related_name="slots", verbose_name=_("接待日"))
    start_time = models.TimeField(_("时段开始"))
    capacity = models.PositiveSmallIntegerField(_("可预约人数"), default=1)

    class Meta:
        verbose_name = _("接待时段")
        verbose_name_plural = _("接待时段")
        ordering = ["start_time", "id"]
        constraints = [models.UniqueConstraint(fields=["day", "start_time"], name="reception_slot_once")]

    def __str__(self):
        return f"{self.day_id} {self.start_time}"


class PersonShown:
    """The person a booking or a 下访 matter names, as screens show them: the phone decrypted on demand
    (stored in `phone_enc`), phone and name masked."""

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc)

    @property
    def masked_phone(self) -> str:
        return crypto.mask_phone(self.phone) if self.phone_enc else ""

    @property
    def masked_name(self) -> str:
        return crypto.mask_name(self.name) if self.name else ""


class BookingSource(models.TextChoices):
    STAFF = "staff", _("工作人员代约")
    PORTAL = "portal", _("网上预约")


class ReceptionBooking(PersonShown, models.Model):
    """A petitioner's booking of a slot; at the counter it becomes a registered visit (`petition`). Its
    `reference` (预约号, e.g. YY7K3M9QPX) is what the petitioner brings to the counter; bookings made
    before references existed have none."""

    slot = models.ForeignKey(ReceptionSlot, models.CASCADE, related_name="bookings", verbose_name=_("时段"))
    name = models.CharField(_("信访人姓名"), max_length=64)
    phone_enc = models.TextField(blank=True)
    summary = models.TextField(_("反映事项"))
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    petition = models.ForeignKey(Petition, models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("登记的信访件"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("预约登记人"))
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)
    reference = models.CharField(_("预约号"), max_length=12, null=True, blank=True, unique=True)
    source = models.CharField(_("预约来源"), max_length=8, choices=BookingSource.choices,
                              default=BookingSource.STAFF)

    class Meta:
        verbose_name = _("接待预约")
        verbose_name_plural = _("接待预约")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.slot_id} {self.pk}"

    @property
    def reference_shown(self) -> str:
        """The 预约号 grouped for reading aloud: YY-7K3M-9QPX (the counter's lookup ignores the dashes)."""
        ref = self.reference or ""
        return f"{ref[:2]}-{ref[2:6]}-{ref[6:]}" if len(ref) == 10 else ref


class FieldVisit(models.Model):
    """下访: a leader's visit to a town or village to hear matters on the spot."""

    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="field_visits",
                               verbose_name=_("下访领导"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="field_visits", verbose_name=_("领导所在单位"))
    date = models.DateField(_("下访日期"))
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("下访地点（乡镇/村）"))
    place = models.CharField(_("具体地点"), max_length=200, blank=True)
    participants = models.TextField(_("参加人员"), blank=True)
    note = models.TextField(_("下访情况"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("领导下访")
        verbose_name_plural = _("领导下访")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.date} {self.leader_id}"


class FieldVisitMatter(PersonShown, models.Model):
    """One matter heard on a 下访; registrable as a petition in one step (`petition`)."""

    visit = models.ForeignKey(FieldVisit, models.CASCADE, related_name="matters", verbose_name=_("下访"))
    content = models.TextField(_("反映事项"))
    name = models.CharField(_("信访人姓名"), max_length=64, blank=True)
    phone_enc = models.TextField(blank=True)
    petition = models.ForeignKey(Petition, models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("登记的信访件"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("记录人"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("下访事项")
        verbose_name_plural = _("下访事项")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.visit_id} {self.pk}"
