"""待办: the work waiting for a user, by role, consistent with the transition table.

A queue is one entry of `QUEUES` and one branch of `queue()`. The queues overlap (a petition the
office registered waits both to be routed and to be accepted), so "all" (全部待办, and the count on
the navigation's 待办 item) is their union, counting each petition once; `NOT_IN_ALL` names the
queues that are views across the others rather than work of their own.
"""

from __future__ import annotations

import datetime as dt
import operator
from functools import reduce

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.org.choices import Role
from xinfang.org.jurisdiction import memberships
from xinfang.petitions.choices import OPEN_STATES, Status, WarningLevel
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible

from .choices import CURRENT_OPINION_KINDS
from .models import Evaluation, Extension, Reply

# (key, label) in the order the navigation shows them
QUEUES = [
    ("route", _("待分办")),
    ("accept", _("待受理")),
    ("assign_handler", _("待交承办人")),
    ("handle", _("待办理")),
    ("approve", _("待审批")),
    ("review", _("复查复核")),
    ("deliver", _("待送达")),
    ("evaluate", _("待评价")),
    ("overdue", _("已超期")),
    ("first_contact", _("首问来电")),
]
ALL = "all"  # 全部待办: every queue but NOT_IN_ALL, each petition once
NOT_IN_ALL = {"overdue", "first_contact"}  # first_contact: the petitioners first received, to follow


def _units(user, *roles) -> list[int]:
    return [m.unit_id for m in memberships(user) if m.role in roles]


def _undelivered():
    return Reply.objects.filter(petition=OuterRef("pk"), approved_at__isnull=False, returned_at__isnull=True,
                                deliveries__isnull=True)


def with_undelivered_since(qs: QuerySet[Petition]) -> QuerySet[Petition]:
    """Annotate when each petition's oldest undelivered opinion was issued (the 待送达 queue's age)."""
    return qs.annotate(undelivered_since=Subquery(_undelivered().order_by("approved_at").values("approved_at")[:1]))


def queue(user, key: str) -> QuerySet[Petition]:
    """The petitions in one queue of `user` (always inside their jurisdiction); `ALL` for the union.

    Each queue filters on the petition's own columns or with Exists(), never through a join to a
    many-valued relation, so the union below (one WHERE … OR …) holds every petition once."""
    if key == ALL:
        parts = [queue(user, k) for k, _label in QUEUES if k not in NOT_IN_ALL]
        return reduce(operator.or_, parts) if parts else petitions_visible(user).none()
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
    if key == "deliver":  # issued opinions not yet delivered, oldest first, with their age
        chain = _units(user, Role.CLERK, Role.HANDLER)
        if not chain:
            return qs.none()
        current = reduce(operator.or_, (Q(kind__in=kinds, petition__status=status)
                                        for status, kinds in CURRENT_OPINION_KINDS.items()))
        pending = _undelivered().filter(current)
        # `undelivered` holds every petition of `pending` (a superset, read from the replies): it lets the
        # database start from the few undelivered opinions instead of every replied petition in scope
        undelivered = Reply.objects.filter(approved_at__isnull=False, returned_at__isnull=True,
                                           deliveries__isnull=True).values("petition_id")
        return qs.filter(Q(receiving_unit_id__in=chain) | Q(handling_unit_id__in=chain) | Q(review_unit_id__in=chain),
                         Exists(pending), pk__in=undelivered, status__in=tuple(CURRENT_OPINION_KINDS))
    if key == "evaluate":
        if not _units(user, Role.CLERK):
            return qs.none()
        # an opinion issued (or delivered) within the evaluation window and not evaluated yet: the
        # rule of workflow.actions (once per stage, only within the window)
        today = timezone.localdate()
        since = today - dt.timedelta(days=settings.XINFANG["EVALUATION_WINDOW_DAYS"])
        within = Q(approved_at__date__gte=since) | Q(deliveries__delivered_at__gte=since)
        open_opinion = Reply.objects.filter(
            within, petition=OuterRef("pk"), approved_at__isnull=False, returned_at__isnull=True,
        ).exclude(Exists(Evaluation.objects.filter(reply=OuterRef("pk"), counted=True)))
        # `recent` holds every petition of `open_opinion` (a superset, read from the replies): the
        # database starts from the opinions of the window instead of every replied petition received
        recent = Reply.objects.filter(within, approved_at__isnull=False, returned_at__isnull=True).values("petition_id")
        return qs.filter(Exists(open_opinion), status__in=(Status.REPLIED, Status.UNDER_REVIEW, Status.REVIEWED,
                                                           Status.UNDER_REREVIEW, Status.CLOSED, Status.FINAL),
                         receiving_unit_id__in=_units(user, Role.CLERK), pk__in=recent)
    if key == "overdue":
        return qs.filter(status__in=OPEN_STATES, warning_level=WarningLevel.OVERDUE)
    if key == "first_contact":  # 首问负责: later petitions of the petitioners this user received first
        return qs.filter(status__in=OPEN_STATES, first_contact=user).exclude(clerk=user)
    return qs.none()


COUNTS_TTL = 20  # seconds: the navigation's counts may lag a move by this much
COUNT_CAP = 999  # the navigation counts a queue up to this many, then shows "999+"


class AtLeast(int):
    """A count that stopped at its cap: the queue holds more. Compares and tests as the cap; shown
    (str, templates) as "999+"."""

    def __str__(self) -> str:
        return f"{int(self)}+"

    def __repr__(self) -> str:
        return f"AtLeast({int(self)})"

    def __reduce__(self):  # cached (pickled) as itself
        return (AtLeast, (int(self),))


def _bounded_ids(qs: QuerySet[Petition], cap: int) -> list[int]:
    """Up to `cap` + 1 ids of `qs` (in no order: the database stops at the first `cap` + 1)."""
    return list(qs.order_by().values_list("pk", flat=True)[:cap + 1])


def queue_counts(user, *, fresh: bool = False, cap: int | None = None) -> dict[str, int]:
    """The size of every queue and of their union (`ALL`, each petition once), cached per user for a
    few seconds. Each queue is counted up to `cap` (`AtLeast(cap)` beyond, shown "999+"), so a
    jurisdiction of half a million petitions with thousands overdue is counted from the first
    thousand matches rather than by reading every one; the union is made of the queues' own ids
    (exact while every queue is under the cap) instead of one query ORing them all."""
    cap = COUNT_CAP if cap is None else cap
    key = _counts_key(user.pk)
    if not fresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    counts: dict[str, int] = {}
    union: set[int] = set()
    more = False
    for name, _label in QUEUES:
        ids = _bounded_ids(queue(user, name), cap)
        counts[name] = AtLeast(cap) if len(ids) > cap else len(ids)
        if name not in NOT_IN_ALL:
            more = more or len(ids) > cap
            union.update(ids)
    counts[ALL] = AtLeast(cap) if more or len(union) > cap else len(union)
    cache.set(key, counts, COUNTS_TTL)
    return counts


def queue_counts_forget(user_ids) -> None:
    """Drop cached counts (after a move that changes what these users must do)."""
    cache.delete_many([_counts_key(pk) for pk in user_ids])


def _counts_key(user_id) -> str:
    return f"xinfang:queue-counts:v4:{user_id}"  # v2: the union's count; v3: first_contact; v4: AtLeast
