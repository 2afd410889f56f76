"""Comparisons (同比, 环比), rounding and the formatting of rates and changes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .aggregation import Counts
from .definitions import KpiDef, conf, kpi_definitions

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
