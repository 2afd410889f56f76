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


def unit_members(units, roles=None) -> list:
    """The active accounts holding one of `roles` (any role when None) in any of `units` (Unit objects
    or ids), each once: the recipients of a notice to a unit ("the responsible unit's leaders")."""
    from django.contrib.auth import get_user_model

    ids = [getattr(u, "pk", u) for u in (units if isinstance(units, list | tuple | set) else [units])]
    qs = get_user_model().objects.filter(is_active=True, memberships__unit_id__in=ids)
    if roles:
        qs = qs.filter(memberships__role__in=list(roles))
    return list(qs.distinct().order_by("pk"))
