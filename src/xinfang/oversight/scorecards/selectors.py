"""Reads of 问责记录: always within the viewer's jurisdiction (records about, or decided by, a unit the
viewer sees); the cited petitions are shown only where the viewer may see them."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from xinfang.common.errors import NotFound
from xinfang.org.jurisdiction import is_global, visible_units
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible

from .models import AccountabilityRecord


def accountability_visible(user) -> QuerySet[AccountabilityRecord]:
    qs = AccountabilityRecord.objects.select_related("unit", "issuing_unit", "decided_by")
    if is_global(user):
        return qs
    units = visible_units(user).values("pk")
    return qs.filter(Q(unit__in=units) | Q(issuing_unit__in=units))


def accountability_list(user, *, kind: str = "", unit_code: str = "", date_from: dt.date | None = None,
                        date_to: dt.date | None = None, q: str = "") -> QuerySet[AccountabilityRecord]:
    """The records the user sees, filtered: kind, a unit (and the units below it), decision dates, text."""
    from django.utils import timezone

    qs = accountability_visible(user)
    if kind:
        qs = qs.filter(kind=kind)
    unit_code = (unit_code or "").replace("\x00", "")
    q = (q or "").replace("\x00", "")
    if unit_code:
        unit = visible_units(user).filter(code=unit_code[:64]).first()
        qs = qs.filter(unit__path__startswith=unit.path) if unit else qs.none()
    if date_from:
        qs = qs.filter(decided_at__gte=timezone.make_aware(dt.datetime.combine(date_from, dt.time.min)))
    if date_to:
        qs = qs.filter(decided_at__lt=timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1),
                                                                             dt.time.min)))
    if q:
        q = q[:100]
        qs = qs.filter(Q(reason__icontains=q) | Q(decision__icontains=q) | Q(people__icontains=q)
                       | Q(document_no__icontains=q))
    return qs.order_by("-decided_at", "-id")


def accountability_get(user, record_id) -> AccountabilityRecord:
    try:
        pk = int(record_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    rec = accountability_visible(user).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if rec is None:
        raise NotFound()
    return rec


def cited_petitions(user, rec: AccountabilityRecord) -> tuple[list[Petition], int]:
    """The record's petitions the user may see, and how many more it cites outside their jurisdiction."""
    all_ids = list(rec.petitions.values_list("pk", flat=True))
    seen = list(petitions_visible(user).filter(pk__in=all_ids).order_by("number"))
    return seen, len(all_ids) - len(seen)


def accountability_of_petition(user, petition) -> list[AccountabilityRecord]:
    return list(accountability_visible(user).filter(petitions=petition).order_by("-decided_at", "-id"))
