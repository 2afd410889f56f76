"""Who may manage 领导接待日 and 下访 (DESIGN §5 jurisdiction, applied to one unit).

- **Seeing**: a reception day or 下访 is seen by everyone whose jurisdiction covers its unit (or, for a
  joint reception, one of the joint units); the leader always sees their own.
- **Managing** (create and edit days, book slots, record 下访 and their matters): a clerk, dispatcher or
  leader of a unit whose jurisdiction covers the unit (the unit itself, a unit above it, or the petition
  office of its region); the leader themself.
- **Registering** a booking or a matter as a petition: a clerk (登记员) of the unit or of a unit covering it
  (the petition office); the petition is registered in that unit by the workflow's `petition_register`.
"""

from __future__ import annotations

from xinfang.org.choices import Role
from xinfang.org.jurisdiction import is_global, memberships, unit_covers
from xinfang.org.models import Unit

MANAGE_ROLES = frozenset({Role.CLERK, Role.DISPATCHER, Role.LEADER})


def _rank(unit: Unit) -> tuple[int, str]:
    return (-unit.path.count("/"), unit.path)


def managing_units(user, unit: Unit) -> list[Unit]:
    if not getattr(user, "is_authenticated", False):
        return []
    found = {m.unit_id: m.unit for m in memberships(user) if m.role in MANAGE_ROLES and unit_covers(m.unit, unit)}
    return sorted(found.values(), key=_rank)


def may_manage(user, unit: Unit, leader=None) -> bool:
    if leader is not None and getattr(user, "pk", None) == leader.pk:
        return True
    return is_global(user) or bool(managing_units(user, unit))


def register_unit(user, unit: Unit) -> Unit | None:
    """The unit in which `user` registers a petition heard at `unit`: the unit itself when the user is its
    clerk, else the nearest unit covering it in which the user is a clerk (the petition office)."""
    if not getattr(user, "is_authenticated", False):
        return None
    clerk = [m.unit for m in memberships(user) if m.role == Role.CLERK]
    for u in clerk:
        if u.pk == unit.pk:
            return u
    covering = sorted((u for u in clerk if unit_covers(u, unit)), key=_rank)
    return covering[0] if covering else None


def is_leader_of(user, unit: Unit) -> bool:
    return any(m.role == Role.LEADER and m.unit_id == unit.pk for m in memberships(user))
