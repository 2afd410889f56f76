"""The public 领导接待日 calendar of the portal: published reception days of every unit from today on,
each slot with its free places and whether it can still be booked. Leaders' reception days are public by
nature (S22: 领导接访 is announced), so the leader's name and unit are shown; bookings never are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from xinfang.oversight.leadership.models import ReceptionDay, ReceptionSlot
from xinfang.oversight.leadership.selectors import reception_days_published, reception_slot_published
from xinfang.oversight.selectors import leader_name

CALENDAR_DAYS = 30


@dataclass
class SlotShown:
    id: int
    start_time: dt.time
    capacity: int
    free: int
    bookable: bool


@dataclass
class DayShown:
    id: int
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    place: str
    topic: str
    leader: str
    unit: str
    joint_units: list[str]
    lawyers: str
    slots: list[SlotShown]


def slot_free(slot: ReceptionSlot) -> int:
    """Free places of a slot annotated with `taken` (live bookings)."""
    return max(slot.capacity - getattr(slot, "taken", 0), 0)


def slot_started(day: ReceptionDay, slot: ReceptionSlot, now: dt.datetime | None = None) -> bool:
    """True when the slot's day is past, or it is today and the slot has begun."""
    now = timezone.localtime(now)
    return day.date < now.date() or (day.date == now.date() and slot.start_time <= now.time())


def calendar(*, now: dt.datetime | None = None, days: int = CALENDAR_DAYS) -> list[DayShown]:
    now = timezone.localtime(now)
    today = now.date()
    out = []
    for d in reception_days_published(date_from=today, date_to=today + dt.timedelta(days=days)):
        slots = [SlotShown(id=s.pk, start_time=s.start_time, capacity=s.capacity, free=slot_free(s),
                           bookable=slot_free(s) > 0 and not slot_started(d, s, now)) for s in d.slots.all()]
        out.append(DayShown(id=d.pk, date=d.date, start_time=d.start_time, end_time=d.end_time, place=d.place,
                            topic=d.topic, leader=leader_name(d.leader), unit=d.unit.name,
                            joint_units=[u.name for u in d.joint_units.all() if u.pk != d.unit_id],
                            lawyers=d.lawyers, slots=slots))
    return out


def slot_get(slot_id) -> ReceptionSlot:
    """A bookable-looking slot of a published day (raises NotFound otherwise), with `taken`."""
    return reception_slot_published(slot_id)
