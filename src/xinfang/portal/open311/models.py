"""API keys of civic apps and the requests they POSTed (each a petition of the 网上信访 channel)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.org.models import Unit
from xinfang.petitions.models import Petition


class ApiKey(models.Model):
    """A civic app's key: stored hashed; its requests are registered at `unit` by the system account."""

    name = models.CharField(_("名称"), max_length=64)
    prefix = models.CharField(_("密钥前缀"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("登记单位"))
    account = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                verbose_name=_("登记账号"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked = models.BooleanField(_("已吊销"), default=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311密钥")
        verbose_name_plural = _("Open311密钥")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class Open311Request(models.Model):
    """A service request POSTed through Open311: the petition it became and the token it was answered."""

    petition = models.OneToOneField(Petition, models.CASCADE, related_name="open311")
    key = models.ForeignKey(ApiKey, models.PROTECT, related_name="requests")
    token = models.CharField(max_length=64, unique=True)
    address_ip = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Open311请求")
        verbose_name_plural = _("Open311请求")
