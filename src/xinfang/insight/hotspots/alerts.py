"""Early warning (预警, DESIGN §7): when a hot spot, a region or a category rises above its own
baseline, and on collective-visit signals. Urgent informant reports alert their leaders already
(oversight.screening); the alert inbox shows them too.

The test for a rise (one per hot spot, region and category, once a week):
  count  = items received in the week counted (Monday to Sunday; the sweep counts the current week so far);
  λ      = max(the mean weekly count of the previous `BASELINE_WEEKS` weeks, `LAMBDA_MIN`);
  p      = P(X ≥ count) for X ~ Poisson(λ), the upper tail;
  fires when count ≥ `MIN_COUNT` and p < `ALPHA`; for a hot spot, the week's items must also come from
  `MIN_PERSONS` different petitioners (one person writing twice is not a rise: on the message board
  this halves the alerts, 271 to 138 over 2017-2020, and still fires on both known hot issues).
`LAMBDA_MIN` (one item in ten weeks) is the baseline of a matter with no history: two items about
a new matter in one week fire (p = 0.0047), one never does.

Collective-visit signals:
  a collective visit (visit_kind 集体访, or `COLLECTIVE_HEADCOUNT` persons or more) received in the
  last 7 days fires once per petition;
  `CONVERGING_PERSONS` or more different petitioners about the same matter (one hot spot) within
  `CONVERGING_DAYS` days fire once per hot spot and week.

Every alert fires once per key (the kind, what rose, the week): `Alert.key` is unique, and each
recipient is notified once (the notification's dedupe key), however often the sweep runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import engine

logger = logging.getLogger("xinfang.insight")

BASELINE_WEEKS = 8
ALPHA = 0.01
LAMBDA_MIN = 0.1
MIN_COUNT = 2
MIN_PERSONS = 2
COLLECTIVE_HEADCOUNT = 5
CONVERGING_DAYS = 7
CONVERGING_PERSONS = 3
MIN_BASELINE_WEEKS = 2  # fully counted previous weeks needed to test a rise (see week_firings)


def poisson_tail(count: int, lam: float) -> float:
    """P(X ≥ count) for X ~ Poisson(lam)."""
    from scipy.stats import poisson

    if count <= 0:
        return 1.0
    return float(poisson.sf(count - 1, lam))


@dataclass
class Rise:
    count: int
    baseline: float  # the mean weekly count of the previous weeks
    lam: float  # the baseline used (at least LAMBDA_MIN)
    p: float
    fired: bool


def rise(count: int, history: Sequence[int]) -> Rise:
    """The test of this week's `count` against the previous weeks' counts (`history`)."""
    baseline = sum(history) / len(history) if history else 0.0
    lam = max(baseline, LAMBDA_MIN)
    p = poisson_tail(count, lam)
    return Rise(count=count, baseline=round(baseline, 3), lam=lam, p=p, fired=count >= MIN_COUNT and p < ALPHA)


@dataclass
class Firing:
    """One alert found by the engine (before it is stored)."""

    kind: str  # hotspot, converging
    week: dt.date
    spot: engine.HotSpot
    members: list[int]  # indices into the docs: the week's members (hotspot), the last days' (converging)
    rise: Rise | None = None
    persons: int = 0
    extra: dict = field(default_factory=dict)


def _day(at) -> dt.date | None:
    return engine._day(at)


def week_firings(docs: Sequence[engine.Doc], week: dt.date, *, as_of: dt.datetime | None = None,
                 counted: dict | None = None, covered_from: dt.date | None = None) -> list[Firing]:
    """The hot-spot rises and converging petitioners of the week starting `week` (a Monday), over
    `docs` (those received in the previous BASELINE_WEEKS weeks and this week; others are ignored).
    `counted`: `engine.counts(docs)` when already computed (a replay). `covered_from`: the first day
    from which `docs` hold every petition (the sweep reads at most a bounded number, the newest):
    the baseline is then the mean of the fully covered weeks only, and with fewer than
    `MIN_BASELINE_WEEKS` of them no hot-spot rise is tested (an empty history would make every
    matter of the week a rise); converging petitioners are still found."""
    start = week - dt.timedelta(weeks=BASELINE_WEEKS)
    end = week + dt.timedelta(days=7)
    idx = [i for i, d in enumerate(docs) if (day := _day(d.at)) is not None and start <= day < end]
    if len(idx) < MIN_COUNT:
        return []
    window = [docs[i] for i in idx]
    X = engine.weigh(engine.rows(counted, idx)) if counted is not None else engine.vectorise(window)
    found = []
    for spot in engine.hot_spots(window, as_of=as_of, X=X, titles=False):
        this_week = [m for m in spot.members if _day(window[m].at) >= week]
        if not this_week:
            continue
        history = [0] * BASELINE_WEEKS
        for m in spot.members:
            day = _day(window[m].at)
            if day < week:
                history[(week - engine.week_start(day)).days // 7 - 1] += 1
        if covered_from is not None:  # history[k] is the week starting week - (k + 1) weeks
            history = [n for k, n in enumerate(history) if week - dt.timedelta(weeks=k + 1) >= covered_from]
        r = rise(len(this_week), history)
        if len(history) >= MIN_BASELINE_WEEKS and r.fired and len({window[m].person or window[m].key for m in this_week}) >= MIN_PERSONS:
            found.append(Firing("hotspot", week, spot, [idx[m] for m in this_week], rise=r))
            engine.set_title(spot, window, X)
        last = as_of or max(window[m].at for m in this_week)
        recent = [m for m in spot.members if (last - window[m].at) <= dt.timedelta(days=CONVERGING_DAYS)
                  and window[m].at <= last]
        persons = {window[m].person or window[m].key for m in recent}
        if len(persons) >= CONVERGING_PERSONS:
            if not spot.title:
                engine.set_title(spot, window, X)
            found.append(Firing("converging", week, spot, [idx[m] for m in recent], persons=len(persons)))
    return found


def replay(docs: Sequence[engine.Doc], *, start: dt.date | None = None, end: dt.date | None = None
           ) -> list[Firing]:
    """The early warning replayed over `docs` week by week (as the weekly sweep would have run at the
    end of each week): every firing, oldest first."""
    days = [d for d in (_day(doc.at) for doc in docs) if d is not None]
    if not days:
        return []
    week = engine.week_start(start or min(days))
    last = engine.week_start(end or max(days))
    out = []
    counted = engine.counts(docs)
    while week <= last:
        out += week_firings(docs, week, counted=counted)
        week += dt.timedelta(days=7)
    return out


# ---- the sweep over the database -----------------------------------------------------------------

SWEEP_EVERY = dt.timedelta(minutes=10)  # grouping every recent petition is not needed on every sweep
_LAST_RUN = "insight:early_warning:last"


def warning_sweep(now: dt.datetime) -> dict:
    """The scheduled rule: every alert of the current week, stored once and notified once; run at most
    once every `SWEEP_EVERY` (the sweep itself comes every minute or so)."""
    from django.core.cache import cache

    from . import services

    last = cache.get(_LAST_RUN)
    if last is not None and dt.timedelta(0) <= now - last < SWEEP_EVERY:
        return {"skipped": True}
    result = services.alerts_sweep(now)
    cache.set(_LAST_RUN, now, timeout=int(SWEEP_EVERY.total_seconds()) * 2)
    return result
