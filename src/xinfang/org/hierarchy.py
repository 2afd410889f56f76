"""Which bodies may answer a 复查 or 复核 (S22 Art 35/36), derived from the unit tree.

A 复查 goes to the original handling body's superior administrative body (上级主管机关) or to the
people's government at its level (本级人民政府); a 复核 goes one step further, by the same rule applied
to the 复查 body. Each unit may state both (`Unit.superior`, `Unit.government`); where it does not,
they are derived: a government's (or town's) superior is the nearest government above it, and a
department's government is the nearest government of its own level above it. A department's superior
department is never guessed: it must be stated. Only administrative bodies answer: never a 纪检监察 or
政法 body, a village committee, a sibling, another district or a lower level.
"""

from __future__ import annotations

from .choices import UnitKind
from .models import Unit

GOVERNMENT_KINDS = frozenset({UnitKind.GOVERNMENT, UnitKind.TOWN})
ADMINISTRATIVE_KINDS = frozenset({UnitKind.GOVERNMENT, UnitKind.TOWN, UnitKind.DEPARTMENT,
                                  UnitKind.PETITION_OFFICE})


def _ancestors(unit: Unit):
    node = unit.parent if unit.parent_id else None
    while node is not None:
        yield node
        node = node.parent if node.parent_id else None


def government_of(unit: Unit) -> Unit | None:
    """The people's government at `unit`'s level (the unit itself when it is one)."""
    if unit.kind in GOVERNMENT_KINDS:
        return unit
    if unit.government_id:
        return unit.government
    for node in _ancestors(unit):
        if node.kind in GOVERNMENT_KINDS and node.level == unit.level:
            return node
    return None


def superior_of(unit: Unit) -> Unit | None:
    """The superior administrative body of `unit`: stated, or for a government the next one up."""
    if unit.superior_id:
        return unit.superior
    if unit.kind in GOVERNMENT_KINDS or unit.kind == UnitKind.VILLAGE:
        for node in _ancestors(unit):
            if node.kind in GOVERNMENT_KINDS:
                return node
    return None


def review_bodies(unit: Unit | None) -> list[Unit]:
    """The lawful bodies to answer an appeal against a decision of `unit`, the usual one first
    (the government at its level, then the superior body)."""
    if unit is None:
        return []
    result: list[Unit] = []
    gov = government_of(unit)
    for candidate in (gov if gov is not None and gov.pk != unit.pk else None, superior_of(unit)):
        if (candidate is not None and candidate.is_active and candidate.kind in ADMINISTRATIVE_KINDS
                and candidate.pk != unit.pk and not candidate.path.startswith(unit.path)
                and candidate.pk not in {u.pk for u in result}):
            result.append(candidate)
    return result
