"""The additive measures: conditions over the per-petition facts, labels."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.petitions.choices import Channel, VisitKind

from .facts_sql import LATE, ON_TIME, OVERDUE

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
