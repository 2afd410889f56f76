"""The dashboard reads each petition once (issue 13): the period's query also groups by month, and the
trend's other days, where last year's period lies, are read once grouped by spans of days. Its trend,
last year's counts and tables are exactly those of one query per figure (the plain definitions), for
periods that take that path (a year to date, a month, a period in the middle of the trend) and for
those that do not (longer than a year, last year's period before the trend), with the petitions at
every month's and last year's period's first and last second, as the system, a district analyst and
with a unit filter."""

from __future__ import annotations

import datetime as dt

import pytest
from report_builders import bulk, local

from xinfang.reports import dashboard
from xinfang.reports import statistics as st

pytestmark = pytest.mark.django_db

NOW = local(2026, 12, 5, 15, 0)


def _second_before(day: dt.date) -> dt.datetime:
    return local(day.year, day.month, day.day, 0, 0, 0) - dt.timedelta(seconds=1)


@pytest.fixture
def spread(org):
    """Petitions from 2023-11 to today: at each month's first and last second, at the edges of the
    periods below and of last year's, by two units, of every channel, some visits of several people,
    escalated, repeats, merged (never counted)."""
    first = bulk(1, channel="letter", received_at=local(2023, 11, 3))[0]
    month = dt.date(2023, 11, 1)
    i = 0
    while month <= NOW.date():
        nxt = st.add_months(month, 1)
        unit = ("DH-XF", "DH-ZJ")[i % 2]
        bulk(1 + i % 3, unit=unit, channel=("visit", "letter", "online")[i % 3],
             received_at=local(month.year, month.month, 1, 0, 0, 0), headcount=1 + i % 4, escalated=i % 5 == 0)
        if _second_before(nxt) < NOW:
            bulk(1 + i % 2, channel="visit", received_at=_second_before(nxt), headcount=3, repeat_of=first)
        bulk(1, channel="phone", received_at=local(month.year, month.month, 15, 12), handling_unit="DH-ZJ")
        bulk(1, channel="letter", received_at=local(month.year, month.month, 16), status="merged")
        month, i = nxt, i + 1
    for day in (dt.date(2025, 3, 10), dt.date(2025, 6, 20), dt.date(2025, 6, 21), dt.date(2025, 12, 5),
                dt.date(2025, 12, 6), dt.date(2026, 3, 10), dt.date(2026, 6, 21)):
        bulk(2, channel="online", received_at=local(day.year, day.month, day.day, 0, 0, 0))
        bulk(1, channel="visit", headcount=5, received_at=_second_before(day))
    return first


def _plain(user, period: st.Period, unit):
    """The figures as one query each would give them."""
    today = NOW.date()
    first = st.add_months(today.replace(day=1), -11)
    window = st.Period(st.add_months(first, -12), today)
    months = st.aggregate(user, window, unit=unit, group_by=("month",), as_of=NOW, kpis=False, measures=["items"])
    trend = []
    for m in st.Period(first, today).months():
        label, old_label = f"{m.start:%Y-%m}", f"{st.add_months(m.start, -12):%Y-%m}"
        trend.append((label, months.get((label,), st.Counts())["items"],
                      months.get((old_label,), st.Counts())["items"]))
    old = st.aggregate(user, period.same_period_last_year(), unit=unit, as_of=NOW, kpis=False,
                       measures=st.VOLUME_MEASURES)[()]
    each = st.aggregate_each(user, period, ("unit", "category", "region"), unit=unit, as_of=NOW)
    return trend, old, each


def _same(a: st.Counts, b: st.Counts) -> bool:
    keys = {k for k in (*a, *b) if a[k] or b[k]}  # a measure missing on one side is 0 there
    return all(a[k] == pytest.approx(b[k], rel=1e-12) for k in keys)


PERIODS = [
    (st.Period(dt.date(2026, 1, 1), NOW.date()), True),  # the year to date (the dashboard's default)
    (st.Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)), True),  # one month
    (st.Period(dt.date(2026, 3, 10), dt.date(2026, 6, 20)), True),  # trend days before and after it
    (st.Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)), False),  # last year's period before the trend's first
    (st.Period(dt.date(2025, 12, 6), NOW.date()), False),  # … partly before it (the trend starts 2025-01-01)
    (st.Period(dt.date(2026, 1, 1), dt.date(2026, 1, 1)), True),  # one day, its month's first
    (st.Period(dt.date(2025, 3, 10), dt.date(2025, 6, 20)), False),  # last year's period before the trend
    (st.Period(dt.date(2024, 6, 1), NOW.date()), False),  # longer than a year
]


@pytest.mark.parametrize(("period", "by_spans"), PERIODS, ids=[f"{p.start}..{p.end}" for p, _s in PERIODS])
def test_dashboard_figures_equal_one_query_per_figure(spread, org, monkeypatch, period, by_spans):
    from xinfang.reports.management.commands._common import SystemView

    calls = []
    real = dashboard._figures_by_spans
    monkeypatch.setattr(dashboard, "_figures_by_spans", lambda *a, **k: calls.append(1) or real(*a, **k))
    analyst = org.users["demo_analyst"]
    compared = old_items = 0
    for user, unit in ((SystemView(), None), (analyst, None), (analyst, st.resolve_unit(analyst, "DH-ZJ"))):
        got = dashboard.dashboard_figures(user, period, unit, NOW, wait_for_spots=False)
        trend, old, each = _plain(user, period, unit)
        assert got["trend"] == trend
        assert any(n for _m, n, _o in trend) and any(o for _m, _n, o in trend)  # not two empty trends
        assert _same(got["old"], old), (got["old"], old)
        old_items += old["items"]
        assert _same(got["cur"], st._sum(each["unit"].values()))
        for dim in ("unit", "category", "region"):  # the tables rolled up from the plain query's groups
            rolled = st.Rollup(dim, st.anchor_region(user, unit) if dim == "region" else None)
            rolled.prepare(set(each[dim]))
            rows, _r = st.rollup(dim, {(raw,): c for raw, c in each[dim].items()}, rolled=rolled)
            want = {r.key: r.counts for r in rows.values() if r.counts["items"]}
            have = {r.key: r.counts for r in got["tables"][dim]}
            assert have.keys() == want.keys(), dim
            compared += len(want)
            assert all(_same(have[k], want[k]) for k in want), dim
        assert got["cur"]["items"] == sum(c["items"] for c in each["unit"].values())
    assert bool(calls) is by_spans
    assert compared  # some table rows were compared
    assert old_items  # last year's counts are compared on real rows
