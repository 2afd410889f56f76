"""Reading the inbox: always the user's own messages."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification


def notifications_of(user) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk)


def unread_count(user) -> int:
    return notifications_of(user).filter(read_at__isnull=True).count()
