"""The one jurisdiction rule (DESIGN §5), used by every selector.

A staff member sees what concerns their own unit and the units below it. A petition office (信访工作
机构) works for the government of its region, so it covers every unit in its region and below.
Superusers see everything. Anything outside answers 404 (the callers raise `NotFound`).
"""

from __future__ import annotations

from django.db.models import Q

from .choices import Role, UnitKind
from .models import Membership, Unit


def memberships(user) -> list[Membership]:
    """The user's memberships, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_xinfang_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user, unit__is_active=True).select_related("unit", "unit__region"))
        user._xinfang_memberships = cached
    return cached


def units_of(user) -> list[Unit]:
    seen: dict[int, Unit] = {}
    for m in memberships(user):
        seen.setdefault(m.unit_id, m.unit)
    return list(seen.values())


def roles_in(user, unit: Unit | None) -> set[str]:
    if unit is None:
        return set()
    return {m.role for m in memberships(user) if m.unit_id == unit.pk}


def has_role(user, unit: Unit | None, *roles: str) -> bool:
    return bool(roles_in(user, unit) & set(roles))


def all_roles(user) -> set[str]:
    roles = {m.role for m in memberships(user)}
    if getattr(user, "is_superuser", False):
        roles.add(Role.ADMIN)
    return roles


def is_global(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


def visible_units(user):
    """Units in the user's jurisdiction (the targets of its lists and pickers)."""
    qs = Unit.objects.filter(is_active=True).select_related("region")
    if is_global(user):
        return qs
    q = Q(pk__in=[])
    for unit in units_of(user):
        q |= Q(path__startswith=unit.path)
        if unit.kind == UnitKind.PETITION_OFFICE:
            q |= Q(region__path__startswith=unit.region.path)
    return qs.filter(q)


def unit_covers(own: Unit, unit: Unit) -> bool:
    """True when `unit` lies within the jurisdiction of the unit `own`: at or below it, or, for a
    petition office, anywhere in its region and below."""
    if unit.path.startswith(own.path):
        return True
    return own.kind == UnitKind.PETITION_OFFICE and unit.region.path.startswith(own.region.path)


def covers(user, unit: Unit) -> bool:
    """True when `unit` lies within the user's jurisdiction."""
    return is_global(user) or any(unit_covers(own, unit) for own in units_of(user))


def visible_unit_ids(user) -> list[int]:
    """The ids of `visible_units(user)`, cached on the user object for the request."""
    cached = getattr(user, "_xinfang_unit_ids", None)
    if cached is None:
        cached = list(visible_units(user).values_list("pk", flat=True))
        user._xinfang_unit_ids = cached
    return cached
