"""Drill-down: the petitions behind a figure, and the hot titles."""

from __future__ import annotations

import datetime as dt
import heapq
import json

from django.db import connection
from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.common.replica import read_connection
from xinfang.org.models import Region, Unit
from xinfang.petitions.choices import Channel
from xinfang.petitions.models import Category, Petition

from .cohort import cohort, resolve_unit
from .facts_sql import _facts_sql, fact_columns
from .measures import KPI_MEASURES, MEASURES, _measure_where
from .periods import Period, check_date, make_period, month_end

# ---- drill-down ----------------------------------------------------------------------------------

def drill(user, *, date_from: dt.date | None = None, date_to: dt.date | None = None,
          unit_code: str | None = None, dim: str | None = None, key: str | None = None,
          measure: str = "items", as_of: dt.datetime | None = None) -> QuerySet[Petition]:
    """The petitions behind one cell: the cohort of the period, the group `key` of dimension `dim`,
    meeting the conditions of `measure` (a name of MEASURES). Counting this queryset gives the figure
    (for weighted measures, summing the weight does)."""
    as_of = as_of or timezone.now()
    if measure not in MEASURES:
        raise ApplicationError(_("不支持的指标：%(m)s") % {"m": str(measure)[:40]}, "invalid", "measure")
    period = make_period(date_from, date_to, as_of=as_of)
    unit = resolve_unit(user, unit_code)
    qs = cohort(user, period, unit)
    if dim:
        qs = qs.filter(dim_q(dim, key or "", period))
    m = MEASURES[measure]
    if m.conds:
        # the same facts and the same condition as the figure, so the list and the count agree; the
        # ids are read once, then every page and count is a look-up by id (as a subquery, PostgreSQL
        # may re-run it per row of a page sorted by date: 45 s instead of 1 over a million petitions)
        facts, params = _facts_sql(qs, as_of, kpis=measure in KPI_MEASURES, only={c[0] for c in m.conds})
        where, p = _measure_where(m, connection.ops.quote_name)
        with read_connection().cursor() as cur:
            cur.execute(f"SELECT t.x_id FROM ({facts}) t WHERE {where}", [*params, *p])
            ids = [row[0] for row in cur.fetchall()]
        qs = Petition.objects.filter(_ids_in(ids))
    if m.weight:
        qs = qs.annotate(**{m.weight: fact_columns(as_of, kpis=False)[m.weight]})
    return qs.order_by("-received_at", "-id")


def _ids_in(ids: list[int]):
    """A filter on Petition: the id is one of `ids`, sent as one parameter however many there are."""
    if connection.vendor == "postgresql":
        return Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)))
    return Q(pk__in=RawSQL("SELECT value FROM json_each(%s)", (json.dumps(ids),)))


def overdue_petitions(collected: list[tuple[str, int]], limit: int = 200) -> list[Petition]:
    """The petitions of a collected measure (see `aggregate(collect=…)`), ordered by their stored
    current due date, at most `limit`."""
    chosen = [pk for _due, pk in heapq.nsmallest(limit, collected)]
    # only the fields an overdue list shows and its masking rule reads (building 400 whole petitions
    # with their two units each took about a fifth of a yearly bulletin); any other field still loads
    rows = (Petition.objects.select_related("receiving_unit", "handling_unit")
            .only("id", "number", "title", "status", "nature", "received_at", "due_on", "review_unit_id",
                  "receiving_unit__name", "handling_unit__name")
            .in_bulk(chosen))
    return [rows[pk] for pk in chosen if pk in rows]


def dim_q(dim: str, key: str, period: Period) -> Q:
    """The filter selecting group `key` of dimension `dim` (the keys `Rollup.key` gives)."""
    key = str(key)[:64]
    if dim == "unit":
        if not key:
            return Q(pk__in=[])
        return Q(handling_unit__code=key) | Q(handling_unit__isnull=True, receiving_unit__code=key)
    if dim == "category":
        if not key:
            return Q(category__isnull=True)
        top = Category.objects.filter(code=key).first()
        return Q(category__path__startswith=top.path) if top else Q(pk__in=[])
    if dim == "region":
        if not key:
            return Q(problem_region__isnull=True)
        if key.endswith("="):
            return Q(problem_region__code=key[:-1])
        region = Region.objects.filter(code=key).first()
        return Q(problem_region__path__startswith=region.path) if region else Q(pk__in=[])
    if dim == "channel":
        return Q(channel=key)
    if dim == "visit_kind":
        return ~Q(channel=Channel.VISIT) if not key else Q(channel=Channel.VISIT, visit_kind=key)
    if dim == "nature":
        return Q(nature=key)
    if dim == "month":
        try:
            year, month = (int(x) for x in key.split("-"))
            first = dt.date(year, month, 1)
        except (ValueError, TypeError):
            raise ApplicationError(_("月份格式应为YYYY-MM。"), "invalid", "key") from None
        check_date(first, "key")
        sub = Period(max(first, period.start), min(month_end(first), period.end))
        start, end = sub.bounds()
        return Q(received_at__gte=start, received_at__lt=end)
    raise ApplicationError(_("不支持的分组：%(d)s") % {"d": str(dim)[:20]}, "invalid", "dim")


def drill_weight(qs: QuerySet[Petition], measure: str) -> float:
    """What the cell shows for `measure` over a drill queryset (count, or the weight's sum)."""
    m = MEASURES[measure]
    if m.weight is None:
        return qs.count()
    return sum(v for v in qs.values_list(m.weight, flat=True) if v is not None)


# ---- hot issues and trends -----------------------------------------------------------------------

def hot_titles(user, period: Period, *, unit: Unit | None = None, limit: int = 10) -> list[tuple[str, int]]:
    """Titles that recur most often in the period (the same matter raised again and again)."""
    rows = (cohort(user, period, unit).values("title").annotate(n=Count("id")).filter(n__gt=1)
            .order_by("-n", "title")[:limit])
    return [(r["title"], r["n"]) for r in rows]
