"""查询: petitions by text and filters, always inside the user's jurisdiction (DESIGN §5, §8).

The web search page, its saved filters and its xlsx export all go through `petitions_search`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from xinfang.org.models import Region, Unit

from . import search
from .choices import OPEN_STATES, WarningLevel
from .models import Category, Petition
from .selectors import petitions_visible

FLAGS = {
    "urgent": Q(is_urgent=True),
    "escalated": Q(is_escalated=True),
    "litigation": Q(is_litigation=True),
    "anonymous": Q(is_anonymous=True),
    "repeat": Q(repeat_of__isnull=False),
}


@dataclass
class PetitionFilter:
    """What the user asked for. Empty values mean "any"; codes are unit, category and region codes."""

    q: str = ""
    status: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    visit_kind: list[str] = field(default_factory=list)
    category: str = ""  # the category and its subtree
    unit: str = ""  # received or handled by the unit or a unit below it
    region: str = ""  # problem region and its subtree
    received_from: dt.date | None = None
    received_to: dt.date | None = None  # inclusive
    overdue: bool = False
    urgent: bool = False
    escalated: bool = False
    litigation: bool = False
    anonymous: bool = False
    repeat: bool = False

    def is_empty(self) -> bool:
        return all(not getattr(self, f.name) for f in fields(self))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def petitions_search(user, flt: PetitionFilter, *, using: str = "default", by_order: bool = False) \
        -> QuerySet[Petition]:
    """The petitions `user` may see that match `flt`, newest first. `by_order`: the same rows, for a
    page in date order (`search.text_q`, `selectors.petitions_page`)."""
    qs = petitions_visible(user)
    if using != "default":
        qs = qs.using(using)
    # words of the texts, or a petitioner's name
    text = search.text_q(flt.q, using=using, user=user, by_order=by_order)
    if text is not None:
        q = (flt.q or "").strip()
        # a tracking number typed into the box finds its petition too
        if q.isascii() and "-" in q and len(q) <= 48 and " " not in q:
            text |= Q(number=q.upper())
        qs = qs.filter(text)
    if flt.status:
        qs = qs.filter(status__in=list(flt.status))
    if flt.channel:
        qs = qs.filter(channel__in=list(flt.channel))
    if flt.visit_kind:
        qs = qs.filter(visit_kind__in=list(flt.visit_kind))
    if flt.category:
        node = Category.objects.filter(code=flt.category).values_list("path", flat=True).first()
        qs = qs.filter(category__in=Category.objects.filter(path__startswith=node)) if node else qs.none()
    if flt.unit:
        node = Unit.objects.filter(code=flt.unit).values_list("path", flat=True).first()
        if node:
            below = Unit.objects.filter(path__startswith=node)
            qs = qs.filter(Q(receiving_unit__in=below) | Q(handling_unit__in=below))
        else:
            qs = qs.none()
    if flt.region:
        node = Region.objects.filter(code=flt.region).values_list("path", flat=True).first()
        qs = qs.filter(problem_region__in=Region.objects.filter(path__startswith=node)) if node else qs.none()
    if flt.received_from:
        qs = qs.filter(received_at__gte=_day_start(flt.received_from))
    if flt.received_to:
        qs = qs.filter(received_at__lt=_day_start(flt.received_to + dt.timedelta(days=1)))
    if flt.overdue:
        qs = qs.filter(status__in=OPEN_STATES, warning_level=WarningLevel.OVERDUE)
    for name, cond in FLAGS.items():
        if getattr(flt, name):
            qs = qs.filter(cond)
    return qs.order_by("-received_at", "-id")


DATE_SORTS = {"-received_at", "received_at"}  # orders an index of the petitions serves
NARROWING = ("status", "channel", "visit_kind", "category", "unit", "region", "overdue", "urgent", "escalated",
             "litigation", "anonymous", "repeat")  # criteria that thin out the matches along the date index


def petitions_search_ordered(user, flt: PetitionFilter, sort: str = "-received_at", *,
                             using: str = "default") -> QuerySet[Petition]:
    """`petitions_search` in `sort` order (then newest id first), in the shape the database serves
    best: a common word (`search.is_common`) in date order walks the date index and stops at the
    page's end instead of sorting every match (on SQLite, with other criteria or in another order,
    the matches are fetched by id and sorted; PostgreSQL's planner chooses from its statistics).
    The rows are the same either way."""
    if connections[using].vendor == "postgresql":  # its planner weighs the words and criteria itself
        by_order = sort in DATE_SORTS
    else:
        by_order = (sort in DATE_SORTS and not any(getattr(flt, name) for name in NARROWING)
                    and search.is_common(flt.q, using=using))
    return petitions_search(user, flt, using=using, by_order=by_order).order_by(sort, "-id")
