"""The KPI table of the API and the web page, and its JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.org.models import Unit
from xinfang.petitions.choices import Channel, VisitKind

from .aggregation import Counts, aggregate, in_parallel
from .cohort import resolve_unit
from .definitions import general_notes, kpi_definitions
from .dimensions import DIMENSIONS
from .formatting import change, kpi_values
from .periods import Period, make_period
from .rollup import Rollup, Row, _attach, anchor_region, rollup

# ---- the KPI table (API and web) -----------------------------------------------------------------

@dataclass
class KpiReport:
    period: Period
    previous_period: Period
    prior_period: Period
    as_of: dt.datetime
    unit: Unit | None
    group_by: str | None
    total: Counts
    total_previous: Counts
    total_prior: Counts
    rows: list[Row]


def kpi_report(user, *, date_from: dt.date | None = None, date_to: dt.date | None = None,
               unit_code: str | None = None, group_by: str | None = None,
               as_of: dt.datetime | None = None, compare: bool = True) -> KpiReport:
    """Figures and KPIs for the period, optionally grouped, with 同比 and 环比 per row."""
    as_of = as_of or timezone.now()
    if group_by and group_by not in DIMENSIONS:
        raise ApplicationError(_("不支持的分组：%(d)s") % {"d": group_by}, "invalid", "group_by")
    period = make_period(date_from, date_to, as_of=as_of)
    unit = resolve_unit(user, unit_code)
    prev, prior = period.same_period_last_year(), period.previous()
    dims = (group_by,) if group_by else ()
    calls = [lambda: aggregate(user, period, unit=unit, group_by=dims, as_of=as_of)]
    if compare:
        calls += [lambda: aggregate(user, prev, unit=unit, group_by=_cmp_dims(dims),
                                    as_of=period.shift_instant(prev, as_of)),
                  lambda: aggregate(user, prior, unit=unit, group_by=_cmp_dims(dims),
                                    as_of=period.shift_instant(prior, as_of))]
    cur, old, before = [*in_parallel(*calls), {}, {}][:3]
    total = _sum(cur.values())
    rows: list[Row] = []
    if group_by:
        rolled = Rollup(group_by, anchor_region(user, unit) if group_by == "region" else None)
        if group_by == "month":
            old, before = {}, {}  # months are their own time axis
        rolled.prepare({k[0] for g in (cur, old, before) for k in g})
        table, rolled = rollup(group_by, cur, rolled=rolled)
        if compare:
            _attach(table, rolled, old, 0, "previous")
            _attach(table, rolled, before, 0, "prior")
        rows = sorted(table.values(), key=lambda r: r.sort)
    return KpiReport(period, prev, prior, as_of, unit, group_by, total, _sum(old.values()), _sum(before.values()),
                     rows)


def _cmp_dims(dims: tuple) -> tuple:
    return tuple(d for d in dims if d != "month") if "month" in dims else dims


def _sum(counts: Iterable[Counts]) -> Counts:
    total = Counts()
    for c in counts:
        total.add(c)
    return total


def volume_dict(c: Counts) -> dict:
    """信访总量 of one cell: items by channel, visits in batches and person-times by visit kind."""
    return {
        "items": c["items"], "batches": c["batches"], "person_times": c["persons"],
        "by_channel": {ch: c[f"ch_{ch}"] for ch in Channel.values},
        "by_visit_kind": {k: {"batches": c[f"vk_{k}_batches"], "person_times": c[f"vk_{k}_persons"]}
                          for k in VisitKind.values},
        "repeat": c["repeat"], "first": c["first"], "escalated": c["escalated"],
    }


def volume_changes(cur: Counts, old: Counts) -> dict:
    keys = ["items", "batches", "persons", *[f"ch_{ch}" for ch in Channel.values],
            *[f"vk_{k}_{w}" for k in VisitKind.values for w in ("batches", "persons")]]
    return {k: change(cur[k], old[k]).as_dict() for k in keys}


def report_json(rep: KpiReport) -> dict:
    """The KPI report as JSON (the API's answer)."""
    def cell(row_counts: Counts, previous: Counts | None, prior: Counts | None) -> dict:
        out = {"volume": volume_dict(row_counts), "kpis": kpi_values(row_counts, previous, prior)}
        if previous is not None:
            out["yoy"] = volume_changes(row_counts, previous)
        if prior is not None:
            out["mom"] = volume_changes(row_counts, prior)
        return out

    data = {
        "period": rep.period.as_dict(), "same_period_last_year": rep.previous_period.as_dict(),
        "previous_period": rep.prior_period.as_dict(),
        "as_of": timezone.localtime(rep.as_of).isoformat(timespec="seconds"),
        "unit": {"code": rep.unit.code, "name": rep.unit.name} if rep.unit else None,
        "group_by": rep.group_by,
        "total": cell(rep.total, rep.total_previous, rep.total_prior),
        "rows": [{"key": r.key, "label": r.label, **cell(r.counts, r.previous, r.prior)} for r in rep.rows],
        "definitions": {k.key: k.definition for k in kpi_definitions()},
        "notes": general_notes(),
    }
    return data
