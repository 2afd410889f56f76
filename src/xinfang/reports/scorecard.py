"""量化考核: the scorecard of the units under a parent unit for a period (issue 10).

Every figure comes from `xinfang.reports.statistics` (one definition per KPI, DESIGN §6), plus three
counts of oversight work:

- 超期件数 (overdue): petitions of the unit's cohort (received in the period, not merged) that missed
  their acceptance limit or their reply limit as at the report's instant: met after the due day, or
  still open past it (the statistics' measures `acc_missed` and `rep_missed`; a petition missing both
  counts once). 超期率 = 超期件数 ÷ 信访件数.
- 催办次数 (urges): 催办 recorded in the period against the unit (`urging.Urge`, manual and automatic).
- 督办件数 (supervisions): 督办 orders issued in the period to the unit (`supervision.Supervision`).

Petitions are counted against the unit now responsible for them (the handling unit, else the
receiving unit), rolled up to the row's unit (a department's sub-units count for it).

The score (0–100) is a weighted mean of component scores, each 0–100 (see `component_scores`); a
component without a value (no denominator) is left out and the remaining weights are re-normalised.
The weights are `DEFAULT_WEIGHTS`, overridable by settings.XINFANG["SCORECARD_WEIGHTS"] (a dict of the
keys to change; a weight of 0 drops the component).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.org.choices import Level, UnitKind
from xinfang.org.jurisdiction import covers, is_global, units_of, visible_units
from xinfang.org.models import Unit
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible
from xinfang.reports import statistics as st

DEFAULT_WEIGHTS: dict[str, float] = {
    "timely_acceptance": 15,
    "on_time_reply": 20,
    "satisfaction": 15,
    "participation": 5,
    "repeat_rate": 10,
    "one_time_resolution": 10,
    "avg_handling_days": 5,
    "ownership_resolution": 5,
    "overdue": 10,
    "urging": 3,
    "supervision": 2,
}
AVG_DAYS_ZERO = 60  # 平均办理时长: a mean of this many days (the statutory 60-day limit) or more scores 0
LEVELS = ("", *Level.values)  # "" = the parent's direct sub-units


def weights() -> dict[str, float]:
    """The weights in force: the defaults, with settings.XINFANG["SCORECARD_WEIGHTS"] over them."""
    out = dict(DEFAULT_WEIGHTS)
    for key, value in (settings.XINFANG.get("SCORECARD_WEIGHTS") or {}).items():
        if key in out:
            out[key] = float(value)
    return out


def component_labels() -> dict[str, str]:
    labels = {k.key: k.label for k in st.kpi_definitions()}
    labels.update({"overdue": _("超期率"), "urging": _("催办"), "supervision": _("督办")})
    return labels


def formula_text() -> list[str]:
    """The weighting rules, in words (the page, the export's 说明 sheet and the API)."""
    w = weights()
    labels = component_labels()
    parts = "、".join(f"{labels[k]}{_fmt(v)}" for k, v in w.items() if v)
    return [
        _("综合得分（0–100分）= 各项得分 × 权重之和 ÷ 参与计算的权重之和。某项没有数据（分母为0）时该项不参与计算，"
          "其余各项的权重按比例放大。权重：%(parts)s。") % {"parts": parts},
        _("各项得分：及时受理率、按期办结率、群众满意率、参评率、一次性化解率、包案化解率取其百分比数值；"
          "重复信访率得分 = 100 − 重复信访率；平均办理时长得分 = 100 × (1 − 平均天数 ÷ %(d)d)，不低于0；"
          "超期率得分 = 100 − 超期率（超期件数 ÷ 信访件数）；催办得分 = 100 − 100 × 催办次数 ÷ 信访件数，"
          "督办得分 = 100 − 100 × 督办件数 ÷ 信访件数，均不低于0（没有信访件而有催办或督办的计0分）。")
        % {"d": AVG_DAYS_ZERO},
        _("超期件数：统计期间收到的信访件中，受理时限或办理时限已逾期完成或逾期未完成的件数（同一件只计一次）；"
          "催办次数、督办件数按催办时间、督办下达时间在统计期间内计。信访件计入其当前承办单位（未交办的计入登记单位），"
          "下级单位的数字计入上级单位。名次按得分从高到低排列，得分相同名次相同。"),
    ]


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


# ---- which units -----------------------------------------------------------------------------------

def default_parent(user) -> Unit | None:
    """The unit whose sub-units a scorecard ranks by default: the user's highest unit (a petition
    office stands for the government it works for)."""
    own = sorted(units_of(user), key=lambda u: (len(u.path), u.path))
    if not own:
        if is_global(user):
            return Unit.objects.filter(parent__isnull=True, is_active=True).order_by("path").first()
        return None
    top = own[0]
    if top.kind == UnitKind.PETITION_OFFICE and top.parent_id and covers(user, top.parent):
        return top.parent
    return top


def resolve_parent(user, unit_code: str | None) -> Unit:
    if unit_code and "\x00" in unit_code:
        raise ApplicationError(_("单位不存在。"), "invalid", "unit")
    unit = st.resolve_unit(user, unit_code) if unit_code else default_parent(user)
    if unit is None:
        raise ApplicationError(_("没有可统计的单位。"), "not_found")
    return unit


def check_level(level: str | None) -> str:
    level = (level or "").strip()
    if level not in LEVELS:
        raise ApplicationError(_("不支持的层级：%(l)s") % {"l": level[:20]}, "invalid", "level")
    return level


def row_units(user, parent: Unit, level: str) -> list[Unit]:
    """The ranked units: the parent's direct sub-units, or the outermost units of `level` below it (a
    district government, not also its county-level departments); the parent itself when there is none.
    Only units in the user's jurisdiction."""
    qs = visible_units(user).filter(path__startswith=parent.path).exclude(pk=parent.pk)
    qs = qs.filter(level=level) if level else qs.filter(parent=parent)
    units: list[Unit] = []
    for u in qs.order_by("path")[:2000]:  # the outermost units of the level (a county's departments are
        if not any(u.path.startswith(k.path) for k in units):  # county-level too, but count for it)
            units.append(u)
    return units[:500] or [parent]


def _owner(path: str, rows: list[Unit]) -> Unit | None:
    """The row unit `path` lies at or under (the deepest, should rows nest)."""
    best = None
    for u in rows:
        if path.startswith(u.path) and (best is None or len(u.path) > len(best.path)):
            best = u
    return best


# ---- oversight counts (models of other areas, read only when installed) -------------------------

def _model(app_label: str, name: str):
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _per_unit(model, unit_field: str, at_field: str, user, period: st.Period, parent: Unit,
              rows: list[Unit]) -> dict[int, int]:
    """{row unit id: rows of `model` in the period against a unit at or below it} (0 when the model
    is not installed)."""
    out = {u.pk: 0 for u in rows}
    if model is None:
        return out
    start, end = period.bounds()
    qs = (model.objects.filter(**{f"{at_field}__gte": start, f"{at_field}__lt": end,
                                  f"{unit_field}__path__startswith": parent.path},
                               petition__in=petitions_visible(user).values("pk"))
          .order_by().values(f"{unit_field}__path").annotate(n=Count("pk")))
    for r in qs:
        owner = _owner(r[f"{unit_field}__path"], rows)
        if owner is not None:
            out[owner.pk] += r["n"]
    return out


def urge_counts(user, period, parent, rows) -> dict[int, int]:
    return _per_unit(_model("urging", "Urge"), "unit", "at", user, period, parent, rows)


def supervision_counts(user, period, parent, rows) -> dict[int, int]:
    return _per_unit(_model("supervision", "Supervision"), "target_unit", "issued_at", user, period, parent, rows)


# ---- the overdue petitions ---------------------------------------------------------------------------

@dataclass
class OverdueItem:
    petition: Petition
    acceptance: bool  # missed its acceptance limit
    reply: bool  # missed its reply limit


def _group(user, period, parent, rows, as_of, measures) -> tuple[dict[int, st.Counts], dict[int, list[OverdueItem]]]:
    """Counts per row unit and the overdue petitions per row unit, from one statistics query."""
    collected: dict[str, list] = {}
    groups = st.aggregate(user, period, unit=parent, group_by=("unit",), as_of=as_of, measures=measures,
                          collect=("acc_missed", "rep_missed"), collected=collected)
    paths = dict(Unit.objects.filter(pk__in=[k[0] for k in groups if k[0]]).values_list("pk", "path"))
    counts = {u.pk: st.Counts() for u in rows}
    for (unit_id,), c in groups.items():
        owner = _owner(paths.get(unit_id, "~"), rows)
        if owner is not None:
            counts[owner.pk].add(c)
    acc = {pk for _due, pk in collected.get("acc_missed", [])}
    rep = {pk for _due, pk in collected.get("rep_missed", [])}
    overdue: dict[int, list[OverdueItem]] = {u.pk: [] for u in rows}
    if acc | rep:
        qs = (Petition.objects.filter(st._ids_in(sorted(acc | rep)))
              .select_related("receiving_unit", "handling_unit").order_by("due_on", "received_at", "id"))
        for p in qs:
            owner = _owner((p.handling_unit or p.receiving_unit).path, rows)
            if owner is not None:
                overdue[owner.pk].append(OverdueItem(p, p.pk in acc, p.pk in rep))
    return counts, overdue


# ---- the scorecard -----------------------------------------------------------------------------------

@dataclass
class ScoreRow:
    unit: Unit
    counts: st.Counts
    overdue: int
    urges: int
    supervisions: int
    kpis: dict[str, float | None] = field(default_factory=dict)
    components: dict[str, float | None] = field(default_factory=dict)
    score: float | None = None
    rank: int | None = None
    overdue_items: list[OverdueItem] = field(default_factory=list)

    @property
    def items(self) -> int:
        return int(self.counts["items"])

    @property
    def overdue_rate(self) -> float | None:
        return None if not self.items else 100.0 * self.overdue / self.items


@dataclass
class Scorecard:
    period: st.Period
    as_of: dt.datetime
    parent: Unit
    level: str
    rows: list[ScoreRow]
    weights: dict[str, float]


def _r1(v: float | None) -> float | None:
    return None if v is None else float(st.round_half_up(v, 1))


def component_scores(row: ScoreRow) -> dict[str, float | None]:
    """Each component's score, 0–100 (None: no data). Rates are taken as shown (one decimal)."""
    out: dict[str, float | None] = {}
    for k in st.kpi_definitions():
        v = row.kpis.get(k.key)
        if v is None:
            out[k.key] = None
        elif k.key == "avg_handling_days":
            out[k.key] = max(0.0, 100.0 * (1 - v / AVG_DAYS_ZERO))
        elif not k.higher_is_better:
            out[k.key] = max(0.0, 100.0 - v)
        else:
            out[k.key] = v
    items = row.items
    rate = _r1(row.overdue_rate)
    out["overdue"] = None if rate is None else max(0.0, 100.0 - rate)
    for key, n in (("urging", row.urges), ("supervision", row.supervisions)):
        if not items:
            out[key] = 0.0 if n else None
        else:
            out[key] = max(0.0, 100.0 - 100.0 * n / items)
    return out


def total_score(components: dict[str, float | None], w: dict[str, float]) -> float | None:
    num = den = 0.0
    for key, weight in w.items():
        s = components.get(key)
        if s is None or not weight:
            continue
        num += weight * s
        den += weight
    return _r1(num / den) if den else None


def rank_rows(rows: list, key) -> None:
    """Competition ranking (1, 1, 3) by `key(row)` descending; rows whose key is None rank last, unranked."""
    ordered = sorted(rows, key=lambda r: (key(r) is None, -(key(r) or 0), r.unit.path))
    rows[:] = ordered
    prev, rank = object(), 0
    for i, r in enumerate(rows, start=1):
        k = key(r)
        if k is None:
            r.rank = None
            continue
        if k != prev:
            rank, prev = i, k
        r.rank = rank


def scorecard_build(user, *, date_from: dt.date | None = None, date_to: dt.date | None = None,
                    unit_code: str | None = None, level: str | None = None,
                    as_of: dt.datetime | None = None) -> Scorecard:
    """The scorecard of the units under `unit_code` (default: the user's) at `level` for the period
    (default: this year to today), ranked by score."""
    as_of = as_of or timezone.now()
    period = st.make_period(date_from, date_to, as_of=as_of)
    level = check_level(level)
    parent = resolve_parent(user, unit_code)
    rows_u = row_units(user, parent, level)
    counts, overdue = _group(user, period, parent, rows_u, as_of, None)
    urges = urge_counts(user, period, parent, rows_u)
    sups = supervision_counts(user, period, parent, rows_u)
    w = weights()
    rows = []
    for u in rows_u:
        row = ScoreRow(u, counts[u.pk], len(overdue[u.pk]), urges[u.pk], sups[u.pk], overdue_items=overdue[u.pk])
        row.kpis = {k.key: _r1(row.counts.kpi(k)) for k in st.kpi_definitions()}
        row.components = component_scores(row)
        row.score = total_score(row.components, w)
        rows.append(row)
    rank_rows(rows, lambda r: r.score)
    return Scorecard(period, as_of, parent, level, rows, w)


def level_label(level: str) -> str:
    return str(Level(level).label) if level else _("下一级单位")


def scorecard_json(sc: Scorecard) -> dict:
    """The scorecard as JSON (the API's answer)."""
    labels = component_labels()
    return {
        "period": sc.period.as_dict(),
        "as_of": timezone.localtime(sc.as_of).isoformat(timespec="seconds"),
        "unit": {"code": sc.parent.code, "name": sc.parent.name},
        "level": sc.level,
        "weights": sc.weights,
        "labels": labels,
        "formula": formula_text(),
        "units": [{
            "code": r.unit.code, "name": r.unit.name, "level": r.unit.level, "rank": r.rank, "score": r.score,
            "items": r.items, "overdue": r.overdue, "overdue_rate": _r1(r.overdue_rate), "urges": r.urges,
            "supervisions": r.supervisions, "kpis": r.kpis,
            "components": {k: _r1(v) for k, v in r.components.items()},
        } for r in sc.rows],
    }


def scorecard_xlsx(user, sc: Scorecard):
    """The scorecard as an xlsx file ((file, rows, truncated?), see reports.exports)."""
    from xinfang.reports.exports import RATE_FORMAT, table_xlsx

    kdefs = st.kpi_definitions()
    headers = [(_("名次"), 6), (_("单位"), 28), (_("信访件数"), 10)]
    headers += [(k.label + ("（%）" if k.kind == "rate" else _("（天）")), 14, RATE_FORMAT) for k in kdefs]
    headers += [(_("超期件数"), 10), (_("超期率（%）"), 12, RATE_FORMAT), (_("催办次数"), 10), (_("督办件数"), 10),
                (_("综合得分"), 10, RATE_FORMAT)]
    rows = ([r.rank if r.rank is not None else "—", r.unit.name, r.items, *[r.kpis[k.key] for k in kdefs],
             r.overdue, _r1(r.overdue_rate), r.urges, r.supervisions, r.score] for r in sc.rows)
    title = _("考核排名（%(unit)s，%(period)s）") % {"unit": sc.parent.name, "period": sc.period.label()}
    return table_xlsx(user, title=title, headers=headers, rows=rows, sheet_title=_("考核排名"),
                      criteria=[(_("统计期间"), f"{sc.period.start} — {sc.period.end}"), (_("单位"), sc.parent.name),
                                (_("层级"), level_label(sc.level))],
                      notes=[*formula_text(), *(k.definition for k in kdefs)])
