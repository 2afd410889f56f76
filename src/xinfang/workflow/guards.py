"""The protections every move passes through, in one place (S22 Art 28, 30; DESIGN §5).

- `unit_barred`: an accusation (检举控告) never gives the accused unit, its sub-units, or a unit led
  by an accused person (and its sub-units) access or a task: routing, acceptance, 复查, 复核, divert
  destination, merge target, 包案 owner and the oversight moves all ask this one function.
- `person_barred`: 回避. An accused person, a staff member linked to a petitioner, or one who
  declared a conflict on the petition cannot act on it; the refusal says why.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.org.choices import Role
from xinfang.org.models import Membership, Unit
from xinfang.petitions.choices import Nature
from xinfang.petitions.models import Petition

from .selectors import staff_name


def barred_paths(petition: Petition) -> list[str]:
    """Unit paths (each covering its sub-units) an accusation must never reach."""
    if petition.nature != Nature.ACCUSATION:
        return []
    paths = []
    if petition.accused_unit_id:
        paths.append(petition.accused_unit.path)
    name = (petition.accused_person or "").strip()
    if name:
        led = Membership.objects.filter(role=Role.LEADER, user__staff_profile__full_name=name, user__is_active=True)
        paths.extend(led.values_list("unit__path", flat=True))
    return paths


def unit_barred(petition: Petition, unit: Unit | None, paths: list[str] | None = None) -> bool:
    """`paths`: `barred_paths(petition)` when the caller already has them (one query, many units)."""
    paths = barred_paths(petition) if paths is None else paths
    return unit is not None and any(unit.path.startswith(p) for p in paths)


def guard_unit(petition: Petition, unit: Unit | None, field: str = "unit") -> None:
    """Refuse giving `unit` access to or a task on an accusation against it (422 naming `field`)."""
    if unit_barred(petition, unit):
        raise ApplicationError(_("检举控告类信访事项不得交由被检举控告的单位、其下级单位或被检举控告人领导的单位办理（%(u)s）。")
                               % {"u": unit.name}, "forbidden_route", field)


def person_barred(petition: Petition, user) -> str | None:
    """Why `user` must stay out of `petition` (回避), or None."""
    if user is None:
        return None
    from .models import ConflictDeclaration

    if ConflictDeclaration.objects.filter(petition=petition, user=user).exists():
        return _("%(name)s已就该信访事项申请回避，不能再办理。") % {"name": staff_name(user)}
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return None
    accused = (petition.accused_person or "").strip()
    if accused and profile.full_name and profile.full_name == accused:
        return _("%(name)s是被反映人，应当回避。") % {"name": staff_name(user)}
    if profile.id_number_index and petition.petitioner_links.filter(
            petitioner__id_number_index=profile.id_number_index).exists():
        return _("%(name)s与信访人有利害关系，应当回避。") % {"name": staff_name(user)}
    if profile.phone_index and petition.petitioner_links.filter(petitioner__phone_index=profile.phone_index).exists():
        return _("%(name)s与信访人有利害关系，应当回避。") % {"name": staff_name(user)}
    return None


def guard_person(petition: Petition, user, field: str | None = None) -> None:
    """Refuse a move by (or a task for) a person who must recuse themselves."""
    why = person_barred(petition, user)
    if why:
        raise ApplicationError(why, "conflict", field)
