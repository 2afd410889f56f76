"""Who may arrange, take and end 包案 (the checks the ownership services run before any write).

The jurisdiction rule is `org.jurisdiction` (DESIGN §5): a unit sees a petition that has reached a unit
at or below it, and a petition office also sees every unit of its region and below. The services need
that rule for one *unit* (the unit in which a person holds the leader or dispatcher role), not for the
whole user, so it is applied here from the petition's side: `units_seeing(petition)` are exactly the
units whose members, holding a role there, see the petition through `petitions_visible`
(tests/oversight/test_rules.py checks the two agree).

- **Arrangers**: a dispatcher or leader of a unit that sees the petition may arrange 包案 for a leader
  whose unit lies within that unit's jurisdiction (a district petition bureau arranges the district's
  leaders; a department its own leaders; nobody arranges a leader above them).
- **Taking a case**: a leader of a unit that sees the petition may take it themself.
- **Ending**: the owner themself, or an arranger whose jurisdiction covers the owner's unit.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from xinfang.org.choices import Role, UnitKind
from xinfang.org.jurisdiction import memberships, unit_covers
from xinfang.org.models import Membership, Unit
from xinfang.petitions.models import Petition, PetitionAccess

ARRANGER_ROLES = frozenset({Role.DISPATCHER, Role.LEADER})
LEADER_ROLE = Role.LEADER


def _prefixes(path: str) -> list[str]:
    """"/SF/DH/DH-ZJ/" -> ["/SF/", "/SF/DH/", "/SF/DH/DH-ZJ/"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def units_seeing(petition: Petition) -> QuerySet[Unit]:
    """The active units whose jurisdiction reaches `petition`: the ancestors (and selves) of the units it
    reached, and the petition offices of their regions and the regions above."""
    paths: set[str] = set()
    region_paths: set[str] = set()
    for access in PetitionAccess.objects.filter(petition_id=petition.pk, unit__is_active=True).select_related(
            "unit__region"):
        paths.update(_prefixes(access.unit.path))
        region_paths.update(_prefixes(access.unit.region.path))
    if not paths:
        return Unit.objects.none()
    return Unit.objects.filter(is_active=True).filter(
        Q(path__in=paths) | Q(kind=UnitKind.PETITION_OFFICE, region__path__in=region_paths)
    ).select_related("region")


def _rank(unit: Unit) -> tuple[int, str]:
    return (unit.path.count("/"), unit.path)


def _seeing_ids(petition: Petition, seeing: set[int] | None) -> set[int]:
    return seeing if seeing is not None else set(units_seeing(petition).values_list("pk", flat=True))


def arranging_units(actor, petition: Petition, seeing: set[int] | None = None) -> list[Unit]:
    """The units in which `actor` holds a dispatcher or leader role and that see `petition`."""
    if not getattr(actor, "is_authenticated", False):
        return []
    seeing = _seeing_ids(petition, seeing)
    found: dict[int, Unit] = {}
    for m in memberships(actor):
        if m.role in ARRANGER_ROLES and m.unit_id in seeing:
            found.setdefault(m.unit_id, m.unit)
    return sorted(found.values(), key=_rank)


def leader_units(leader, petition: Petition, seeing: set[int] | None = None) -> list[Unit]:
    """The units in which `leader` (an active account) holds the leader role and that see `petition`."""
    if leader is None or not getattr(leader, "is_active", False):
        return []
    seeing = _seeing_ids(petition, seeing)
    found = {m.unit_id: m.unit for m in memberships(leader) if m.role == LEADER_ROLE and m.unit_id in seeing}
    return sorted(found.values(), key=_rank)


def owner_unit(actor, leader, petition: Petition, seeing: set[int] | None = None) -> Unit | None:
    """The unit `leader` would own `petition` in when `actor` arranges it (or takes it, actor == leader):
    the highest of the leader's eligible units; None when `actor` may not make `leader` its owner."""
    seeing = _seeing_ids(petition, seeing)
    units = leader_units(leader, petition, seeing)
    if not units:
        return None
    if actor.pk == leader.pk:
        return units[0]
    mine = arranging_units(actor, petition, seeing)
    covered = [u for u in units if any(unit_covers(a, u) for a in mine)]
    return covered[0] if covered else None


def may_arrange(actor, petition: Petition, seeing: set[int] | None = None) -> bool:
    return bool(arranging_units(actor, petition, seeing))


def may_take(actor, petition: Petition, seeing: set[int] | None = None) -> bool:
    return bool(leader_units(actor, petition, seeing))


def may_end(actor, ownership, seeing: set[int] | None = None) -> bool:
    """The owner, or an arranger whose jurisdiction covers the owner's unit."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if ownership.leader_id == actor.pk:
        return True
    unit = ownership.unit
    return any(unit_covers(a, unit) for a in arranging_units(actor, ownership.petition, seeing))


def leader_choices(actor, petition: Petition, seeing: set[int] | None = None) -> list[tuple[object, Unit]]:
    """(leader, unit) pairs `actor` may make owners of `petition`, ordered by unit then name: every
    eligible leader within the actor's arranging jurisdiction, and the actor themself when a leader."""
    seeing = _seeing_ids(petition, seeing)
    mine = arranging_units(actor, petition, seeing)
    if not mine and not leader_units(actor, petition, seeing):
        return []
    rows = sorted(Membership.objects.filter(role=LEADER_ROLE, unit_id__in=seeing, user__is_active=True)
                  .select_related("user", "user__staff_profile", "unit", "unit__region"),
                  key=lambda m: (_rank(m.unit), m.user_id))
    chosen: dict[int, tuple[object, Unit]] = {}
    for m in rows:
        if m.user_id in chosen:
            continue  # highest unit first, as `owner_unit` chooses: the unit the ownership records
        if m.user_id == actor.pk or any(unit_covers(a, m.unit) for a in mine):
            chosen[m.user_id] = (m.user, m.unit)
    return sorted(chosen.values(), key=lambda pair: (_rank(pair[1]), pair[0].username))
