"""The figures of the leaders' dashboard (统计分析): one function, so the page and its xlsx agree."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from xinfang.insight.hotspots.selectors import hotspots_for
from xinfang.org.models import Unit

from . import statistics as st

DASHBOARD_SPOTS = 8  # hot spots on the dashboard
DIMS = ("unit", "category", "region")  # the dashboard's tables


def dashboard_spots_period(period: st.Period) -> st.Period:
    """The dashboard's hot spots span: the period, at most its last three years (insight computes no
    longer span)."""
    return st.Period(max(period.start, period.end - dt.timedelta(days=3 * 366)), period.end)


def dashboard_spots(user, period: st.Period, unit: Unit | None, *, compute: bool = True) -> list | None:
    """The dashboard's hot spots panel, kept a few minutes per user and question like the hot spots
    page (computed when not kept; without `compute`, None then)."""
    spots_period = dashboard_spots_period(period)
    return hotspots_for(user, date_from=spots_period.start, date_to=spots_period.end, top=DASHBOARD_SPOTS,
                        unit=unit, cached=True, compute=compute)[1]


def _figures_by_spans(user, period: st.Period, prev: st.Period, window: st.Period, unit: Unit | None,
                      now: dt.datetime, recent: st.Period):
    """The period's tables, the trend's months and last year's counts, each petition read once.

    The period's query also groups by month (its part of the trend); the trend's other days, where
    last year's period lies, are read once, grouped by spans of days that start at every month of the
    trend and at last year's period's first and next day: a trend month and last year's period are
    each a sum of whole spans. (One query per figure read the trend's 24 months again, and last
    year's period a third time: 1.6 s more of the CPU at a million petitions.)"""
    before = st.Period(window.start, min(window.end, period.start - dt.timedelta(days=1)))
    after = st.Period(max(window.start, period.end + dt.timedelta(days=1)), window.end)
    rest = [p for p in (before, after) if p.start <= p.end]
    starts = {m.start for m in window.months()} | {prev.start, prev.end + dt.timedelta(days=1)}

    def spans(p: st.Period):
        cut = st.Segments(tuple(sorted(d for d in starts | {p.start} if p.start <= d <= p.end)), p.end)
        return st.aggregate(user, p, unit=unit, group_by=(cut,), as_of=now, kpis=False,
                            measures=st.VOLUME_MEASURES)

    cur_g, hot_titles, *parts = st.in_parallel(
        lambda: st.aggregate_each(user, period, (*DIMS, "month"), unit=unit, as_of=now),
        lambda: st.hot_titles(user, recent, unit=unit, limit=8),
        *[lambda p=p: spans(p) for p in rest])
    months: dict[str, st.Counts] = {}
    old = st.Counts()
    for part in parts:
        for (day, ), counts in part.items():
            if not day:
                continue
            start = dt.date.fromisoformat(day)
            months.setdefault(f"{start:%Y-%m}", st.Counts()).add(counts)
            if prev.start <= start <= prev.end:
                old.add(counts)
    for label, counts in cur_g.pop("month").items():
        months.setdefault(label, st.Counts()).add(counts)
    return cur_g, months, old, hot_titles


def dashboard_figures(user, period: st.Period, unit: Unit | None, now: dt.datetime, *,
                      wait_for_spots: bool = True) -> dict:
    """Every figure of the dashboard: totals this period and a year earlier, the monthly trend, the
    tables by unit, category and region, the hot spots (热点问题: insight's clusters of one matter) and
    the titles most written in the last 30 days. Without `wait_for_spots`, the hot spots are given
    only when kept from an earlier request (else None: the page loads that panel by itself)."""
    prev = period.same_period_last_year()
    today = timezone.localtime(now).date()
    first = st.add_months(today.replace(day=1), -11)
    window = st.Period(st.add_months(first, -12), today)  # the trend and its year-earlier line: 24 months
    recent = st.Period(max(period.start, period.end - dt.timedelta(days=29)), period.end)
    if window.start <= prev.start and prev.end < period.start and prev.end <= window.end:
        cur_g, months, old, hot_titles = _figures_by_spans(user, period, prev, window, unit, now, recent)
    else:  # a period longer than a year, or last year's lying before the trend: one query each
        cur_g, months, old, hot_titles = st.in_parallel(
            lambda: st.aggregate_each(user, period, DIMS, unit=unit, as_of=now),
            lambda: {k[0]: c for k, c in st.aggregate(user, window, unit=unit, group_by=("month",), as_of=now,
                                                        kpis=False, measures=["items"]).items()},
            lambda: st.aggregate(user, prev, unit=unit, as_of=now, kpis=False, measures=st.VOLUME_MEASURES)[()],
            lambda: st.hot_titles(user, recent, unit=unit, limit=8))
    trend = []
    for m in st.Period(first, today).months():
        label, old_label = f"{m.start:%Y-%m}", f"{st.add_months(m.start, -12):%Y-%m}"
        trend.append((label, months.get(label, st.Counts())["items"], months.get(old_label, st.Counts())["items"]))
    tables = {}
    for dim in DIMS:
        rolled = st.Rollup(dim, st.anchor_region(user, unit) if dim == "region" else None)
        rolled.prepare(set(cur_g[dim]))
        rows, _r = st.rollup(dim, {(raw,): c for raw, c in cur_g[dim].items()}, rolled=rolled)
        tables[dim] = sorted((r for r in rows.values() if r.counts["items"]),
                             key=lambda r: (-r.counts["items"], r.sort))
    return {"cur": st._sum(cur_g["unit"].values()), "old": old, "trend": trend,
            "tables": tables, "recent": recent, "hot_titles": hot_titles,
            "hot_spots": dashboard_spots(user, period, unit, compute=wait_for_spots),
            "spots_period": dashboard_spots_period(period)}
