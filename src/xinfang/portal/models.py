"""Models of the citizen portal: the body's public profile (channels, address, reception hours) and the
attempt counters behind its rate limits and lock-outs (stored in the database, so every web process
and machine counts the same; values are keyed hashes, never the number, phone or address itself)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.org.models import Unit


class PortalProfile(models.Model):
    """What the portal's first page tells the public (S22 Art 18: every body publishes its channels).
    One row per installation (the first one is used); edited in 系统管理 (Django admin)."""

    name = models.CharField(_("机关名称"), max_length=128)
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("网上信访登记单位"),
                             help_text=_("网上提交的信访件登记在此单位；不填时为最上级的信访工作机构。"))
    address = models.CharField(_("通信地址"), max_length=200, blank=True)
    postcode = models.CharField(_("邮政编码"), max_length=16, blank=True)
    phone = models.CharField(_("来访咨询电话"), max_length=64, blank=True)
    hotline = models.CharField(_("投诉举报电话"), max_length=64, blank=True)
    email = models.CharField(_("电子邮箱"), max_length=128, blank=True)
    fax = models.CharField(_("传真"), max_length=64, blank=True)
    reception_place = models.CharField(_("接待地点"), max_length=200, blank=True)
    reception_hours = models.CharField(_("接待时间"), max_length=200, blank=True)
    transport = models.CharField(_("乘车路线"), max_length=200, blank=True)
    notice = models.TextField(_("信访须知"), blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("信访渠道公开信息")
        verbose_name_plural = _("信访渠道公开信息")
        ordering = ["id"]

    def __str__(self):
        return self.name


class Attempt(models.Model):
    """One counted attempt of a rate limit or lock-out: `scope` says which (throttle.SCOPES), `key` is a
    keyed hash of what is counted (an address, a phone number, a case number)."""

    scope = models.CharField(max_length=16)
    key = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("访问计数")
        verbose_name_plural = _("访问计数")
        indexes = [models.Index(fields=["scope", "key", "at"], name="portal_attempt_lookup"),
                   models.Index(fields=["at"], name="portal_attempt_at")]
