"""Reads of 催办与时限提醒, always through the jurisdiction scope (petitions_visible)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet

from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import accuser_hidden, petitions_visible

from .models import Contact, ContactKind, ContactMethod, SweepPolicy, Urge
from .policy import Policies
from .services import contact_unit, responsible_unit


def urges_visible(user, *, auto: bool | None = None, unit: str = "", since: dt.date | None = None,
                  until: dt.date | None = None) -> QuerySet[Urge]:
    """The urges of the petitions in the user's jurisdiction, newest first; filtered by automatic or
    manual, the urged unit's code and the day range (inclusive, local days)."""
    qs = Urge.objects.filter(petition__in=petitions_visible(user).values("pk"))
    if auto is not None:
        qs = qs.filter(auto=auto)
    if unit:
        qs = qs.filter(unit__code=unit)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs.select_related("petition", "unit", "actor", "actor_unit").order_by("-at", "-id")


def urges_of(user, petition: Petition) -> QuerySet[Urge]:
    return urges_visible(user).filter(petition=petition)


def contacts_of(user, petition: Petition) -> QuerySet[Contact]:
    """The contact log of a petition the user sees; nothing of an accusation outside its handling chain
    (the notes may name the accuser)."""
    if accuser_hidden(user, petition) or not petitions_visible(user).filter(pk=petition.pk).exists():
        return Contact.objects.none()
    return petition.contacts.select_related("by", "unit").order_by("-at", "-id")


@dataclass
class Panel:
    petition: Petition
    first_contact: object | None
    contacts: list = field(default_factory=list)
    urges: list = field(default_factory=list)
    can_contact: bool = False
    contacts_hidden: bool = False
    methods: list = field(default_factory=list)
    kinds: list = field(default_factory=list)
    contact_due: dt.date | None = None
    policy: SweepPolicy | None = None


def petition_panel(user, petition: Petition) -> Panel:
    """The petition page's 首问负责 / 联系记录 / 催办 panel."""
    hidden = accuser_hidden(user, petition)
    panel = Panel(petition=petition, first_contact=petition.first_contact, contacts_hidden=hidden,
                  methods=ContactMethod.choices, kinds=ContactKind.choices)
    panel.contacts = list(contacts_of(user, petition)[:50])
    panel.urges = list(urges_of(user, petition)[:50])
    panel.can_contact = not hidden and contact_unit(user, petition) is not None
    panel.policy = Policies().for_unit(responsible_unit(petition))
    if petition.accepted_at and panel.policy.contact_within:
        from django.utils import timezone

        panel.contact_due = timezone.localtime(petition.accepted_at).date() + dt.timedelta(
            days=panel.policy.contact_within)
    return panel


def policies_visible(user) -> list[SweepPolicy]:
    """The policy rows an admin may see and change: the default (top-level admins) and those of the
    units they administer."""
    from xinfang.org.admin_scope import is_admin, is_global_admin, managed_q

    if not is_admin(user):
        return []
    rows = list(SweepPolicy.objects.filter(managed_q(user, "unit"), unit__isnull=False).select_related("unit")
                .order_by("unit__path"))
    default = SweepPolicy.objects.filter(unit__isnull=True).first() if is_global_admin(user) else None
    return ([default] if default else []) + rows
