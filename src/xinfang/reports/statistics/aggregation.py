"""One GROUP BY query summing the measures per group, and running report queries side by side."""

from __future__ import annotations

import contextlib
import datetime as dt
import operator
from collections.abc import Iterable
from decimal import Decimal
from itertools import repeat

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from xinfang.org.models import Unit

from .cohort import cohort
from .definitions import KpiDef, conf
from .dimensions import _dim_column
from .facts_sql import _facts_sql
from .measures import KPI_MEASURES, MEASURES, _measure_where
from .periods import Period

# ---- aggregation ---------------------------------------------------------------------------------

class Counts(dict):
    """Additive measures of one cell (missing measures are 0)."""

    def __missing__(self, key):
        return 0

    def add(self, other: Counts) -> Counts:
        # self[k] = self.get(k, 0) + v for every measure of `other`, in the same order and with the same
        # arithmetic as a loop, but in C: the roll-up of a year adds up thousands of groups of ~70 measures
        keys = other.keys()
        self.update(zip(keys, map(operator.add, map(self.get, keys, repeat(0)), other.values()), strict=True))
        return self

    def kpi(self, k: KpiDef) -> float | None:
        """The KPI's value: a percentage, mean days, or None (no denominator)."""
        den = self[k.denominator]
        if not den:
            return None
        if k.kind == "rate":
            return 100.0 * self[k.numerator] / den
        return self[k.numerator] / den


def aggregate(user, period: Period, *, unit: Unit | None = None, group_by: Iterable[str] = (),
              as_of: dt.datetime | None = None, kpis: bool = True, measures: Iterable[str] | None = None,
              collect: Iterable[str] = (), collected: dict[str, list] | None = None) -> dict[tuple, Counts]:
    """One GROUP BY query: {group key tuple (raw ids/values per dimension): Counts}.

    The per-petition facts are computed once per row in an inner query built with the ORM (scope,
    cohort and fact expressions); the outer query sums the conditional measures per group (measures
    that are sums of others are added up afterwards). For each measure named in `collect`,
    `collected[name]` receives the (stored due date, id) of every petition behind it, from the same
    query (the overdue lists)."""
    as_of = as_of or timezone.now()
    names = [n for n in (measures or MEASURES) if kpis or n not in KPI_MEASURES]
    derived = [n for n in names if MEASURES[n].derived]
    names = list(dict.fromkeys([*(n for n in names if not MEASURES[n].derived),
                                *(b for n in derived for b in (*MEASURES[n].plus, *MEASURES[n].minus))]))
    dims = {f"g{i}": _dim_column(d, period) for i, d in enumerate(group_by)}
    qs = cohort(user, period, unit)
    # only the facts the measures read (the trend of the dashboard counts items: no fact at all)
    read = [MEASURES[n] for n in (*names, *collect)]
    only = {c[0] for m in read for c in m.conds} | {m.weight for m in read if m.weight}
    facts, params = _facts_sql(qs.annotate(x_due=F("due_on")) if collect else qs, as_of, kpis=kpis, dims=dims,
                               only=only)
    qn = connection.ops.quote_name
    select, out_params = [f"t.{qn(g)}" for g in dims], []
    for name in names:
        m = MEASURES[name]
        where, p = _measure_where(m, qn)
        weight = f"t.{qn(m.weight)}" if m.weight else "1"
        select.append(f"SUM(CASE WHEN {where} THEN {weight} ELSE 0 END)" if where else f"SUM({weight})")
        out_params += p
    concat = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    for name in collect:
        where, p = _measure_where(MEASURES[name], qn)
        select.append(f"{concat}(CASE WHEN {where} THEN COALESCE(CAST(t.x_due AS TEXT), '9999-12-31') || '|' || "
                      f"CAST(t.x_id AS TEXT) END, ',')")
        out_params += p
    query = f"SELECT {', '.join(select)} FROM ({facts}) t"
    if dims:
        query += " GROUP BY " + ", ".join(f"t.{qn(g)}" for g in dims)
    pg = connection.vendor == "postgresql"
    # (no transaction on SQLite: xinfang opens its transactions IMMEDIATE, which would hold the write lock)
    with transaction.atomic() if pg else contextlib.nullcontext(), connection.cursor() as cur:
        if pg:  # compiling these wide expressions costs more than it saves (monthly bulletin 2.0 s -> 1.2 s)
            cur.execute("SET LOCAL jit = off")
        cur.execute(query, [*out_params, *params])
        rows = cur.fetchall()
    result: dict[tuple, Counts] = {}
    width = len(names)
    for row in rows:
        key, values = tuple(row[:len(dims)]), row[len(dims):]
        counts = result[key] = Counts({n: (float(v) if isinstance(v, Decimal) else (v or 0))
                                       for n, v in zip(names, values[:width], strict=True)})
        for n in derived:
            m = MEASURES[n]
            counts[n] = sum(counts[b] for b in m.plus) - sum(counts[b] for b in m.minus)
        for j, name in enumerate(collect):
            text = values[width + j]
            if collected is not None and text:
                for item in text.split(","):
                    due, pk = item.split("|")
                    collected.setdefault(name, []).append((due, int(pk)))
    if not dims:
        result.setdefault((), Counts())
    return result


def in_parallel(*calls):
    """The results of independent read-only report queries, run side by side on their own database
    connections (a year's bulletin reads this year and last year at once on two cores). In order,
    one after the other, inside a transaction (other connections would not see its rows) or with
    REPORT_THREADS = 1."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    threads = int(conf("REPORT_THREADS"))
    if threads <= 1 or len(calls) < 2 or connection.in_atomic_block:
        return [call() for call in calls]

    def run(call):
        try:
            return call()
        finally:
            connections.close_all()  # this worker thread's connections

    with ThreadPoolExecutor(max_workers=min(threads, len(calls))) as pool:
        return [f.result() for f in [pool.submit(run, call) for call in calls]]


def totals(user, period: Period, *, unit: Unit | None = None, as_of: dt.datetime | None = None,
           kpis: bool = True) -> Counts:
    return aggregate(user, period, unit=unit, as_of=as_of, kpis=kpis)[()]
