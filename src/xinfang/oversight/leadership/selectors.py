"""Reads of 领导接待日 and 下访, always within the user's jurisdiction (outside it: not found). The public
reads (`reception_days_published`, `reception_slot_published`) show published days only, to anyone."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.errors import NotFound
from xinfang.org.jurisdiction import is_global, visible_unit_ids

from .models import FieldVisit, FieldVisitMatter, ReceptionBooking, ReceptionDay, ReceptionSlot

ID_MAX = 2**63


def _pk(value, message: str) -> int:
    if isinstance(value, bool):
        raise NotFound(message)
    try:
        pk = int(getattr(value, "pk", value))
    except (TypeError, ValueError):
        raise NotFound(message) from None
    if not 0 < pk < ID_MAX:
        raise NotFound(message)
    return pk


def _scope(user, qs, unit_field: str = "unit_id", joint: str | None = None, leader_field: str = "leader_id"):
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if is_global(user):
        return qs
    ids = visible_unit_ids(user)
    q = Q(**{f"{unit_field}__in": ids}) | Q(**{leader_field: user.pk})
    if joint:
        q |= Q(**{f"{joint}__in": ids})
    return qs.filter(pk__in=qs.model.objects.filter(q).values("pk"))


def _live_bookings():
    return ReceptionBooking.objects.filter(cancelled_at__isnull=True).select_related("petition")


def reception_days_visible(user) -> QuerySet[ReceptionDay]:
    qs = ReceptionDay.objects.select_related("leader", "leader__staff_profile", "unit", "unit__region")
    return _scope(user, qs, joint="joint_units").prefetch_related("joint_units")


def reception_days_list(user, *, date_from: dt.date | None = None, date_to: dt.date | None = None,
                        unit: str | None = None, published: bool | None = None,
                        leader=None) -> QuerySet[ReceptionDay]:
    qs = reception_days_visible(user)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if unit:
        qs = qs.filter(Q(unit__code=unit) | Q(joint_units__code=unit)).distinct()
    if published is not None:
        qs = qs.filter(published=published)
    if leader is not None:
        qs = qs.filter(leader_id=leader.pk)
    booked = Count("slots__bookings", filter=Q(slots__bookings__cancelled_at__isnull=True), distinct=True)
    return qs.annotate(booked=booked).order_by("date", "start_time", "id")


def reception_day_get(user, day_id) -> ReceptionDay:
    message = _("接待日不存在。")
    found = reception_days_visible(user).filter(pk=_pk(day_id, message)).prefetch_related(
        Prefetch("slots", queryset=ReceptionSlot.objects.order_by("start_time").prefetch_related(
            Prefetch("bookings", queryset=_live_bookings(), to_attr="live")))).first()
    if found is None:
        raise NotFound(message)
    return found


def reception_booking_get(user, booking_id) -> ReceptionBooking:
    message = _("预约不存在。")
    pk = _pk(booking_id, message)
    found = ReceptionBooking.objects.filter(pk=pk).select_related("slot__day__unit", "slot__day__leader").first()
    if found is None or not reception_days_visible(user).filter(pk=found.slot.day_id).exists():
        raise NotFound(message)
    return found


def reference_normalize(value) -> str:
    """A 预约号 as typed at the counter: case, spaces and dashes do not matter; "" when it cannot be one."""
    if not isinstance(value, str) or len(value) > 40:
        return ""
    text = "".join(c for c in value.strip().upper() if c not in " -_\u3000")
    return text if 4 <= len(text) <= 12 and text.isascii() and text.isalnum() else ""


def reception_booking_by_reference(user, reference) -> ReceptionBooking:
    """The booking with this 预约号 within the user's jurisdiction (unknown or outside it: not found)."""
    message = _("预约不存在。")
    ref = reference_normalize(reference)
    found = (ReceptionBooking.objects.filter(reference=ref).select_related(
        "slot__day__unit", "slot__day__leader", "slot__day__leader__staff_profile", "petition").first()
             if ref else None)
    if found is None or not reception_days_visible(user).filter(pk=found.slot.day_id).exists():
        raise NotFound(message, "reference")
    return found


def reception_days_published(*, date_from: dt.date, date_to: dt.date) -> list[ReceptionDay]:
    """The published reception days between two dates (every unit), each slot with `live` (its bookings
    not cancelled), for the public calendar."""
    slots = ReceptionSlot.objects.order_by("start_time").annotate(
        taken=Count("bookings", filter=Q(bookings__cancelled_at__isnull=True)))
    qs = (ReceptionDay.objects.filter(published=True, date__gte=date_from, date__lte=date_to)
          .select_related("leader", "leader__staff_profile", "unit")
          .prefetch_related("joint_units", Prefetch("slots", queryset=slots))
          .order_by("date", "start_time", "id"))
    return list(qs)


def reception_slot_published(slot_id) -> ReceptionSlot:
    """A slot of a published reception day with `taken` (live bookings); any other: not found."""
    message = _("接待时段不存在。")
    found = (ReceptionSlot.objects.filter(pk=_pk(slot_id, message), day__published=True)
             .select_related("day", "day__leader", "day__leader__staff_profile", "day__unit")
             .annotate(taken=Count("bookings", filter=Q(bookings__cancelled_at__isnull=True))).first())
    if found is None:
        raise NotFound(message)
    return found


def reception_booking_public_get(booking_id) -> ReceptionBooking | None:
    """A booking made on the portal (for its confirmation page, reached only through the session)."""
    try:
        pk = _pk(booking_id, "")
    except NotFound:
        return None
    return (ReceptionBooking.objects.filter(pk=pk, source="portal")
            .select_related("slot__day__unit", "slot__day__leader", "slot__day__leader__staff_profile").first())


def reception_days_upcoming(user, *, days: int = 14, today: dt.date | None = None) -> list[ReceptionDay]:
    """The user's own reception days from today on (the leader's home panel)."""
    today = today or timezone.localdate()
    return list(reception_days_list(user, date_from=today, date_to=today + dt.timedelta(days=days), leader=user))


def field_visits_visible(user) -> QuerySet[FieldVisit]:
    qs = FieldVisit.objects.select_related("leader", "leader__staff_profile", "unit", "region")
    return _scope(user, qs).annotate(matter_count=Count("matters", distinct=True),
                                     registered=Count("matters", filter=Q(matters__petition__isnull=False),
                                                      distinct=True))


def field_visit_get(user, visit_id) -> FieldVisit:
    message = _("下访记录不存在。")
    found = field_visits_visible(user).filter(pk=_pk(visit_id, message)).prefetch_related(
        Prefetch("matters", queryset=FieldVisitMatter.objects.select_related("petition"))).first()
    if found is None:
        raise NotFound(message)
    return found


def field_visit_matter_get(user, matter_id) -> FieldVisitMatter:
    message = _("下访事项不存在。")
    found = FieldVisitMatter.objects.filter(pk=_pk(matter_id, message)).select_related("visit").first()
    if found is None or not field_visits_visible(user).filter(pk=found.visit_id).exists():
        raise NotFound(message)
    return found
