"""Statistics and KPIs: one definition per figure (DESIGN §6).

Every figure in xinfang (the KPI API, the bulletin, the annual report, the dashboard) comes from
this module, and every figure can be traced to the petitions behind it with `drill()`.

How a figure is computed
------------------------
1. The cohort: petitions the user may see (`petitions_visible(user)`, the one jurisdiction rule),
   optionally only those that reached a unit (or a unit below it), **received** in the period
   (local dates, both inclusive), **excluding merged petitions** (status 并案): a merged petition
   lives on in the one it was merged into, so it is never counted twice.
2. Each petition of the cohort is reduced, in SQL, to a few per-petition facts as they stood at
   the instant `as_of` (default: now): its acceptance state and reply state (from the stored
   `Deadline` rows), its latest evaluation, its one-time-resolution state and its handling time.
   Facts stamped after `as_of` count as not (yet) happened.
3. One GROUP BY query over those facts sums the additive measures of `MEASURES` per group
   (unit, region, category, channel, visit kind, nature, month). Rates are computed afterwards
   from additive numerators and denominators, so any grouping can be rolled up exactly.
4. 同比 compares with the same dates one year earlier, 环比 with the previous period of equal
   length (the same number of whole months when the period is whole months, else of days); each
   comparison period is judged at `as_of` shifted by the same amount, so the two sides have had the
   same time to be handled.

The definitions below (`KPIS`) are the text the bulletin notes cite.
"""

from __future__ import annotations

import calendar as pycal
import contextlib
import datetime as dt
import heapq
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
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
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.common.errors import ApplicationError
from xinfang.common.sql import DayEnd, DaysBetween
from xinfang.org.jurisdiction import units_of, visible_units
from xinfang.org.models import Region, Unit
from xinfang.oversight.selectors import owned_petitions_subquery, petition_resolved_q
from xinfang.petitions.choices import Channel, Nature, Status, VisitKind
from xinfang.petitions.models import Category, Petition, PetitionAccess
from xinfang.petitions.selectors import petitions_visible
from xinfang.workflow.facts import ACCEPT_KINDS, MET_LATE, REPLY_KINDS, REVIEW_KIND, RUNNING
from xinfang.workflow.models import Deadline, Evaluation

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)

# deadline states (per petition: the worst of its deadlines of the kind)
ON_TIME, PENDING, LATE, OVERDUE = 0, 1, 2, 3


def conf(key: str):
    """A statistics setting from settings.XINFANG, with its default."""
    defaults = {
        "EVALUATION_WINDOW_DAYS": 30,  # 参评率: days after the reply in which an evaluation is expected
        "ONE_TIME_RESOLUTION_DAYS": 90,  # 一次性化解率: observation window after the reply
        "KPI_THRESHOLDS": (85.0, 90.0),  # dashboard tiles: red below the first, green above the second
        "REPORT_THREADS": 2,  # independent report queries run side by side, each on its own connection
        # read the handling facts stored on each petition where they answer (False: always read the
        # deadline and evaluation rows; the same figures, slower: a baseline for the benchmarks)
        "REPORT_STORED_FACTS": True,
    }
    return settings.XINFANG.get(key, defaults[key])


# ---- KPI definitions ---------------------------------------------------------------------------

@dataclass(frozen=True)
class KpiDef:
    key: str
    label: str
    numerator: str | None  # measure names (see MEASURES)
    denominator: str | None
    kind: str  # "rate" (percent, one decimal) or "mean" (days, one decimal)
    definition: str
    higher_is_better: bool = True


def kpi_definitions() -> list[KpiDef]:
    """The KPIs of DESIGN §6 with their definitions (translated at call time)."""
    ev = conf("EVALUATION_WINDOW_DAYS")
    ot = conf("ONE_TIME_RESOLUTION_DAYS")
    return [
        KpiDef("timely_acceptance", _("及时受理率"), "acc_timely", "acc_due", "rate", _(
            "及时受理率 = 在时限内作出受理决定（受理、不予受理、转送交办、告知引导或存档）的件数 ÷ 应受理件数。"
            "一件信访的登记转送时限和受理告知时限（含转交后承办单位的受理时限）全部按期完成才算及时；"
            "应受理件数 = 及时件数 + 逾期作出决定的件数 + 已过时限仍未作出决定的件数，时限未到且尚未决定的不计入。")),
        KpiDef("on_time_reply", _("按期办结率"), "rep_on_time", "rep_due", "rate", _(
            "按期办结率 = 在到期日当天或之前出具处理意见（含简易办理、12345热线答复）的件数 ÷ "
            "（按期答复件数 + 逾期答复件数 + 已到期仍未答复件数）。到期日为存储的办理时限（含批准的延期），"
            "时限未到且尚未答复的不计入。")),
        KpiDef("satisfaction", _("群众满意率"), "sat_ok", "evaluated", "rate", _(
            "群众满意率 =（满意 + 基本满意）÷ 全部评价。每件信访以其最近记录的一次评价（网上评价或回访）计。")),
        KpiDef("participation", _("参评率"), "evaluated", "eval_base", "rate", _(
            "参评率 = 已评价件数 ÷（已评价件数 + 答复后%(days)d日评价期已满仍未评价的件数）。"
            "评价期尚未届满且未评价的不计入。") % {"days": ev}),
        KpiDef("repeat_rate", _("重复信访率"), "repeat", "items", "rate", _(
            "重复信访率 = 重复信访件数（登记时关联了此前信访件，同人同事）÷ 信访总件数。"), higher_is_better=False),
        KpiDef("one_time_resolution", _("一次性化解率"), "ot_resolved", "ot_closed", "rate", _(
            "一次性化解率 = 初信初访件中，答复后%(days)d日内同一信访人没有就同一事项再次信访（重复信访）、"
            "也没有申请复查的件数 ÷ 已答复且%(days)d日观察期已满的初信初访件数。") % {"days": ot}),
        KpiDef("avg_handling_days", _("平均办理时长"), "reply_days", "replied", "mean", _(
            "平均办理时长 = 已答复件从收到之日到出具处理意见的天数之和 ÷ 已答复件数（单位：天）。"),
            higher_is_better=False),
        KpiDef("ownership_resolution", _("包案化解率"), "own_resolved", "own_cases", "rate", _(
            "包案化解率 = 包案件中已化解件数 ÷ 包案件数。包案件：统计截止时已安排过领导包案的信访件（转交、解除后"
            "再包案的计为一件）；已化解：其中已办结或已存档的件数（复核终结、不予受理、告知引导的不计为化解）。")),
    ]


def kpi_def(key: str) -> KpiDef:
    for k in kpi_definitions():
        if k.key == key:
            return k
    raise KeyError(key)


def general_notes() -> list[str]:
    """The counting rules common to every figure, for the notes of any output."""
    return [
        _("统计对象为本单位管辖范围内、在统计期间收到的信访件（按收到时间统计）；已并案的信访件不单独计数。"),
        _("批次：一次来访登记为一批；人次：来访人数之和；件次：各渠道信访件数。来访按人数分为个人访（1人）、"
          "群体访（%(g)d至%(c)d人）和集体访（%(c1)d人及以上）。") % {
            "g": settings.XINFANG["GROUP_MIN"], "c": settings.XINFANG["COLLECTIVE_MIN"] - 1,
            "c1": settings.XINFANG["COLLECTIVE_MIN"]},
        _("同比：与上年同期（相同日期）比较；环比：与上一个等长期间比较（整月期间按相同月数）。比较期间的办理情况"
          "按同样的截止间隔计算。"),
        _("取整规则：同比、环比变化幅度按四舍五入（0.5进位）取整数百分比，变化不足0.5%的写作“基本持平”，"
          "数值相同的写作“持平”；上年同期该项为0时不计算百分比，写作“去年同期为0”（上年同期没有任何信访数据时写作“去年同期无数据”）。各项比率按四舍五入保留一位小数，"
          "比率的变化以百分点表示。"),
    ]


def _local_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# ---- periods -------------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the month's last day (31 Mar − 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, pycal.monthrange(year, month)[1]))


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=pycal.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class Period:
    """Local dates, both inclusive."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return _local_start(self.start), _local_start(self.end + dt.timedelta(days=1))

    def whole_months(self) -> int | None:
        """The number of whole calendar months when the period is exactly whole months, else None."""
        if self.start.day != 1 or self.end != month_end(self.end):
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def same_period_last_year(self) -> Period:
        return Period(add_months(self.start, -12), _shift_end(self.end, -12))

    def previous(self) -> Period:
        months = self.whole_months()
        if months:
            start = add_months(self.start, -months)
            return Period(start, self.start - dt.timedelta(days=1))
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def shift_instant(self, other: Period, instant: dt.datetime) -> dt.datetime:
        """`instant` moved as this period moves to `other` (months when both start on the 1st, else days)."""
        if self.start.day == other.start.day == 1 or (self.start.month == other.start.month
                                                       and self.start.day == other.start.day):
            months = (other.start.year - self.start.year) * 12 + other.start.month - self.start.month
            local = timezone.localtime(instant)
            moved = add_months(local.date(), months)
            return timezone.make_aware(dt.datetime.combine(moved, local.time()))
        return instant + (_local_start(other.start) - _local_start(self.start))

    def months(self) -> list[Period]:
        out, cursor = [], self.start.replace(day=1)
        while cursor <= self.end:
            out.append(Period(max(cursor, self.start), min(month_end(cursor), self.end)))
            cursor = add_months(cursor, 1)
        return out

    def label(self) -> str:
        """The period as bulletins write it: 2026年1至10月份, 2026年10月份, 2026年全年, …"""
        s, e = self.start, self.end
        months = self.whole_months()
        if months and s.year == e.year:
            if s.month == 1 and e.month == 12:
                return _("%(y)d年全年") % {"y": s.year}
            if s.month == e.month:
                return _("%(y)d年%(m)d月份") % {"y": s.year, "m": s.month}
            return _("%(y)d年%(a)d至%(b)d月份") % {"y": s.year, "a": s.month, "b": e.month}
        if months:
            return _("%(y1)d年%(m1)d月至%(y2)d年%(m2)d月") % {"y1": s.year, "m1": s.month, "y2": e.year, "m2": e.month}
        if s.year == e.year:
            return _("%(y)d年%(m1)d月%(d1)d日至%(m2)d月%(d2)d日") % {
                "y": s.year, "m1": s.month, "d1": s.day, "m2": e.month, "d2": e.day}
        return _("%(y1)d年%(m1)d月%(d1)d日至%(y2)d年%(m2)d月%(d2)d日") % {
            "y1": s.year, "m1": s.month, "d1": s.day, "y2": e.year, "m2": e.month, "d2": e.day}

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "label": self.label()}


def _shift_end(day: dt.date, months: int) -> dt.date:
    """The end of a period moved by months: a month's last day stays the month's last day."""
    moved = add_months(day, months)
    return month_end(moved) if day == month_end(day) else moved


def check_date(day: dt.date | None, name: str) -> None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise ApplicationError(_("日期超出范围（%(lo)s 至 %(hi)s）。") % {"lo": EARLIEST, "hi": LATEST},
                               "invalid", name)


def make_period(date_from: dt.date | None, date_to: dt.date | None, *, as_of: dt.datetime | None = None,
                default: str = "year") -> Period:
    """The period asked for, validated, with its end capped at the `as_of` date (no future days).

    Without `date_from`: the 1st of January of the end's year (`default="year"`) or the 1st of its
    month (`default="month"`). Without `date_to`: the `as_of` date."""
    check_date(date_from, "from")
    check_date(date_to, "to")
    today = timezone.localtime(as_of or timezone.now()).date()
    end = min(date_to or today, today)
    if date_from is None:
        date_from = end.replace(month=1, day=1) if default == "year" else end.replace(day=1)
    if date_to and date_from > date_to:
        raise ApplicationError(_("开始日期不能晚于结束日期。"), "invalid", "to")
    if date_from > today:
        raise ApplicationError(_("统计期间尚未开始（开始日期晚于今天）。"), "invalid", "from")
    if date_from < dt.date(1901, 1, 1):
        raise ApplicationError(_("开始日期过早。"), "invalid", "from")
    return Period(date_from, end)


# ---- the cohort ----------------------------------------------------------------------------------

def resolve_unit(user, unit_code: str | None) -> Unit | None:
    """The unit filter: a unit in the user's jurisdiction, or an error (never a hint it exists)."""
    if not unit_code:
        return None
    code = str(unit_code)[:64]
    unit = None if "\x00" in code else visible_units(user).filter(code=code).first()  # PostgreSQL holds no NUL
    if unit is None:
        raise ApplicationError(_("单位不存在：%(code)s") % {"code": code.replace("\x00", "")}, "invalid", "unit")
    return unit


def cohort(user, period: Period, unit: Unit | None = None) -> QuerySet[Petition]:
    """The petitions a figure counts: visible to `user`, received in `period`, not merged,
    and (with `unit`) that reached `unit` or a unit below it."""
    start, end = period.bounds()
    qs = petitions_visible(user).filter(received_at__gte=start, received_at__lt=end).exclude(status=Status.MERGED)
    if unit is not None:
        reached = PetitionAccess.objects.filter(unit__path__startswith=unit.path).values("petition_id")
        qs = qs.filter(pk__in=reached)
    return qs.order_by()


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


# ---- measures ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Measure:
    """An additive figure: the sum of `weight` (or 1) over the petitions meeting every condition.
    A condition is (fact column, "eq" | "in" | "notnull", value).

    A measure that is the sum of other measures (`plus`, less `minus`) is not counted in SQL but
    added up from them afterwards (fewer sums per row); its conditions still select the petitions
    behind it for drill-down."""

    conds: tuple = ()
    weight: str | None = None
    plus: tuple = ()
    minus: tuple = ()

    @property
    def derived(self) -> bool:
        return bool(self.plus)


SAT_OK = ("satisfied", "basically")
EVALUATED = ("satisfied", "basically", "dissatisfied")


def _measures() -> dict[str, Measure]:
    m: dict[str, Measure] = {"items": Measure()}
    for ch in Channel.values:
        m[f"ch_{ch}"] = Measure((("x_channel", "eq", ch),))
    visit = ("x_channel", "eq", Channel.VISIT)
    for kind in VisitKind.values:
        m[f"vk_{kind}_batches"] = Measure((visit, ("x_kind", "eq", kind)))
        m[f"vk_{kind}_persons"] = Measure((visit, ("x_kind", "eq", kind)), "x_head")
    m["batches"] = Measure((visit,), plus=(f"ch_{Channel.VISIT}",))
    m["persons"] = Measure((visit,), "x_head", plus=tuple(f"vk_{k}_persons" for k in VisitKind.values))
    m["repeat"] = Measure((("x_repeat", "eq", 1),))
    m["first"] = Measure((("x_repeat", "eq", 0),), plus=("items",), minus=("repeat",))
    m["escalated"] = Measure((("x_esc", "eq", 1),))
    for prefix, col, names in (("acc", "x_acc", ("timely", "pending", "late", "overdue")),
                               ("rep", "x_rep", ("on_time", "pending", "late", "overdue"))):
        for code, name in enumerate(names):
            m[f"{prefix}_{name}"] = Measure(((col, "eq", code),))
        m[f"{prefix}_due"] = Measure(((col, "in", (ON_TIME, LATE, OVERDUE)),),
                                     plus=(f"{prefix}_{names[ON_TIME]}", f"{prefix}_late", f"{prefix}_overdue"))
        m[f"{prefix}_missed"] = Measure(((col, "in", (LATE, OVERDUE)),), plus=(f"{prefix}_late", f"{prefix}_overdue"))
    for level in EVALUATED:
        m[f"sat_{level}"] = Measure((("x_eval", "eq", level),))
    m["eval_missed"] = Measure((("x_eval", "eq", "missed"),))
    m["sat_ok"] = Measure((("x_eval", "in", SAT_OK),), plus=tuple(f"sat_{v}" for v in SAT_OK))
    m["evaluated"] = Measure((("x_eval", "in", EVALUATED),), plus=tuple(f"sat_{v}" for v in EVALUATED))
    m["eval_base"] = Measure((("x_eval", "in", (*EVALUATED, "missed")),),
                             plus=(*(f"sat_{v}" for v in EVALUATED), "eval_missed"))
    m["ot_closed"] = Measure((("x_ot", "notnull", None),))
    m["ot_resolved"] = Measure((("x_ot", "eq", 0),))
    m["own_cases"] = Measure((("x_own", "in", (1, 2)),))
    m["own_resolved"] = Measure((("x_own", "eq", 2),))
    m["replied"] = Measure((("x_days", "notnull", None),))
    m["reply_days"] = Measure((("x_days", "notnull", None),), "x_days")
    return m


MEASURES = _measures()
KPI_MEASURES = {n for n, ms in MEASURES.items() if any(c[0] in ("x_acc", "x_rep", "x_eval", "x_ot", "x_own")
                                                      for c in ms.conds)}
# the counting measures (信访总量): what comparisons need, independent of the as-of instant
VOLUME_MEASURES = [n for n, ms in MEASURES.items()
                   if all(c[0] in ("x_channel", "x_kind", "x_repeat", "x_esc") for c in ms.conds)
                   and ms.weight in (None, "x_head")]

# measure names with their labels, for drill-down pages
MEASURE_LABELS = {
    "items": gettext_lazy("信访总件次"), "batches": gettext_lazy("来访批次"), "persons": gettext_lazy("来访人次"),
    "repeat": gettext_lazy("重复信访"), "first": gettext_lazy("初信初访"), "escalated": gettext_lazy("越级信访"),
    "acc_timely": gettext_lazy("及时受理"), "acc_due": gettext_lazy("应受理"), "acc_late": gettext_lazy("逾期受理"),
    "acc_overdue": gettext_lazy("超期未受理"), "acc_pending": gettext_lazy("受理时限未到"),
    "acc_missed": gettext_lazy("未及时受理"),
    "rep_on_time": gettext_lazy("按期答复"), "rep_due": gettext_lazy("应办结"), "rep_late": gettext_lazy("逾期答复"),
    "rep_overdue": gettext_lazy("超期未答复"), "rep_pending": gettext_lazy("办理时限未到"),
    "rep_missed": gettext_lazy("未按期办结"),
    "sat_ok": gettext_lazy("满意和基本满意"), "sat_satisfied": gettext_lazy("满意"),
    "sat_basically": gettext_lazy("基本满意"), "sat_dissatisfied": gettext_lazy("不满意"),
    "evaluated": gettext_lazy("已评价"), "eval_missed": gettext_lazy("评价期满未评价"),
    "eval_base": gettext_lazy("应参评"), "ot_closed": gettext_lazy("已答复满观察期的初信初访"),
    "ot_resolved": gettext_lazy("一次性化解"), "replied": gettext_lazy("已答复"),
    "reply_days": gettext_lazy("已答复"), "own_cases": gettext_lazy("包案件"), "own_resolved": gettext_lazy("包案已化解"),
}


def measure_label(name: str) -> str:
    if name in MEASURE_LABELS:
        return str(MEASURE_LABELS[name])
    if name.startswith("ch_"):
        return str(Channel(name[3:]).label)
    if name.startswith("vk_"):
        kind, what = name[3:].rsplit("_", 1)
        return f"{VisitKind(kind).label}{_('批次') if what == 'batches' else _('人次')}"
    return name


def _cond_sql(col: str, op: str, value, qn) -> tuple[str, list]:
    if op == "eq":
        return f"t.{qn(col)} = %s", [value]
    if op == "in":
        return f"t.{qn(col)} IN ({', '.join(['%s'] * len(value))})", list(value)
    if op == "notnull":
        return f"t.{qn(col)} IS NOT NULL", []
    raise ValueError(op)


def _measure_where(m: Measure, qn) -> tuple[str, list]:
    """The SQL condition of a measure over the facts (`t.` columns), and its parameters."""
    parts, params = [], []
    for c in m.conds:
        sql, p = _cond_sql(*c, qn)
        parts.append(sql)
        params += p
    return " AND ".join(parts), params


# ---- dimensions ----------------------------------------------------------------------------------

DIMENSIONS = ("unit", "region", "category", "channel", "visit_kind", "nature", "month")


def dimension_labels() -> dict[str, str]:
    return {"unit": _("承办单位"), "region": _("问题属地"), "category": _("内容分类"), "channel": _("信访形式"),
            "visit_kind": _("来访类型"), "nature": _("性质"), "month": _("月份")}


def _dim_column(dim: str, period: Period):
    if dim == "unit":
        return Coalesce("handling_unit_id", "receiving_unit_id")
    if dim == "region":
        return F("problem_region_id")
    if dim == "category":
        return F("category_id")
    if dim == "channel":
        return F("channel")
    if dim == "nature":
        return F("nature")
    if dim == "visit_kind":
        return Case(When(channel=Channel.VISIT, then=F("visit_kind")), default=Value(""), output_field=CharField())
    if dim == "month":
        whens = [When(received_at__lt=m.bounds()[1], then=Value(f"{m.start:%Y-%m}")) for m in period.months()]
        return Case(*whens, default=Value(""), output_field=CharField())
    raise ApplicationError(_("不支持的分组：%(d)s") % {"d": dim}, "invalid", "group_by")


# ---- aggregation ---------------------------------------------------------------------------------

class Counts(dict):
    """Additive measures of one cell (missing measures are 0)."""

    def __missing__(self, key):
        return 0

    def add(self, other: Counts) -> Counts:
        get = self.get
        for k, v in other.items():
            self[k] = get(k, 0) + v
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
    facts, params = _facts_sql(qs.annotate(x_due=F("due_on")) if collect else qs, as_of, kpis=kpis, dims=dims)
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


# ---- rolling groups up to readable keys ----------------------------------------------------------

@dataclass
class Row:
    key: str  # what drill() takes
    label: str
    counts: Counts = field(default_factory=Counts)
    previous: Counts | None = None  # 同比
    prior: Counts | None = None  # 环比
    sort: tuple = ()


class Rollup:
    """Maps raw group values (ids) of one dimension to report keys and labels."""

    def __init__(self, dim: str, anchor: Region | None = None):
        self.dim = dim
        self.anchor = anchor
        self._units: dict[int, Unit] = {}
        self._cats: dict[int, Category] = {}
        self._regions: dict[int, Region] = {}
        self._by_code: dict[str, Region] = {}

    def prepare(self, raw_values: Iterable) -> None:
        ids = {v for v in raw_values if v not in (None, "")}
        if self.dim == "unit":
            self._units.update({u.pk: u for u in Unit.objects.filter(pk__in=ids)})
        elif self.dim == "category":
            cats = {c.pk: c for c in Category.objects.all()}
            self._cats.update(cats)
            self._cat_code = {c.code: c for c in cats.values()}
        elif self.dim == "region":
            regions = list(Region.objects.filter(pk__in=ids))
            codes = {code for r in regions for code in r.path.strip("/").split("/")}
            if self.anchor is not None:
                codes |= set(self.anchor.path.strip("/").split("/"))
            for r in Region.objects.filter(code__in=codes):
                self._by_code[r.code] = r
            for r in regions:
                self._regions[r.pk] = r
                self._by_code[r.code] = r
            if self.anchor is None and regions:
                self.anchor = self._common_ancestor(regions)

    def _common_ancestor(self, regions: list[Region]) -> Region | None:
        paths = [r.path.strip("/").split("/") for r in regions]
        common = _common_codes(paths)
        if not common:
            return None
        # group by the children of the deepest common region (a single region is its own group)
        if all(len(p) == len(common) for p in paths):
            common = common[:-1]
        return self._by_code.get(common[-1]) if common else None

    def key(self, raw) -> tuple[str, str, tuple]:
        """(key, label, sort) of a raw group value."""
        if self.dim == "unit":
            unit = self._units.get(raw)
            return (unit.code, unit.name, (unit.path,)) if unit else ("", _("（未知单位）"), ("~",))
        if self.dim == "category":
            cat = self._cats.get(raw)
            if cat is None:
                return "", _("未分类"), ("~",)
            top = self._cat_code.get(cat.path.strip("/").split("/")[0], cat)
            return top.code, top.name, (top.path,)
        if self.dim == "region":
            region = self._regions.get(raw)
            if region is None:
                return "", _("未填写"), ("~",)
            parts = region.path.strip("/").split("/")
            if self.anchor is not None:
                anchor_parts = self.anchor.path.strip("/").split("/")
                if parts[:len(anchor_parts)] == anchor_parts and len(parts) > len(anchor_parts):
                    child = self._by_code.get(parts[len(anchor_parts)], region)
                    return child.code, child.name, (child.path,)
            return f"{region.code}=", region.name, (region.path,)
        if self.dim == "channel":
            return raw, str(Channel(raw).label) if raw in Channel.values else raw, (Channel.values.index(raw)
                                                                                    if raw in Channel.values else 99,)
        if self.dim == "visit_kind":
            if not raw:
                return "", _("非来访"), (9,)
            return raw, str(VisitKind(raw).label), (VisitKind.values.index(raw),)
        if self.dim == "nature":
            return raw, str(Nature(raw).label) if raw in Nature.values else raw, (raw,)
        if self.dim == "month":
            return raw, raw, (raw,)
        return str(raw), str(raw), (str(raw),)


def anchor_region(user, unit: Unit | None) -> Region | None:
    """Where 'by region' starts: the unit filter's region, else the common region of the user's units
    (None for a user without units: then the data's own common region)."""
    if unit is not None:
        return unit.region
    regions = [u.region for u in units_of(user)]
    if not regions:
        return None
    common = _common_codes([r.path.strip("/").split("/") for r in regions])
    return Region.objects.filter(code=common[-1]).first() if common else None


def _common_codes(paths: list[list[str]]) -> list[str]:
    """The region codes every path starts with (the common ancestors, outermost first)."""
    common = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return common


def rollup(dim: str, groups: dict[tuple, Counts], *, index: int = 0, rolled: Rollup | None = None,
           extra: Iterable[dict[tuple, Counts]] = ()) -> tuple[dict[str, Row], Rollup]:
    """Sum grouped Counts up to report rows of dimension `dim` (the `index`-th element of the keys)."""
    extra = list(extra)
    if rolled is None:
        rolled = Rollup(dim)
        rolled.prepare({k[index] for g in [groups, *extra] for k in g})
    rows: dict[str, Row] = {}
    for raw, counts in groups.items():
        key, label, sort = rolled.key(raw[index])
        row = rows.setdefault(key, Row(key, label, sort=sort))
        row.counts.add(counts)
    return rows, rolled


def _attach(rows: dict[str, Row], rolled: Rollup, groups: dict[tuple, Counts], index: int, attr: str) -> None:
    for raw, counts in groups.items():
        key, label, sort = rolled.key(raw[index])
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(key, label, sort=sort)
        if getattr(row, attr) is None:
            setattr(row, attr, Counts())
        getattr(row, attr).add(counts)
    for row in rows.values():
        if getattr(row, attr) is None:
            setattr(row, attr, Counts())


# ---- comparisons ---------------------------------------------------------------------------------

def round_half_up(value: Decimal | float, places: int = 0) -> Decimal:
    """Round half away from zero (0.5 -> 1, -12.5 -> -13): the rule stated in the notes."""
    q = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(q, rounding=ROUND_HALF_UP)


@dataclass
class Change:
    current: float
    previous: float
    pct: int | None  # rounded change in percent; None when there is no baseline
    direction: str  # up, down, flat (equal), about_flat (rounds to 0), no_baseline, none (both zero)

    def as_dict(self) -> dict:
        return {"current": self.current, "previous": self.previous, "change_pct": self.pct,
                "direction": self.direction}


def change(current: float, previous: float) -> Change:
    """The change of a count against its baseline, as a rounded integer percent."""
    if not previous:
        return Change(current, previous, None, "none" if not current else "no_baseline")
    if current == previous:
        return Change(current, previous, 0, "flat")
    pct = int(round_half_up(Decimal(current - previous) * 100 / Decimal(previous)))
    if pct == 0:
        return Change(current, previous, 0, "about_flat")
    return Change(current, previous, pct, "up" if pct > 0 else "down")


def change_text(c: Change, *, basis: str | None = None) -> str:
    """同比上升了7% / 下降了13% / 持平 / 基本持平 / 去年同期无数据 (basis: 同比 or 环比)."""
    basis = basis or _("同比")
    if c.direction == "up":
        return _("%(b)s上升了%(n)d%%") % {"b": basis, "n": c.pct}
    if c.direction == "down":
        return _("%(b)s下降了%(n)d%%") % {"b": basis, "n": -c.pct}
    if c.direction == "flat":
        return _("%(b)s持平") % {"b": basis}
    if c.direction == "about_flat":
        return _("%(b)s基本持平") % {"b": basis}
    if basis == _("同比"):
        return _("去年同期无数据")
    return _("上期无数据")


def rate_change(current: float | None, previous: float | None) -> float | None:
    """The change of a rate in percentage points (one decimal), or None."""
    if current is None or previous is None:
        return None
    return float(round_half_up(Decimal(str(current)) - Decimal(str(previous)), 1))


def fmt_rate(value: float | None, kind: str = "rate") -> str:
    if value is None:
        return "—"
    text = f"{round_half_up(value, 1)}"
    return f"{text}%" if kind == "rate" else text


def kpi_values(counts: Counts, previous: Counts | None = None, prior: Counts | None = None) -> list[dict]:
    """Every KPI of a cell with its numerator, denominator and changes (JSON-ready)."""
    out = []
    for k in kpi_definitions():
        value = counts.kpi(k)
        item = {"key": k.key, "label": k.label, "kind": k.kind,
                "value": None if value is None else float(round_half_up(value, 1)),
                "numerator": None if k.numerator is None else _num(counts[k.numerator]),
                "denominator": None if k.denominator is None else _num(counts[k.denominator])}
        for name, other in (("yoy", previous), ("mom", prior)):
            if other is not None:
                ov = other.kpi(k)
                item[name] = {"previous": None if ov is None else float(round_half_up(ov, 1)),
                              "change": rate_change(None if value is None else float(round_half_up(value, 1)),
                                                    None if ov is None else float(round_half_up(ov, 1)))}
        out.append(item)
    return out


def _num(v):
    return round(v, 2) if isinstance(v, float) else v


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
        with connection.cursor() as cur:
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
    rows = Petition.objects.select_related("receiving_unit", "handling_unit").in_bulk(chosen)
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


def threshold_colour(value: float | None, k: KpiDef | None = None) -> str:
    """Tile colour of a KPI value: red below the lower threshold, yellow up to the upper, green above."""
    if value is None or (k is not None and k.kind != "rate"):
        return "grey"
    low, high = conf("KPI_THRESHOLDS")
    if k is not None and not k.higher_is_better:
        return "grey"
    shown = float(round_half_up(value, 1))
    if shown < low:
        return "red"
    if shown <= high:
        return "yellow"
    return "green"
