"""查询: petitions by text and filters, always inside the user's jurisdiction (DESIGN §5, §8).

The web search page, its saved filters and its xlsx export all go through `petitions_search`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace

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
    q = (flt.q or "").strip()
    if q:
        # a tracking number typed into the box finds its petition too
        number = q.upper() if q.isascii() and "-" in q and len(q) <= 48 and " " not in q else None
        named = search.name_q(q, user, using=using)
        plain = named is None and number is None
        alone = replace(flt, q="").is_empty()  # no criterion but the text
        if plain and search.joins(using, by_order=by_order):
            qs = search.text_join(qs, q, using=using)  # read from the index as a stream
        elif plain and by_order and alone and search.is_common(q, using=using):
            # PostgreSQL, a common word alone: the index table's date index is walked (`date_ordered`)
            qs = search.text_join(qs, q, using=using, walk=True)
        else:
            # with a name or a number the page is rarely long: the text's ids are collected (on
            # PostgreSQL a date walk would test the OR on every petition for a rare word); with other
            # criteria a common word walks the petitions' date index, which tests them first
            text = search.text_q(q, using=using, by_order=by_order and plain and not alone)
            if named is not None:
                text |= named
            if number is not None:
                text |= Q(number=number)
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


DATE_SORTS = {"-received_at", "received_at"}  # orders an index serves


def petitions_search_ordered(user, flt: PetitionFilter, sort: str = "-received_at", *,
                             using: str = "default") -> QuerySet[Petition]:
    """`petitions_search` in `sort` order, then by id (in the sort's direction for receipt time,
    newest id first otherwise), in the shape the database serves best. SQLite, a text query in
    date order: the text index is read in receipt order (its keys, `search.text_join`) and the
    reading stops at the page's end, for a common word as for a rare one; petitions received in
    the same second come by id. PostgreSQL: a common word alone walks the index table's date index
    and tests each row's document (`search.text_join` with `walk`); with other criteria it walks the
    petitions' date index and tests each petition that meets them (`search.MatchExists`); a rare
    word's matches are sorted. The rows are those of `petitions_search` either way."""
    pg = connections[using].vendor == "postgresql"
    qs = petitions_search(user, flt, using=using, by_order=pg and sort in DATE_SORTS)
    if sort in DATE_SORTS and search.is_joined(qs):
        return search.date_ordered(qs, descending=sort.startswith("-"))
    if sort == "received_at":  # oldest first: the same receipt time by id in the same direction
        return qs.order_by(sort, "id")
    return qs.order_by(sort, "-id")
