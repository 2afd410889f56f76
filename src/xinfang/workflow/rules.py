"""Who may act where, recusal, and the 不再受理 rule: checks the services run before any write."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.org.jurisdiction import memberships
from xinfang.org.models import Unit
from xinfang.petitions.choices import Status
from xinfang.petitions.models import Petition

from .models import ActionGrant
from .transitions import TABLE, Transition


def roles_for(t: Transition) -> set[str]:
    return set(t.roles) | set(ActionGrant.objects.filter(action=t.action).values_list("role", flat=True))


def register_units(user) -> list[Unit]:
    """The units in which `user` may register petitions (the `register` move of the transition table)."""
    roles = roles_for(TABLE["register"])
    seen: dict[int, Unit] = {}
    for m in memberships(user):
        if m.role in roles:
            seen.setdefault(m.unit_id, m.unit)
    return list(seen.values())


def acting_unit(user, petition: Petition | None, t: Transition, roles: set[str] | None = None) -> Unit | None:
    """The unit in which `user` may take `t` on `petition`, or None when they may not."""
    roles = roles if roles is not None else roles_for(t)
    mine = [m for m in memberships(user) if m.role in roles]
    if not mine:
        return None
    if t.where in ("any", "scope"):
        if t.where == "scope" and petition is not None:
            # the petition was found through the user's scope; prefer a unit that it reached
            reached = set(petition.accesses.values_list("unit_id", flat=True))
            for m in mine:
                if m.unit_id in reached:
                    return m.unit
        return mine[0].unit
    where = t.where
    if where == "chain":
        chain = {petition.receiving_unit_id, petition.handling_unit_id, petition.review_unit_id} - {None}
        return next((m.unit for m in mine if m.unit_id in chain), None)
    if where == "stage":
        where = "review" if petition.status in (Status.UNDER_REVIEW, Status.UNDER_REREVIEW) else "handler"
    target = {
        "receiving": petition.receiving_unit_id,
        "router": petition.receiving_unit_id,
        "handling": petition.handling_unit_id,
        "competent": petition.handling_unit_id or petition.receiving_unit_id,
        "handler": petition.handling_unit_id or petition.receiving_unit_id,
        "review": petition.review_unit_id,
    }[where]
    if target is None:
        return None
    for m in mine:
        if m.unit_id == target:
            if where == "handler" and petition.handler_id != user.pk:
                return None
            return m.unit
    return None


def staff_in(unit: Unit, username: str, role: str, field: str):
    """A user holding `role` in `unit`, named by username."""
    User = get_user_model()
    user = User.objects.filter(username=username, is_active=True,
                               memberships__unit=unit, memberships__role=role).first()
    if user is None:
        raise ApplicationError(_("%(unit)s没有名为“%(name)s”的承办人。") % {"unit": unit.name, "name": username},
                               "invalid", field)
    return user


def recusal_check(petition: Petition, user) -> None:
    """S22 Art 28: a staff member linked to the petitioner or the matter may not handle it."""
    from .guards import guard_person

    guard_person(petition, user, "handler")


def final_predecessor(petition: Petition, *, linked_only: bool = False) -> Petition | None:
    """The earlier matter on the same facts that reached 复核终结: followed through the repeat links,
    else found without a link, as a final petition of one of the same petitioners in the same
    category (the intake flags it; the dispatcher decides 不再受理)."""
    seen, node = set(), petition.repeat_of
    while node is not None and node.pk not in seen:
        if node.status == Status.FINAL:
            return node
        seen.add(node.pk)
        node = node.repeat_of
    if linked_only or petition.category_id is None or petition.is_anonymous:
        return None
    indexes = [i for i in petition.petitioner_links.values_list("petitioner__id_number_index", flat=True) if i]
    people = list(petition.petitioner_links.values_list("petitioner_id", flat=True))
    if not people:
        return None
    same_people = Q(petitioner_links__petitioner_id__in=people)
    if indexes:
        same_people |= Q(petitioner_links__petitioner__id_number_index__in=indexes)
    return (Petition.objects.filter(same_people, status=Status.FINAL, category_id=petition.category_id,
                                    received_at__lte=petition.received_at)
            .exclude(pk=petition.pk).order_by("-received_at").first())
