"""The SQL of the per-petition facts (stored facts or deadline and evaluation rows) at an instant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from xinfang.common.sql import DayEnd, DaysBetween
from xinfang.oversight.selectors import owned_petitions_subquery, petition_resolved_q
from xinfang.petitions.models import Petition
from xinfang.workflow.facts import ACCEPT_KINDS, MET_LATE, REPLY_KINDS, REVIEW_KIND, RUNNING
from xinfang.workflow.models import Deadline, Evaluation

from .definitions import conf

# deadline states (per petition: the worst of its deadlines of the kind)
ON_TIME, PENDING, LATE, OVERDUE = 0, 1, 2, 3


# A petition's deadline facts in one number (x_dl), read with one index probe per petition:
#   x_dl mod 16         1 + the worst state of its acceptance deadlines (route, accept), 0 without any
#   (x_dl / 16) mod 16  1 + the worst state of its reply deadlines (handle, fast_track, hotline)
#   x_dl / 256          1 when a 复查 was requested within the one-time-resolution window after the reply
# States, worst last: 0 met on or before the due day, 1 running, 2 met after the due day, 3 overdue.


def _deadline_facts(as_of: dt.datetime):
    """x_dl at `as_of`: facts stamped later count as not yet happened; cancelled deadlines (a closed
    petition's remaining limits) and deadlines opened after `as_of` do not count.

    Read from the facts stored on the petition (`xinfang.workflow.facts`) when they answer for
    `as_of` (`facts_at <= as_of`: always for the current period, nearly always for a comparison
    period), else from the petition's deadline rows, one index probe per petition."""
    today = timezone.localtime(as_of).date()
    ot_days = conf("ONE_TIME_RESOLUTION_DAYS")
    within_window = GreaterThanOrEqual(Value(float(ot_days)), DaysBetween(OuterRef("replied_at"), "met_at"))

    def worst(kinds):
        return Max(Case(
            When(~Q(kind__in=kinds), then=Value(0)),
            When(Q(met_at__lte=as_of) & Q(met_at__lt=DayEnd("due")), then=Value(ON_TIME + 1)),
            When(met_at__lte=as_of, then=Value(LATE + 1)),
            When(due__lt=today, then=Value(OVERDUE + 1)),
            default=Value(PENDING + 1), output_field=IntegerField()))

    appealed = Max(Case(When(Q(kind=REVIEW_KIND) & Q(met_at__lte=as_of) & Q(within_window), then=Value(1)),
                        default=Value(0), output_field=IntegerField()))
    rows = (Deadline.objects.filter(petition=OuterRef("pk"), cancelled=False, start__lte=today,
                                    kind__in=(*ACCEPT_KINDS, *REPLY_KINDS, REVIEW_KIND))
            .order_by().values("petition")
            .annotate(b=ExpressionWrapper(worst(ACCEPT_KINDS) + worst(REPLY_KINDS) * 16 + appealed * 256,
                                          output_field=IntegerField()))
            .values("b"))
    if not conf("REPORT_STORED_FACTS"):
        return Subquery(rows, output_field=IntegerField())

    def stored(summary: str, open_due: str):
        return Case(
            When(**{f"{summary}__isnull": True}, then=Value(0)),
            When(**{f"{open_due}__lt": today}, then=Value(OVERDUE + 1)),
            When(**{summary: MET_LATE}, then=Value(LATE + 1)),
            When(**{summary: RUNNING}, then=Value(PENDING + 1)),
            default=Value(ON_TIME + 1), output_field=IntegerField())

    stored_appealed = Case(
        When(Q(fact_review_at__lte=as_of)
             & Q(GreaterThanOrEqual(Value(float(ot_days)), DaysBetween("replied_at", "fact_review_at"))),
             then=Value(1)),
        default=Value(0), output_field=IntegerField())
    return Case(
        When(facts_at__lte=as_of, then=ExpressionWrapper(
            stored("fact_accept", "fact_accept_open_due") + stored("fact_reply", "fact_reply_open_due") * 16
            + stored_appealed * 256, output_field=IntegerField())),
        default=Subquery(rows, output_field=IntegerField()), output_field=IntegerField())


def fact_columns(as_of: dt.datetime, *, kpis: bool = True) -> dict:
    """The per-petition facts computed in the inner query (column name -> ORM expression); the
    KPI states are derived from them by `DERIVED_SQL` in the step above (see `_facts_sql`)."""
    cols = {
        "x_id": F("id"),
        "x_channel": F("channel"),
        "x_kind": F("visit_kind"),
        "x_head": F("headcount"),
        "x_repeat": Case(When(repeat_of__isnull=False, then=Value(1)), default=Value(0), output_field=IntegerField()),
        "x_esc": Case(When(is_escalated=True, then=Value(1)), default=Value(0), output_field=IntegerField()),
        "x_days": Case(When(replied_at__lte=as_of, then=DaysBetween("received_at", "replied_at")),
                       default=Value(None), output_field=FloatField()),
    }
    if not kpis:
        return cols
    eval_window = dt.timedelta(days=conf("EVALUATION_WINDOW_DAYS"))
    ot_days = conf("ONE_TIME_RESOLUTION_DAYS")
    # the most recently recorded evaluation (evaluations are appended as they are made; ordering by
    # id walks the petition_id index backwards instead of sorting each petition's rows)
    latest_eval = Subquery(Evaluation.objects.filter(petition=OuterRef("pk"), at__lte=as_of, counted=True)
                           .order_by("-id").values("level")[:1], output_field=CharField())
    if conf("REPORT_STORED_FACTS"):
        latest_eval = Case(When(facts_at__lte=as_of, then=F("fact_evaluation")), default=latest_eval,
                           output_field=CharField())
    # 包案: 0 not owned at as-of, 1 owned, 2 owned and resolved (one uncorrelated subquery, owned cases are few)
    owned = Case(When(pk__in=owned_petitions_subquery(as_of),
                      then=Case(When(petition_resolved_q(as_of), then=Value(2)), default=Value(1))),
                 default=Value(0), output_field=IntegerField())
    cols.update({
        "x_own": owned,
        "x_dl": _deadline_facts(as_of),
        "x_eval": Coalesce(latest_eval, Case(
            When(replied_at__lte=as_of - eval_window, then=Value("missed")),
            When(replied_at__lte=as_of, then=Value("open")),
            default=Value(None), output_field=CharField()), output_field=CharField()),
        # one-time resolution: NULL outside the denominator (a first-time item answered at least
        # ONE_TIME_RESOLUTION_DAYS before as-of), else 1 when the petitioner came back (a repeat linked to
        # it, received within the window after the reply; a 复查 within the window, recorded in x_dl, is
        # the other way back, see DERIVED_SQL). The window closed before as-of, so nothing later slips in.
        "x_otc": Case(
            When(Q(repeat_of__isnull=True) & Q(replied_at__lte=as_of - dt.timedelta(days=ot_days)),
                 then=Case(When(GreaterThanOrEqual(Value(float(ot_days)), DaysBetween("replied_at", "fact_repeat_at")),
                                then=Value(1)), default=Value(0))),
            default=Value(None), output_field=IntegerField()),
    })
    return cols


def _state_sql(code: str) -> str:
    return f"CASE WHEN {code} > 0 THEN {code} - 1 END"


# Per-petition KPI states derived from the inner facts, computed once per row above the fenced inner
# query (so the subqueries behind x_dl run once per petition however many measures read them).
DERIVED_SQL = {  # (no "%" operator: the SQL goes through parameter formatting)
    "x_acc": _state_sql("(i.x_dl - (i.x_dl / 16) * 16)"),
    "x_rep": _state_sql("((i.x_dl / 16) - (i.x_dl / 256) * 16)"),
    "x_ot": "CASE WHEN i.x_otc IS NULL THEN NULL WHEN i.x_otc = 1 OR COALESCE(i.x_dl, 0) >= 256 THEN 1 ELSE 0 END",
}


# the inner facts each derived state reads
DERIVED_FROM = {"x_acc": ("x_dl",), "x_rep": ("x_dl",), "x_ot": ("x_otc", "x_dl")}


def _facts_sql(qs: QuerySet[Petition], as_of: dt.datetime, *, kpis: bool = True,
               dims: dict | None = None, only: Iterable[str] | None = None) -> tuple[str, list]:
    """SQL of one row of facts per petition of `qs` (plus group columns `dims`): the inner query is
    built with the ORM; OFFSET 0 keeps it a separate step (flattened into the query above, every
    measure would re-run the per-petition subqueries it reads: SQLite's flattener, PostgreSQL's
    pull-up); the derived KPI states are computed once per row on top of it.
    With `only`, just those facts (and x_id) are computed (a drill-down reads one or two)."""
    cols = fact_columns(as_of, kpis=kpis)
    derived_names = list(DERIVED_SQL) if kpis else []
    if only is not None:
        only = set(only)
        derived_names = [n for n in derived_names if n in only]
        needed = {"x_id", *only, *(c for n in derived_names for c in DERIVED_FROM[n])}
        cols = {k: v for k, v in cols.items() if k in needed}
    dims = dims or {}
    extra = list(qs.query.annotations)  # columns the caller added (x_due)
    inner = qs.annotate(**cols, **dims).values(*cols, *extra, *dims)
    sql, params = inner.query.sql_with_params()
    fence = " LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else " OFFSET 0"
    qn = connection.ops.quote_name
    derived = "".join(f", {DERIVED_SQL[name]} AS {qn(name)}" for name in derived_names)
    return f"SELECT i.*{derived} FROM ({sql}{fence}) i", list(params)
