"""The in-app inbox: one row per recipient and message (the outbox of SMS and e-mail builds on it)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A message to one staff member. `dedupe_key` makes a sweep or a job that runs again harmless: the
    same key for the same recipient is stored once."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications",
                                  verbose_name=_("接收人"))
    kind = models.CharField(_("类别"), max_length=40, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    petition_id = models.BigIntegerField(_("信访件"), null=True, blank=True, db_index=True)
    dedupe_key = models.CharField(_("去重键"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], condition=~models.Q(dedupe_key=""),
                                    name="notification_once_per_key"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return f"{self.recipient_id} {self.kind} {self.title}"


CHANNEL_SMS = "sms"
CHANNEL_EMAIL = "email"
CHANNELS = ((CHANNEL_SMS, _("短信")), (CHANNEL_EMAIL, _("电子邮件")))


class Preference(models.Model):
    """A user's choice for one kind: whether it also reaches them by SMS and by e-mail (without a row,
    the kind's defaults of kinds.KINDS apply). The inbox always gets every message."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_preferences",
                             verbose_name=_("用户"))
    kind = models.CharField(_("类别"), max_length=40)
    sms = models.BooleanField(_("短信"), default=False)
    email = models.BooleanField(_("电子邮件"), default=False)

    class Meta:
        verbose_name = _("消息接收设置")
        verbose_name_plural = _("消息接收设置")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self):
        return f"{self.user_id} {self.kind} sms={self.sms} email={self.email}"


class Contact(models.Model):
    """Where a staff member's SMS go: the mobile number, encrypted at rest (common/crypto.py), shown masked.
    E-mail goes to the account's own address (User.email)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, primary_key=True,
                                related_name="notification_contact", verbose_name=_("用户"))
    phone_enc = models.TextField(_("手机号码（加密）"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("短信联系方式")
        verbose_name_plural = _("短信联系方式")

    def __str__(self):
        from xinfang.common.crypto import mask_phone

        return f"{self.user_id} {mask_phone(self.phone)}"

    @property
    def phone(self) -> str:
        from xinfang.common.crypto import decrypt

        return decrypt(self.phone_enc)


class CitizenMessage(models.Model):
    """A text message to a citizen (no account, so no inbox): the portal's receipt with the case number
    and query code, sent by SMS through the outbox like any notification. The phone and the text are
    encrypted at rest; `secret_enc` holds the part (the query code) the log sender must never record."""

    phone_enc = models.TextField()
    text_enc = models.TextField()
    secret_enc = models.TextField(blank=True)
    petition_id = models.BigIntegerField(_("信访件"), null=True, blank=True, db_index=True)
    dedupe_key = models.CharField(_("去重键"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("信访人短信")
        verbose_name_plural = _("信访人短信")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], condition=~models.Q(dedupe_key=""),
                                               name="citizen_message_once")]

    def __str__(self):
        return f"{self.pk} {self.petition_id}"


class Dispatch(models.Model):
    """One notification on its way by one channel (the outbox). `message_id` is stable: a dispatch sent
    again after a worker died carries the same id, so the log sender records it once and an e-mail's
    Message-ID shows a resend. A claimed dispatch ("sending") holds a lease; found "sending" after the
    lease expired, it is claimed and sent again."""

    PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
    STATUSES = ((PENDING, _("待发送")), (SENDING, _("发送中")), (SENT, _("已发送")), (FAILED, _("发送失败")))

    notification = models.ForeignKey(Notification, models.CASCADE, related_name="dispatches",
                                     verbose_name=_("消息"), null=True, blank=True)
    citizen = models.ForeignKey(CitizenMessage, models.CASCADE, related_name="dispatches",
                                verbose_name=_("信访人短信"), null=True, blank=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=CHANNELS)
    message_id = models.CharField(_("消息编号"), max_length=64, unique=True)
    status = models.CharField(_("状态"), max_length=8, choices=STATUSES, default=PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_at = models.DateTimeField(_("下次尝试"), db_index=True)
    lease_until = models.DateTimeField(_("租约到期"), null=True, blank=True)
    claimed_by = models.CharField(_("发送进程"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("消息发送")
        verbose_name_plural = _("消息发送")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="dispatch_once_per_channel")]
        indexes = [models.Index(fields=["status", "next_at"], name="dispatch_due")]

    def __str__(self):
        return f"{self.message_id} {self.channel} {self.status}"


class LoggedMessage(models.Model):
    """What the log sender "sent": one row per message id, written in the transaction that marks the
    dispatch sent (so a message counts as delivered exactly once, whatever happened to the worker)."""

    message_id = models.CharField(_("消息编号"), max_length=64, primary_key=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=CHANNELS)
    address = models.CharField(_("地址"), max_length=254, blank=True)
    subject = models.CharField(_("主题"), max_length=300, blank=True)
    body = models.TextField(_("内容"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"))

    class Meta:
        verbose_name = _("已记录的消息")
        verbose_name_plural = _("已记录的消息")
        ordering = ["sent_at"]

    def __str__(self):
        return self.message_id
