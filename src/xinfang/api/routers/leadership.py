"""/api/v1 routes of leadership (issue 10): 领导接待日 (reception days with slots and bookings; a booking
registered as a visit at the counter) and 下访 (a leader's visit with the matters heard, each registrable
as a petition). Within the caller's jurisdiction (404 outside it); refusals use the one error shape."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

try:
    from ninja import Status
except ImportError:  # django-ninja < 1.6 takes a (status, body) tuple
    def Status(status, body):  # noqa: N802
        return status, body

from xinfang.common.errors import ApplicationError
from xinfang.oversight.leadership import selectors, services
from xinfang.oversight.selectors import leader_name

from ..schemas import PetitionId, Ref, Text

router = Router(tags=["leadership"])


class SlotIn(Schema):
    start_time: Text = Field(max_length=8, description="时段开始，时:分")
    capacity: int = Field(2, ge=1, le=100)


class ReceptionDayIn(Schema):
    leader: Text = Field(min_length=1, max_length=150, description="接待领导：用户名")
    unit: Text = Field(min_length=1, max_length=32, description="接待单位代码")
    date: Text = Field(max_length=10, description="接待日期，年-月-日")
    start_time: Text = Field(max_length=8, description="开始时间，时:分")
    end_time: Text = Field(max_length=8, description="结束时间，时:分")
    place: Text = Field(max_length=200, description="接待地点")
    topic: Text = Field("", max_length=200)
    joint_units: list[Text] = Field(default_factory=list, max_length=20, description="联合接访单位代码")
    lawyers: Text = Field("", max_length=2000, description="值班律师（姓名、律所）")
    published: bool = False
    note: Text = Field("", max_length=2000)
    slots: list[SlotIn] | None = Field(None, max_length=48, description="接待时段；省略时每30分钟一个")


class BookingIn(Schema):
    slot: PetitionId = Field(description="时段ID")
    name: Text = Field(max_length=64)
    phone: Text = Field("", max_length=20)
    summary: Text = Field(max_length=2000)


class RegisterIn(Schema):
    title: Text = Field(min_length=1, max_length=200, description="信访件标题")
    category: Text = Field("", max_length=32)
    problem_region: Text = Field("", max_length=32)


class UserRef(Schema):
    username: str
    name: str


class BookingOut(Schema):
    id: int
    name: str  # masked
    phone: str  # masked
    summary: str
    petition: int | None
    petition_number: str
    reference: str = Field(description="预约号（早期的预约没有）")
    source: str = Field(description="预约来源：staff 工作人员代约，portal 网上预约")
    cancelled: bool


class BookingFound(BookingOut):
    day: int = Field(description="接待日ID")
    date: dt.date
    start_time: str
    place: str
    unit: Ref


class BookingLookup(Schema):
    reference: Text = Field(min_length=1, max_length=40, description="预约号")


class SlotOut(Schema):
    id: int
    start_time: str
    capacity: int
    booked: int
    bookings: list[BookingOut]


class ReceptionDayOut(Schema):
    id: int
    leader: UserRef
    unit: Ref
    date: dt.date
    start_time: str
    end_time: str
    place: str
    topic: str
    joint_units: list[Ref]
    lawyers: str
    published: bool
    note: str
    booked: int


class ReceptionDayDetail(ReceptionDayOut):
    slots: list[SlotOut]


class DayFilters(Schema):
    from_: Text | None = Field(None, alias="from", max_length=10)
    to: Text | None = Field(None, max_length=10)
    unit: Text | None = Field(None, max_length=32)
    published: bool | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


class ReceptionDayPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ReceptionDayOut]


class PetitionRef(Schema):
    id: int
    number: str


class MatterIn(Schema):
    content: Text = Field(max_length=2000)
    name: Text = Field("", max_length=64)
    phone: Text = Field("", max_length=20)


class MatterOut(Schema):
    id: int
    content: str
    name: str
    phone: str
    petition: int | None
    petition_number: str


class FieldVisitIn(Schema):
    leader: Text = Field(min_length=1, max_length=150)
    date: Text = Field(max_length=10)
    region: Text = Field(max_length=32, description="下访的乡镇或村（区划代码）")
    unit: Text = Field("", max_length=32)
    place: Text = Field("", max_length=200)
    participants: Text = Field("", max_length=2000)
    note: Text = Field("", max_length=2000)


class FieldVisitOut(Schema):
    id: int
    leader: UserRef
    unit: Ref
    date: dt.date
    region: Ref
    place: str
    participants: str
    note: str
    matters: list[MatterOut]


def _user(u) -> dict:
    return {"username": u.username, "name": leader_name(u)}


def _ref(u) -> dict:
    return {"code": u.code, "name": u.name}


def _day(d) -> dict:
    return {"id": d.pk, "leader": _user(d.leader), "unit": _ref(d.unit), "date": d.date,
            "start_time": d.start_time.strftime("%H:%M"), "end_time": d.end_time.strftime("%H:%M"),
            "place": d.place, "topic": d.topic, "joint_units": [_ref(u) for u in d.joint_units.all()],
            "lawyers": d.lawyers, "published": d.published, "note": d.note, "booked": getattr(d, "booked", 0)}


def _booking(b) -> dict:
    return {"id": b.pk, "name": b.masked_name, "phone": b.masked_phone, "summary": b.summary,
            "petition": b.petition_id, "petition_number": b.petition.number if b.petition_id else "",
            "reference": b.reference or "", "source": b.source, "cancelled": b.cancelled_at is not None}


def _detail(user, day_id) -> dict:
    d = selectors.reception_day_get(user, day_id)
    slots = [{"id": s.pk, "start_time": s.start_time.strftime("%H:%M"), "capacity": s.capacity,
              "booked": len(s.live), "bookings": [_booking(b) for b in s.live]} for s in d.slots.all()]
    return {**_day(d), "booked": sum(s["booked"] for s in slots), "slots": slots}


def _opt_date(value, field):
    if not value:
        return None
    return services._date(value, field, _("日期"))


@router.get("/reception-days", response=ReceptionDayPage, summary="领导接待日")
def reception_days(request, filters: Query[DayFilters]):
    date_from = _opt_date(filters.from_, "from")
    date_to = _opt_date(filters.to, "to")
    qs = selectors.reception_days_list(request.user, date_from=date_from, date_to=date_to, unit=filters.unit,
                                       published=filters.published)
    page, size = filters.page, filters.page_size
    return {"count": qs.count(), "page": page, "page_size": size,
            "results": [_day(d) for d in qs[(page - 1) * size: page * size]]}


@router.post("/reception-days", response={201: ReceptionDayDetail}, summary="安排领导接待日")
def reception_day_create(request, payload: ReceptionDayIn):
    data = payload.dict()
    slots = data.pop("slots")
    day = services.reception_day_create(actor=request.user, slots=slots, **data)
    return Status(201, _detail(request.user, day.pk))


@router.get("/reception-days/{day_id}", response=ReceptionDayDetail, summary="接待日详情（时段与预约）")
def reception_day(request, day_id: PetitionId):
    return _detail(request.user, day_id)


@router.post("/reception-days/{day_id}/bookings", response={201: BookingOut}, summary="预约接待时段")
def booking_create(request, day_id: PetitionId, payload: BookingIn):
    day = selectors.reception_day_get(request.user, day_id)
    if not any(s.pk == payload.slot for s in day.slots.all()):
        raise ApplicationError(_("接待时段不存在。"), "invalid", "slot")
    b = services.reception_booking_create(actor=request.user, slot=payload.slot, name=payload.name,
                                          phone=payload.phone, summary=payload.summary)
    return Status(201, _booking(b))


@router.get("/reception-bookings", response=BookingFound, summary="按预约号查找预约")
def booking_by_reference(request, filters: Query[BookingLookup]):
    b = selectors.reception_booking_by_reference(request.user, filters.reference)
    day = b.slot.day
    return {**_booking(b), "day": day.pk, "date": day.date, "start_time": b.slot.start_time.strftime("%H:%M"),
            "place": day.place, "unit": _ref(day.unit)}


@router.post("/reception-bookings/{booking_id}/register", response={201: PetitionRef}, summary="预约登记为来访")
def booking_register(request, booking_id: PetitionId, payload: RegisterIn):
    p = services.reception_booking_register(actor=request.user, booking=booking_id, title=payload.title,
                                            category=payload.category, problem_region=payload.problem_region)
    return Status(201, {"id": p.pk, "number": p.number})


def _visit(user, visit_id) -> dict:
    v = selectors.field_visit_get(user, visit_id)
    return {"id": v.pk, "leader": _user(v.leader), "unit": _ref(v.unit), "date": v.date,
            "region": _ref(v.region), "place": v.place, "participants": v.participants, "note": v.note,
            "matters": [{"id": m.pk, "content": m.content, "name": m.masked_name, "phone": m.masked_phone,
                         "petition": m.petition_id, "petition_number": m.petition.number if m.petition_id else ""}
                        for m in v.matters.all()]}


@router.post("/field-visits", response={201: FieldVisitOut}, summary="记录领导下访")
def field_visit_create(request, payload: FieldVisitIn):
    v = services.field_visit_create(actor=request.user, **payload.dict())
    return Status(201, _visit(request.user, v.pk))


@router.get("/field-visits/{visit_id}", response=FieldVisitOut, summary="下访详情")
def field_visit(request, visit_id: PetitionId):
    return _visit(request.user, visit_id)


@router.post("/field-visits/{visit_id}/matters", response={201: FieldVisitOut}, summary="记录下访事项")
def field_visit_matter_add(request, visit_id: PetitionId, payload: MatterIn):
    services.field_visit_matter_add(actor=request.user, visit=visit_id, **payload.dict())
    return Status(201, _visit(request.user, visit_id))


@router.post("/field-visit-matters/{matter_id}/register", response={201: PetitionRef}, summary="下访事项登记为信访件")
def field_visit_matter_register(request, matter_id: PetitionId, payload: RegisterIn):
    p = services.field_visit_matter_register(actor=request.user, matter=matter_id, title=payload.title,
                                             category=payload.category)
    return Status(201, {"id": p.pk, "number": p.number})
