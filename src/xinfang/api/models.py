"""API tokens: stored hashed; the plain token is shown once when created.

A token is refused after its expiry (``expires_at``), once revoked, when its user is inactive, and it
is revoked for good when the user's password changes (any route that calls ``set_password``: the
account page, 系统管理, the Django admin, ``xinfang changepassword``) or the user is deactivated."""

from django.conf import settings
from django.db import models
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    class Reason(models.TextChoices):
        MANUAL = "manual", _("手动吊销")
        PASSWORD = "password", _("密码已修改")
        DEACTIVATED = "deactivated", _("账号已停用")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens",
                             verbose_name=_("用户"))
    name = models.CharField(_("名称"), max_length=64, blank=True)
    prefix = models.CharField(_("令牌前缀"), max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked = models.BooleanField(_("已吊销"), default=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("吊销原因"), max_length=16, choices=Reason.choices, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return not self.revoked and (self.expires_at is None or self.expires_at > now)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="xinfang.api.tokens_die_with_password")
def _tokens_die_with_password_or_deactivation(sender, instance, created, **kwargs):
    """``set_password`` leaves the raw password in ``_password`` until save() has run (a hash
    upgrade at login does not, so it keeps the tokens). Tokens die with the old password."""
    if created:
        return
    from .tokens import tokens_revoke_all

    if getattr(instance, "_password", None) is not None:
        tokens_revoke_all(user=instance, reason=ApiToken.Reason.PASSWORD)
    elif not instance.is_active:
        tokens_revoke_all(user=instance, reason=ApiToken.Reason.DEACTIVATED)
