"""Who may administer what (系统管理).

A superuser, or an `admin` of a top-level unit (one without a parent), is a *global* administrator:
they manage everything, including the settings every unit shares (categories, the calendar, the
default time limits, routing rules that apply everywhere). An `admin` of a lower unit manages the
units below it (a petition office: every unit of its region, as in the jurisdiction rule), the
people in them, their own time-limit overrides and routing rules. Anything outside answers 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from xinfang.common.errors import NotFound

from .choices import Role, UnitKind
from .jurisdiction import memberships
from .models import Unit


def admin_units(user) -> list[Unit]:
    """The active units in which `user` holds the admin role."""
    seen: dict[int, Unit] = {}
    for m in memberships(user):
        if m.role == Role.ADMIN:
            seen.setdefault(m.unit_id, m.unit)
    return list(seen.values())


def is_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return bool(user.is_superuser or admin_units(user))


def is_global_admin(user) -> bool:
    if not is_admin(user):
        return False
    return bool(user.is_superuser or any(u.parent_id is None for u in admin_units(user)))


def managed_q(user, field: str = "") -> Q:
    """A Q true when the unit at `field` ("" for Unit itself) is one `user` administers."""
    prefix = f"{field}__" if field else ""
    if is_global_admin(user):
        return Q()
    q = Q(pk__in=[]) if not field else Q(**{f"{field}__pk__in": []})
    for unit in admin_units(user):
        q |= Q(**{f"{prefix}path__startswith": unit.path})
        if unit.kind == UnitKind.PETITION_OFFICE:
            q |= Q(**{f"{prefix}region__path__startswith": unit.region.path})
    return q


def managed_units(user) -> QuerySet[Unit]:
    """Every unit (active or not) that `user` administers."""
    if not is_admin(user):
        return Unit.objects.none()
    return Unit.objects.filter(managed_q(user)).select_related("region", "parent")


def admin_covers(user, unit: Unit | None) -> bool:
    if unit is None:
        return is_global_admin(user)
    if is_global_admin(user):
        return True
    for own in admin_units(user):
        if unit.path.startswith(own.path):
            return True
        if own.kind == UnitKind.PETITION_OFFICE and unit.region.path.startswith(own.region.path):
            return True
    return False


def require_admin(user, unit: Unit | None = None) -> None:
    """Raise NotFound unless `user` administers `unit` (None: a global setting)."""
    if not is_admin(user) or not admin_covers(user, unit):
        raise NotFound(_("您无权管理该对象。"))


def require_global_admin(user) -> None:
    if not is_global_admin(user):
        raise NotFound(_("只有上级（顶层单位）系统管理员可以修改该设置。"))
