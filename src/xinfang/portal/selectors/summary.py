"""The portal's weekly public summary (信息公开): counts and rates only, never a petition or a person.

One week (Monday to Sunday, local dates) of petitions received: the volume by channel (信访形式) and by
first-level category, with visits in batches and person-times; the units' 按期办结率 and 群众满意率 (the
scorecard's units: the top unit's direct sub-units); and the week's 超期通报 (units, items, overdue
count, rate and rank only). Every figure comes from `xinfang.reports` (statistics, scorecard, league),
with their one definition each, seen by the portal's public viewer (everything, counts only).

The result is plain data (no model instances, no petition), cached per week and language for a few
minutes.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.petitions.choices import Channel, VisitKind
from xinfang.reports import league as lg
from xinfang.reports import scorecard as sc
from xinfang.reports import statistics as st

from .profile import public_viewer

EARLIEST_WEEK = dt.date(2000, 1, 1)
CACHE_SECONDS = 300
MAX_ROWS = 100  # units and categories shown (the page stays readable; totals are always complete)
_WEEK = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def last_complete_week(today: dt.date) -> dt.date:
    """The Monday of the last week that has ended (the week before `today`'s)."""
    return week_start(today) - dt.timedelta(days=7)


def week_pick(raw: str | None, *, today: dt.date | None = None) -> dt.date:
    """The Monday of the week asked for by `?week=YYYY-MM-DD` (any day of it), by default the last
    complete week; ApplicationError ("invalid", field "week") for a malformed, too early or future day."""
    today = today or timezone.localdate()
    text = (raw or "").strip()
    if not text:
        return last_complete_week(today)
    day = None
    if len(text) == 10 and _WEEK.match(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            day = None
    if day is None:
        raise ApplicationError(_("日期格式不正确，请按“年-月-日”填写，例如 2026-11-23。"), "invalid", "week")
    if day < EARLIEST_WEEK:
        raise ApplicationError(_("只能查看2000年1月1日以后的周报。"), "invalid", "week")
    if day > today:
        raise ApplicationError(_("所选日期尚未到来，无法查看未来的周报。"), "invalid", "week")
    return week_start(day)


def _rate(counts: st.Counts, key: str) -> dict:
    k = st.kpi_def(key)
    value = counts.kpi(k)
    return {"value": None if value is None else float(st.round_half_up(value, 1)),
            "text": st.fmt_rate(value, k.kind),
            "numerator": int(counts[k.numerator]), "denominator": int(counts[k.denominator])}


def weekly_summary(monday: dt.date, *, as_of: dt.datetime | None = None) -> dict:
    """The summary of the week starting `monday` (cached unless `as_of` is given)."""
    key = f"portal:summary:{monday.isoformat()}:{get_language() or ''}"
    if as_of is None:
        data = cache.get(key)
        if data is not None:
            return data
    data = _build(monday, as_of or timezone.now())
    if as_of is None:
        cache.set(key, data, CACHE_SECONDS)
    return data


def _build(monday: dt.date, as_of: dt.datetime) -> dict:
    user = public_viewer()  # holds no memberships to look up
    sunday = monday + dt.timedelta(days=6)
    today = timezone.localtime(as_of).date()
    rep = st.kpi_report(user, date_from=monday, date_to=sunday, group_by="category", as_of=as_of, compare=False)
    total = rep.total
    volume = st.volume_dict(total)
    channels = [{"key": ch, "label": str(label), "items": int(volume["by_channel"][ch])}
                for ch, label in Channel.choices]
    visit_kinds = [{"key": k, "label": str(label), "batches": int(volume["by_visit_kind"][k]["batches"]),
                    "person_times": int(volume["by_visit_kind"][k]["person_times"])}
                   for k, label in VisitKind.choices]
    categories = [{"label": r.label, "items": int(r.counts["items"])} for r in rep.rows if r.counts["items"]]
    categories.sort(key=lambda c: -c["items"])  # stable: equal counts stay in the category order

    try:
        card = sc.scorecard_build(user, date_from=monday, date_to=sunday, as_of=as_of)
        league = lg.league_build(user, date_from=monday, date_to=sunday, as_of=as_of)
    except ApplicationError as exc:  # no unit at all yet (a fresh installation)
        if exc.code != "not_found":
            raise
        card = league = None
    units = [{"name": r.unit.name, "items": r.items, "on_time": _rate(r.counts, "on_time_reply"),
              "satisfaction": _rate(r.counts, "satisfaction")}
             for r in sorted(card.rows, key=lambda r: r.unit.path)] if card else []
    # units, counts, rate and rank only: the league's listed petitions are never read from here
    overdue = [{"rank": r.rank, "name": r.unit.name, "items": r.items, "overdue": r.overdue,
                "rate": r.overdue_rate} for r in league.rows] if league else []

    return {
        "monday": monday, "sunday": sunday, "period_end": rep.period.end, "label": rep.period.label(),
        "complete": sunday < today, "as_of": timezone.localtime(as_of),
        "parent": card.parent.name if card else "",
        "totals": {"items": int(volume["items"]), "batches": int(volume["batches"]),
                   "person_times": int(volume["person_times"])},
        "channels": channels, "visit_kinds": visit_kinds, "categories": categories[:MAX_ROWS],
        "units": units[:MAX_ROWS], "overdue": overdue[:MAX_ROWS],
        "overdue_total": league.total_overdue if league else 0,
        "definitions": [
            st.kpi_def("on_time_reply").definition,
            st.kpi_def("satisfaction").definition,
            lg.league_notes()[0],
            st.general_notes()[1],
        ],
    }


def week_links(monday: dt.date, *, today: dt.date | None = None) -> dict:
    """The days to link for the previous and next weeks (a day `week_pick` accepts), None where there
    is no such week to show (before 2000, or in the future)."""
    today = today or timezone.localdate()
    prev, nxt = monday - dt.timedelta(days=7), monday + dt.timedelta(days=7)
    return {"previous": max(prev, EARLIEST_WEEK) if prev + dt.timedelta(days=6) >= EARLIEST_WEEK else None,
            "next": nxt if nxt <= today else None}
