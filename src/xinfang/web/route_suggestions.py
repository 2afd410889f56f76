"""The units suggested on the dispatcher's 转送/交办 form (issue 12).

Three sources, merged per unit (best confidence first, every reason kept):
- the routing table for the petition's own category and problem region (`routing_suggest`);
- the routing table for the category the classifier suggests from the text (when it differs or is missing);
- the units that handled earlier petitions of the same category in the same problem region.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from xinfang.insight.selectors import category_suggestions, suggestions_method
from xinfang.org.models import Unit
from xinfang.petitions.models import Category, Petition
from xinfang.workflow.routing import routing_suggest

ROUTE_ACTIONS = ("forward", "assign")
TABLE_CONFIDENCE = 0.9  # the first rule of the table; each following one a little less
HISTORY_LIMIT = 3


@dataclass
class UnitSuggestion:
    code: str
    name: str
    confidence: float
    method: str
    reasons: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


def _add(out: dict[str, UnitSuggestion], unit, confidence: float, method: str, reason: str) -> None:
    s = out.get(unit.code)
    if s is None:
        out[unit.code] = UnitSuggestion(unit.code, unit.name, confidence, method, [reason])
        return
    s.reasons.append(reason)
    if confidence > s.confidence:
        s.confidence, s.method = confidence, method


def route_suggestions(petition: Petition, limit: int = 5) -> list[UnitSuggestion]:
    out: dict[str, UnitSuggestion] = {}
    exclude = {petition.receiving_unit_id, petition.handling_unit_id}
    for i, unit in enumerate(routing_suggest(petition, limit=limit)):
        if unit.pk not in exclude:
            _add(out, unit, TABLE_CONFIDENCE * (0.9 ** i), "table", _("路由规则（按分类和问题属地）"))
    suggested = category_suggestions(title=petition.title, content=petition.content, limit=1)
    if suggested and (not petition.category_id or suggested[0].code != petition.category.code):
        category = Category.objects.filter(code=suggested[0].code, is_active=True).first()
        if category is not None:
            guess = copy.copy(petition)
            guess.category = category
            reason = _("按智能分类“%(c)s”（置信度 %(n)s%%）查路由规则") % {
                "c": category.name, "n": round(suggested[0].confidence * 100)}
            for unit in routing_suggest(guess, limit=limit):
                if unit.pk not in exclude:
                    _add(out, unit, TABLE_CONFIDENCE * suggested[0].confidence, suggestions_method(), reason)
    if petition.category_id and petition.problem_region_id:
        rows = list(Petition.objects.filter(category_id=petition.category_id, problem_region_id=petition.problem_region_id,
                                            handling_unit__isnull=False, handling_unit__is_active=True)
                    .exclude(pk=petition.pk).exclude(handling_unit_id__in=[u for u in exclude if u])
                    .values("handling_unit").annotate(n=Count("id")).order_by("-n")[:HISTORY_LIMIT])
        total = sum(r["n"] for r in rows)
        if rows:
            units = Unit.objects.in_bulk([r["handling_unit"] for r in rows])
            for r in rows:
                _add(out, units[r["handling_unit"]], 0.8 * r["n"] / total, "history",
                     _("同类同属地历史承办 %(n)s 件") % {"n": r["n"]})
    return sorted(out.values(), key=lambda s: -s.confidence)[:limit]
