"""Notifications (DESIGN §8): one outbox, an in-app inbox, SMS and e-mail senders (issue 10)."""
from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "xinfang.notifications"
    label = "notifications"
    verbose_name = "消息通知"

    def ready(self):
        from xinfang.common.sweeps import sweep_register

        from .services import outbox_sweep

        # last on every sweep: the rules before it may have queued messages
        sweep_register("notifications_outbox", outbox_sweep, order=1000)
