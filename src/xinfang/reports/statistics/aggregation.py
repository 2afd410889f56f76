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

from xinfang.common.replica import in_context, read_connection
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


def _grouped_sql(user, period: Period, *, unit: Unit | None, group_by: Iterable[str], as_of: dt.datetime,
                 kpis: bool, measures: Iterable[str] | None, collect: Iterable[str]):
    """The SQL of the GROUP BY over the per-petition facts (one row per group: the group columns g0…,
    one sum per SQL-counted measure, one concatenated list per collected measure), its parameters,
    the measures it sums (in column order) and the derived measures to add up afterwards."""
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
    for i, name in enumerate(names):
        m = MEASURES[name]
        where, p = _measure_where(m, qn)
        # an aggregate FILTER, not SUM(CASE …): about a sixth less work per row on SQLite (same sums;
        # no row at all gives NULL or 0 either way, both read as 0)
        total = f"SUM(t.{qn(m.weight)})" if m.weight else "COUNT(*)"
        select.append((f"{total} FILTER (WHERE {where})" if where else total) + f" AS m{i}")
        out_params += p
    for j, name in enumerate(collect):
        where, p = _measure_where(MEASURES[name], qn)
        select.append(f"{_concat()}(CASE WHEN {where} THEN COALESCE(CAST(t.x_due AS TEXT), '9999-12-31') || '|' || "
                      f"CAST(t.x_id AS TEXT) END, ',') AS c{j}")
        out_params += p
    query = f"SELECT {', '.join(select)} FROM ({facts}) t"
    if dims:
        query += " GROUP BY " + ", ".join(f"t.{qn(g)}" for g in dims)
    return query, [*out_params, *params], names, derived


def _concat() -> str:
    return "string_agg" if connection.vendor == "postgresql" else "group_concat"


def _run(query: str, params: list) -> list[tuple]:
    pg = connection.vendor == "postgresql"
    conn = read_connection()  # the replica inside replica_reads(), if one is configured
    # (no transaction on SQLite: xinfang opens its transactions IMMEDIATE, which would hold the write lock)
    with transaction.atomic(using=conn.alias) if pg else contextlib.nullcontext(), conn.cursor() as cur:
        if pg:  # compiling these wide expressions costs more than it saves (monthly bulletin 2.0 s -> 1.2 s)
            cur.execute("SET LOCAL jit = off")
        cur.execute(query, params)
        return cur.fetchall()


def _counts(names: list[str], derived: list[str], values) -> Counts:
    counts = Counts({n: (float(v) if isinstance(v, Decimal) else (v or 0)) for n, v in zip(names, values, strict=True)})
    for n in derived:
        m = MEASURES[n]
        counts[n] = sum(counts[b] for b in m.plus) - sum(counts[b] for b in m.minus)
    return counts


def _collect(collect: Iterable[str], texts, collected: dict[str, list] | None) -> None:
    for name, text in zip(collect, texts, strict=True):
        if collected is not None and text:
            for item in text.split(","):
                due, pk = item.split("|")
                collected.setdefault(name, []).append((due, int(pk)))


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
    group_by, collect = list(group_by), list(collect)
    query, params, names, derived = _grouped_sql(user, period, unit=unit, group_by=group_by, as_of=as_of, kpis=kpis,
                                                 measures=measures, collect=collect)
    result: dict[tuple, Counts] = {}
    k, width = len(group_by), len(names)
    for row in _run(query, params):
        result[tuple(row[:k])] = _counts(names, derived, row[k:k + width])
        _collect(collect, row[k + width:], collected)
    if not group_by:
        result.setdefault((), Counts())
    return result


def aggregate_each(user, period: Period, dims: Iterable[str], *, unit: Unit | None = None,
                   as_of: dt.datetime | None = None, kpis: bool = True, measures: Iterable[str] | None = None,
                   collect: Iterable[str] = (), collected: dict[str, list] | None = None) -> dict[str, dict]:
    """The figures grouped by each dimension of `dims` on its own: {dim: {raw value: Counts}}, equal
    to `aggregate(…, group_by=dims)` summed per dimension, from one query.

    The GROUP BY over all `dims` at once is summed up once more per dimension in SQL (its groups
    are read once, as a materialized step), so the database returns a few hundred rows instead of
    every combination of unit, category and region (about 23,000 a year over a million petitions,
    each of ~70 measures, which the roll-up then added up in Python three times over)."""
    as_of = as_of or timezone.now()
    dims, collect = list(dims), list(collect)
    query, params, names, derived = _grouped_sql(user, period, unit=unit, group_by=dims, as_of=as_of, kpis=kpis,
                                                 measures=measures, collect=collect)
    qn = connection.ops.quote_name
    pg = connection.vendor == "postgresql"
    sums = []
    for i, name in enumerate(names):
        # PostgreSQL sums bigints to numeric: back to bigint, as the one-step query returns them
        integer = pg and MEASURES[name].weight != "x_days"
        sums.append(f"CAST(SUM(s.m{i}) AS bigint)" if integer else f"SUM(s.m{i})")
    branches = []
    for d in range(len(dims)):
        # the other dimensions' columns are NULL of their own type (PostgreSQL types a bare NULL as text
        # and would not match it with an id column across the branches)
        keys = ", ".join(f"s.{qn(f'g{e}')}" if e == d else f"MAX(CASE WHEN 1 = 0 THEN s.{qn(f'g{e}')} END)"
                         for e in range(len(dims)))
        # the collected lists are flat (not per group): the first dimension's rows carry them
        lists = [f"{_concat()}(s.c{j}, ',')" if d == 0 else f"MAX(CASE WHEN 1 = 0 THEN s.c{j} END)"
                 for j in range(len(collect))]
        branches.append(f"SELECT {d}, {keys}, {', '.join([*sums, *lists])} FROM s GROUP BY s.{qn(f'g{d}')}")
    sql = f"WITH s AS MATERIALIZED ({query}) " + " UNION ALL ".join(branches)
    result: dict[str, dict] = {dim: {} for dim in dims}
    k, width = len(dims), len(names)
    for row in _run(sql, params):
        d = row[0]
        result[dims[d]][row[1 + d]] = _counts(names, derived, row[1 + k:1 + k + width])
        _collect(collect, row[1 + k + width:], collected)
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
        # each in the caller's context: a report read from the replica reads both years from it
        return [f.result() for f in [pool.submit(in_context(run), call) for call in calls]]


def totals(user, period: Period, *, unit: Unit | None = None, as_of: dt.datetime | None = None,
           kpis: bool = True) -> Counts:
    return aggregate(user, period, unit=unit, as_of=as_of, kpis=kpis)[()]
