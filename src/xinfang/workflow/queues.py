"""待办: the work waiting for a user, by role, consistent with the transition table."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from xinfang.org.choices import Role
from xinfang.org.jurisdiction import memberships
from xinfang.petitions.choices import OPEN_STATES, Status, WarningLevel
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible

from .models import Evaluation, Extension

# (key, label) in the order the navigation shows them
QUEUES = [
    ("route", _("待分办")),
    ("accept", _("待受理")),
    ("assign_handler", _("待交承办人")),
    ("handle", _("待办理")),
    ("approve", _("待审批")),
    ("review", _("复查复核")),
    ("evaluate", _("待评价")),
    ("overdue", _("已超期")),
]


def _units(user, *roles) -> list[int]:
    return [m.unit_id for m in memberships(user) if m.role in roles]


def queue(user, key: str) -> QuerySet[Petition]:
    """The petitions in one queue of `user` (always inside their jurisdiction)."""
    qs = petitions_visible(user)
    dispatch = _units(user, Role.DISPATCHER, Role.LEADER)
    if key == "route":
        return qs.filter(status=Status.REGISTERED, receiving_unit_id__in=_units(user, Role.DISPATCHER),
                         handling_unit__isnull=True)
    if key == "accept":
        return qs.filter(Q(status=Status.ROUTED, handling_unit_id__in=dispatch)
                         | Q(status=Status.REGISTERED, handling_unit__isnull=True, receiving_unit_id__in=dispatch))
    if key == "assign_handler":
        return qs.filter(status=Status.ACCEPTED, handling_unit_id__in=dispatch)
    if key == "handle":
        return qs.filter(status=Status.IN_HANDLING, handler=user)
    if key == "approve":
        leads = _units(user, Role.LEADER)
        pending_ext = Extension.objects.filter(petition=OuterRef("pk"), approved_at__isnull=True)
        return qs.filter(Q(status=Status.REPLY_PENDING, handling_unit_id__in=leads)
                         | Q(Exists(pending_ext), status=Status.IN_HANDLING, handling_unit_id__in=leads))
    if key == "review":
        return qs.filter(status__in=(Status.UNDER_REVIEW, Status.UNDER_REREVIEW),
                         review_unit_id__in=_units(user, Role.HANDLER, Role.LEADER))
    if key == "evaluate":
        if not _units(user, Role.CLERK):
            return qs.none()
        done = Evaluation.objects.filter(petition=OuterRef("pk"))
        return qs.filter(status__in=(Status.REPLIED, Status.REVIEWED, Status.CLOSED, Status.FINAL),
                         receiving_unit_id__in=_units(user, Role.CLERK)).exclude(Exists(done))
    if key == "overdue":
        return qs.filter(status__in=OPEN_STATES, warning_level=WarningLevel.OVERDUE)
    return qs.none()


COUNTS_TTL = 20  # seconds: the navigation's counts may lag a move by this much


def queue_counts(user, *, fresh: bool = False) -> dict[str, int]:
    """The size of every queue, cached per user for a few seconds: the counts are shown on every
    staff page and cost a scan of the user's jurisdiction each."""
    key = f"xinfang:queue-counts:{user.pk}"
    if not fresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    counts = {name: queue(user, name).count() for name, _label in QUEUES}
    cache.set(key, counts, COUNTS_TTL)
    return counts


def queue_counts_forget(user_ids) -> None:
    """Drop cached counts (after a move that changes what these users must do)."""
    cache.delete_many([f"xinfang:queue-counts:{pk}" for pk in user_ids])
