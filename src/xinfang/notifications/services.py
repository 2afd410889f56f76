"""Writes of notifications: `notify` puts a message in each recipient's inbox (and, by their
preferences, in the SMS/e-mail outbox), inside the caller's transaction."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification


def _recipients(recipients) -> list:
    seen, out = set(), []
    for user in recipients or []:
        if user is None or not getattr(user, "is_active", True) or user.pk in seen:
            continue
        seen.add(user.pk)
        out.append(user)
    return out


def notify(*, recipients, kind: str, title: str, body: str = "", link: str = "", petition=None,
           dedupe_key: str = "", at: dt.datetime | None = None) -> list[Notification]:
    """Send one message to each active recipient (users; duplicates ignored). With `dedupe_key`, a
    recipient who already got a message with that key gets nothing new (a sweep run twice sends once).
    Returns the messages created."""
    at = at or timezone.now()
    petition_id = getattr(petition, "pk", petition)
    created = []
    for user in _recipients(recipients):
        if dedupe_key and Notification.objects.filter(recipient=user, dedupe_key=dedupe_key).exists():
            continue
        row = Notification(recipient=user, kind=kind, title=title[:200], body=body, link=link[:300],
                           petition_id=petition_id, dedupe_key=dedupe_key[:200], created_at=at)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # a concurrent run stored the same key first
            continue
        created.append(row)
    return created


def notification_read(*, user, notification_id) -> Notification:
    """Mark one of the user's own messages read (another user's answers not found)."""
    from django.utils.translation import gettext as _

    from xinfang.common.errors import NotFound

    try:
        pk = int(notification_id)
    except (TypeError, ValueError):
        raise NotFound(_("消息不存在。")) from None
    row = Notification.objects.filter(pk=pk, recipient_id=getattr(user, "pk", None)).first() \
        if 0 < pk < 2**63 else None
    if row is None:
        raise NotFound(_("消息不存在。"))
    if row.read_at is None:
        row.read_at = timezone.now()
        row.save(update_fields=["read_at"])
    return row
