"""Scoped counts of petitions (DESIGN §6: 件次, 批次, 人次 by channel, status and visit kind).

Every figure is computed through `petitions_visible(user)`: a caller counts only what they may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.org.jurisdiction import visible_units
from xinfang.org.models import Unit
from xinfang.petitions.choices import Channel, Status, VisitKind
from xinfang.petitions.models import PetitionAccess
from xinfang.petitions.selectors import petitions_visible

# Dates outside this range are refused rather than turned into out-of-range datetimes.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)


@dataclass
class Summary:
    date_from: dt.date | None
    date_to: dt.date | None
    unit: Unit | None
    items: int = 0
    batches: int = 0
    person_times: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_visit_kind: dict[str, dict[str, int]] = field(default_factory=dict)


def _bound(day: dt.date) -> dt.datetime:
    """The first instant of `day` in the local time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _check_date(day: dt.date | None, name: str) -> None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise ApplicationError(_("日期超出范围（%(lo)s 至 %(hi)s）。") % {"lo": EARLIEST, "hi": LATEST},
                               "invalid", name)


def summary_counts(user, *, date_from: dt.date | None = None, date_to: dt.date | None = None,
                   unit_code: str | None = None) -> Summary:
    """Counts over the petitions `user` may see, received between `date_from` and `date_to`
    (local dates, both inclusive), optionally only those that reached `unit_code` or a unit below it.

    items: every petition (件次); batches: visit registrations (批次, one per visit petition);
    person_times: the headcounts of those visits added up (人次); by_visit_kind splits the visits
    (a joint letter is not a collective visit, so other channels are not split by kind).
    """
    _check_date(date_from, "from")
    _check_date(date_to, "to")
    if date_from and date_to and date_from > date_to:
        raise ApplicationError(_("开始日期不能晚于结束日期。"), "invalid", "to")
    unit = None
    if unit_code:
        # a unit outside the caller's jurisdiction is answered like one that does not exist
        unit = visible_units(user).filter(code=unit_code).first()
        if unit is None:
            raise ApplicationError(_("单位不存在：%(code)s") % {"code": unit_code}, "invalid", "unit")
    qs = petitions_visible(user, by_reach=True)  # a period of petitions: the scope by reach sets
    if date_from:
        qs = qs.filter(received_at__gte=_bound(date_from))
    if date_to:
        qs = qs.filter(received_at__lt=_bound(date_to + dt.timedelta(days=1)))
    if unit is not None:
        reached = PetitionAccess.objects.filter(unit__path__startswith=unit.path).values("petition_id")
        qs = qs.filter(pk__in=reached)
    qs = qs.order_by()
    out = Summary(date_from=date_from, date_to=date_to, unit=unit)
    out.by_channel = dict.fromkeys(Channel.values, 0)
    for row in qs.values("channel").annotate(n=Count("id")):
        out.by_channel[row["channel"]] = row["n"]
    out.by_status = dict.fromkeys(Status.values, 0)
    for row in qs.values("status").annotate(n=Count("id")):
        out.by_status[row["status"]] = row["n"]
    out.items = sum(out.by_channel.values())
    out.by_visit_kind = {k: {"batches": 0, "person_times": 0} for k in VisitKind.values}
    visits = qs.filter(channel=Channel.VISIT)
    for row in visits.values("visit_kind").annotate(n=Count("id"), people=Sum("headcount")):
        out.by_visit_kind[row["visit_kind"]] = {"batches": row["n"], "person_times": row["people"] or 0}
    out.batches = sum(v["batches"] for v in out.by_visit_kind.values())
    out.person_times = sum(v["person_times"] for v in out.by_visit_kind.values())
    return out
