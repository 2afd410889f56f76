"""Append-only, hash-chained audit log (DESIGN §5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"))
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True)
    actor = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    data = models.JSONField(_("内容"), default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # how `hash` was computed: "hmac-sha256" under the audit key, or "sha256" for rows written before
    # the chain was keyed (accepted only inside the sealed legacy prefix, see AuditHead)
    scheme = models.CharField(max_length=16, default="hmac-sha256")

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["seq"]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """One row holding the end of the chain; locked while appending so the chain stays linear."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    # rows 1..legacy_seq were chained with plain SHA-256 before the chain was keyed; legacy_seal is the
    # audit key's HMAC over (legacy_seq, hash of that row), so no later row can pass as a legacy one
    legacy_seq = models.PositiveBigIntegerField(default=0)
    legacy_seal = models.CharField(max_length=64, blank=True, default="")
