"""Writes of 领导接待日 and 下访. Each validates its input first, then in one transaction checks the
jurisdiction (outside it: not found) and the right to manage (forbidden), writes, and records an audit
entry; a refusal raises `ApplicationError` and changes nothing. Registering a booking or a 下访 matter
calls the workflow's `petition_register` (channel "visit") in the same transaction and links it. The
citizen portal books through `reception_booking_public_create` (no account: published days only)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common import crypto
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.common.text import clean_text
from xinfang.notifications.services import notify, notify_citizen
from xinfang.org.choices import Level
from xinfang.org.jurisdiction import visible_unit_ids
from xinfang.org.models import Region, Unit
from xinfang.oversight.selectors import leader_name
from xinfang.oversight.services import Forbidden
from xinfang.petitions.services import PetitionerInput
from xinfang.workflow.services import petition_register

from . import rules, selectors
from .models import BookingSource, FieldVisit, FieldVisitMatter, ReceptionBooking, ReceptionDay, ReceptionSlot

TEXT_MAX = 2000
SHORT_MAX = 200
NAME_MAX = 64
SLOTS_MAX = 48
CAPACITY_MAX = 100
DEFAULT_SLOT_MINUTES = 30
DEFAULT_CAPACITY = 2
REFERENCE_PREFIX = "YY"
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
REFERENCE_LENGTH = 8

# ---- input ---------------------------------------------------------------------------------------


def _text(value, field: str, label: str, *, required: bool = False, max_len: int = TEXT_MAX) -> str:
    return clean_text(value, field, label, required=required, max_len=max_len)


def _date(value, field: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and value.strip():
        try:
            text = value.strip()
            if len(text) != 10:
                raise ValueError
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ApplicationError(_("%(label)s格式应为“年-月-日”，例如 2026-03-31。") % {"label": label},
                                   "invalid", field) from None
    else:
        raise ApplicationError(_("请填写%(label)s。") % {"label": label}, "invalid", field)
    if not 2000 <= day.year <= 2100:
        raise ApplicationError(_("%(label)s超出有效范围。") % {"label": label}, "invalid", field)
    return day


def _time(value, field: str, label: str) -> dt.time:
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            if len(text) not in (5, 8):
                raise ValueError
            return dt.time.fromisoformat(text).replace(second=0, microsecond=0)
        except ValueError:
            pass
        raise ApplicationError(_("%(label)s格式应为“时:分”，例如 09:00。") % {"label": label}, "invalid", field)
    raise ApplicationError(_("请填写%(label)s。") % {"label": label}, "invalid", field)


def _phone(value, field: str = "phone") -> str:
    text = _text(value, field, _("联系电话"), max_len=20)
    if text and not all(c.isdigit() or c in "+- " for c in text):
        raise ApplicationError(_("联系电话只能包含数字。"), "invalid", field)
    return text


def _unit(actor, value, field: str = "unit") -> Unit:
    """A unit by code, id or object, within the actor's jurisdiction (else invalid: it does not exist)."""
    missing = ApplicationError(_("单位不存在。"), "invalid", field)
    if isinstance(value, Unit):
        value = value.pk
    if value is None or isinstance(value, bool) or value == "":
        raise ApplicationError(_("请选择单位。"), "invalid", field)
    if isinstance(value, int):
        q = Q(pk=value) if 0 < value < 2**63 else Q(pk__in=[])
    elif isinstance(value, str) and len(value) <= 32 and "\x00" not in value:
        q = Q(code=value.strip())
    else:
        raise missing
    found = Unit.objects.filter(q, is_active=True, pk__in=visible_unit_ids(actor)).select_related("region").first()
    if found is None:
        raise missing
    return found


def _user(value, field: str = "leader"):
    User = get_user_model()
    if isinstance(value, User):
        value = value.pk
    if value is None or isinstance(value, bool) or value == "":
        raise ApplicationError(_("请选择领导。"), "invalid", field)
    if isinstance(value, int):
        found = User.objects.filter(pk=value).first() if 0 < value < 2**63 else None
    elif isinstance(value, str) and len(value) <= 150 and "\x00" not in value:
        found = User.objects.filter(username=value.strip()).first()
    else:
        found = None
    if found is None or not found.is_active:
        raise ApplicationError(_("“%(v)s”不是该单位的领导。") % {"v": str(value)[:150]}, "invalid", field)
    return found


def _check_manage(actor, unit: Unit, leader=None) -> None:
    if not rules.may_manage(actor, unit, leader):
        raise Forbidden(_("只有该单位或其上级单位、信访部门的登记员、分办员、领导可以安排领导接访。"))


# ---- 领导接待日 ----------------------------------------------------------------------------------


def _slots_input(slots, start: dt.time, end: dt.time) -> list[tuple[dt.time, int]]:
    if slots is None:
        out, t = [], dt.datetime.combine(dt.date(2000, 1, 1), start)
        stop = dt.datetime.combine(dt.date(2000, 1, 1), end)
        while t < stop and len(out) < SLOTS_MAX:
            out.append((t.time(), DEFAULT_CAPACITY))
            t += dt.timedelta(minutes=DEFAULT_SLOT_MINUTES)
        return out
    if not isinstance(slots, list | tuple) or len(slots) > SLOTS_MAX:
        raise ApplicationError(_("接待时段最多%(n)d个。") % {"n": SLOTS_MAX}, "invalid", "slots")
    out: dict[dt.time, int] = {}
    for item in slots:
        if isinstance(item, dict):
            t, cap = item.get("start_time"), item.get("capacity", DEFAULT_CAPACITY)
        elif isinstance(item, list | tuple) and len(item) == 2:
            t, cap = item
        else:
            raise ApplicationError(_("接待时段无效。"), "invalid", "slots")
        t = _time(t, "slots", _("时段开始时间"))
        if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= CAPACITY_MAX:
            raise ApplicationError(_("每个时段可预约人数应为1至%(n)d。") % {"n": CAPACITY_MAX}, "invalid", "slots")
        if not start <= t < end:
            raise ApplicationError(_("时段%(t)s不在接待时间内。") % {"t": t.strftime("%H:%M")}, "invalid", "slots")
        if t in out:
            raise ApplicationError(_("时段%(t)s重复。") % {"t": t.strftime("%H:%M")}, "invalid", "slots")
        out[t] = cap
    return sorted(out.items())


def _joint_unit(actor, value, unit: Unit) -> Unit:
    """A joint unit (联合接访): within the actor's jurisdiction or the reception unit's region."""
    if isinstance(value, str) and 0 < len(value.strip()) <= 32 and "\x00" not in value:
        found = Unit.objects.filter(code=value.strip(), is_active=True).select_related("region").first()
        if found is not None and found.region.path.startswith(unit.region.path):
            return found
    return _unit(actor, value, "joint_units")


def _day_fields(actor, data: dict, unit: Unit) -> dict:
    """Validate the fields of a reception day (all of them, as a full form)."""
    out = {
        "date": _date(data.get("date"), "date", _("接待日期")),
        "start_time": _time(data.get("start_time"), "start_time", _("开始时间")),
        "end_time": _time(data.get("end_time"), "end_time", _("结束时间")),
        "place": _text(data.get("place"), "place", _("接待地点"), required=True, max_len=SHORT_MAX),
        "topic": _text(data.get("topic"), "topic", _("接待主题"), max_len=SHORT_MAX),
        "lawyers": _text(data.get("lawyers"), "lawyers", _("值班律师"), max_len=TEXT_MAX),
        "note": _text(data.get("note"), "note", _("备注"), max_len=TEXT_MAX),
        "published": bool(data.get("published")),
    }
    if out["end_time"] <= out["start_time"]:
        raise ApplicationError(_("结束时间应晚于开始时间。"), "invalid", "end_time")
    joint = data.get("joint_units") or []
    if isinstance(joint, str):
        joint = [c for c in joint.replace("，", ",").split(",") if c.strip()]
    if not isinstance(joint, list | tuple) or len(joint) > 20:
        raise ApplicationError(_("联合接访单位无效。"), "invalid", "joint_units")
    out["joint_units"] = list({u.pk: u for u in (_joint_unit(actor, v, unit) for v in joint)}.values())
    return out


def _check_leader(leader, unit: Unit) -> None:
    if not rules.is_leader_of(leader, unit):
        raise ApplicationError(_("%(name)s不是%(unit)s的领导。") % {"name": leader_name(leader), "unit": unit.name},
                               "invalid", "leader")


def _check_overlap(leader, f: dict, exclude: int | None = None) -> None:
    clash = ReceptionDay.objects.filter(leader=leader, date=f["date"], start_time__lt=f["end_time"],
                                        end_time__gt=f["start_time"]).exclude(pk=exclude).first()
    if clash is not None:
        raise ApplicationError(_("%(name)s在%(d)s %(s)s–%(e)s已安排接待，时间重叠。") % {
            "name": leader_name(leader), "d": clash.date.isoformat(), "s": clash.start_time.strftime("%H:%M"),
            "e": clash.end_time.strftime("%H:%M")}, "conflict", "start_time")


def _day_data(day: ReceptionDay) -> dict:
    return {"leader": day.leader.username, "unit": day.unit.code, "date": day.date.isoformat(),
            "start_time": day.start_time.strftime("%H:%M"), "end_time": day.end_time.strftime("%H:%M"),
            "place": day.place, "published": day.published,
            "joint_units": sorted(u.code for u in day.joint_units.all())}


def reception_day_create(*, actor, leader, unit, slots=None, **data) -> ReceptionDay:
    """领导接待日: `leader` (holding the leader role in `unit`) receives on `date` from `start_time` to
    `end_time` at `place`; `joint_units` (联合接访), `lawyers` (律师值班), `published`, `topic`, `note`;
    `slots` [{start_time, capacity}] (default: every 30 minutes, 2 each). Refused: a unit outside the
    actor's jurisdiction (invalid), without the right (forbidden), a leader not of the unit, bad dates or
    times, a past date (invalid), an overlapping day of the same leader (conflict)."""
    unit = _unit(actor, unit)
    leader = _user(leader)
    f = _day_fields(actor, data, unit)
    if f["date"] < timezone.localdate():
        raise ApplicationError(_("接待日期不能早于今天。"), "invalid", "date")
    slot_rows = _slots_input(slots, f["start_time"], f["end_time"])
    _check_leader(leader, unit)
    _check_manage(actor, unit, leader)
    joint = [u for u in f.pop("joint_units") if u.pk != unit.pk]
    with transaction.atomic():
        _check_overlap(leader, f)
        day = ReceptionDay.objects.create(leader=leader, unit=unit, created_by=actor, **f)
        day.joint_units.set(joint)
        ReceptionSlot.objects.bulk_create([ReceptionSlot(day=day, start_time=t, capacity=c) for t, c in slot_rows])
        audit_record(actor=actor, action="reception_day.create", obj=day, data=_day_data(day))
        if leader.pk != actor.pk:
            notify(recipients=[leader], kind="reception", link=reverse("web:reception_day", args=[day.pk]),
                   title=_("已为您安排领导接待日：%(d)s %(s)s，%(p)s") % {
                       "d": day.date.isoformat(), "s": day.start_time.strftime("%H:%M"), "p": day.place})
        return day


def reception_day_update(*, actor, day, **data) -> ReceptionDay:
    """Edit a reception day (the same fields and rules as creating it; the leader and unit stay). Times that
    would leave a booked slot outside the day are refused (invalid)."""
    found = selectors.reception_day_get(actor, day)
    f = _day_fields(actor, data, found.unit)
    _check_manage(actor, found.unit, found.leader)
    joint = [u for u in f.pop("joint_units") if u.pk != found.unit_id]
    with transaction.atomic():
        day = ReceptionDay.objects.select_for_update().select_related("leader", "unit").get(pk=found.pk)
        if f["date"] != day.date and f["date"] < timezone.localdate():
            raise ApplicationError(_("接待日期不能早于今天。"), "invalid", "date")
        _check_overlap(day.leader, f, exclude=day.pk)
        outside = ReceptionSlot.objects.filter(day=day).filter(
            Q(start_time__lt=f["start_time"]) | Q(start_time__gte=f["end_time"]))
        if ReceptionBooking.objects.filter(slot__in=outside, cancelled_at__isnull=True).exists():
            raise ApplicationError(_("有已预约的时段不在新的接待时间内，请先调整预约。"), "invalid", "start_time")
        outside.delete()
        for key, value in f.items():
            setattr(day, key, value)
        day.save()
        day.joint_units.set(joint)
        audit_record(actor=actor, action="reception_day.update", obj=day, data=_day_data(day))
        return day


def reception_slot_add(*, actor, day, start_time, capacity=DEFAULT_CAPACITY) -> ReceptionSlot:
    found = selectors.reception_day_get(actor, day)
    _check_manage(actor, found.unit, found.leader)
    ((t, cap),) = _slots_input([{"start_time": start_time, "capacity": capacity}], found.start_time, found.end_time)
    with transaction.atomic():
        if ReceptionSlot.objects.filter(day=found, start_time=t).exists():
            raise ApplicationError(_("时段%(t)s已存在。") % {"t": t.strftime("%H:%M")}, "conflict", "start_time")
        slot = ReceptionSlot.objects.create(day=found, start_time=t, capacity=cap)
        audit_record(actor=actor, action="reception_slot.create", obj=slot,
                     data={"day": found.pk, "start_time": t.strftime("%H:%M"), "capacity": cap})
        return slot


def _reference_new() -> str:
    """A fresh 预约号: "YY" and 8 characters without look-alikes (no 0/O, 1/I/L), easy to read aloud."""
    for _attempt in range(8):
        ref = REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _i in range(REFERENCE_LENGTH))
        if not ReceptionBooking.objects.filter(reference=ref).exists():
            return ref
    raise ApplicationError(_("暂时无法生成预约号，请稍后重试。"), "conflict")  # pragma: no cover


def _book(slot_pk: int, *, name: str, phone: str, summary: str, actor, source: str) -> ReceptionBooking:
    """Book under a row lock of the slot (capacity counted against live bookings)."""
    slot = ReceptionSlot.objects.select_for_update().get(pk=slot_pk)
    taken = ReceptionBooking.objects.filter(slot=slot, cancelled_at__isnull=True).count()
    if taken >= slot.capacity:
        raise ApplicationError(_("该时段已约满。"), "conflict", "slot")
    return ReceptionBooking.objects.create(slot=slot, name=name, phone_enc=crypto.encrypt(phone) if phone else "",
                                           summary=summary, created_by=actor, reference=_reference_new(),
                                           source=source)


def reception_booking_create(*, actor, slot, name, phone="", summary) -> ReceptionBooking:
    """预约: book a petitioner into a slot. Refused: a slot outside the jurisdiction (not found), without
    the right (forbidden), a full slot or a past day (conflict), a missing name or matter (invalid)."""
    name = _text(name, "name", _("信访人姓名"), required=True, max_len=NAME_MAX)
    phone = _phone(phone)
    summary = _text(summary, "summary", _("反映事项"), required=True, max_len=TEXT_MAX)
    message = _("接待时段不存在。")
    pk = selectors._pk(slot, message)
    day_id = ReceptionSlot.objects.filter(pk=pk).values_list("day_id", flat=True).first()
    if day_id is None:
        raise NotFound(message)
    try:
        day = selectors.reception_day_get(actor, day_id)
    except NotFound:
        raise NotFound(message) from None
    _check_manage(actor, day.unit, day.leader)
    if day.date < timezone.localdate():
        raise ApplicationError(_("接待日已过，不能预约。"), "conflict", "slot")
    with transaction.atomic():
        booking = _book(pk, name=name, phone=phone, summary=summary, actor=actor, source=BookingSource.STAFF)
        audit_record(actor=actor, action="reception_booking.create", obj=booking,
                     data={"day": day.pk, "slot": booking.slot_id, "name": crypto.mask_name(name)})
        return booking


def _public_phone(value) -> str:
    phone = _phone(value)
    if not phone:
        raise ApplicationError(_("请填写手机号码，预约号将以短信发送。"), "invalid", "phone")
    if not 7 <= sum(c.isdigit() for c in phone) <= 15:
        raise ApplicationError(_("联系电话位数不正确。"), "invalid", "phone")
    return phone


def reception_booking_public_create(*, slot, name, phone, summary) -> ReceptionBooking:
    """网上预约 (the citizen portal, no account): book a slot of a published reception day; the booking gets
    a 预约号 and the petitioner an SMS with it. Refused: a slot of an unpublished day or no slot at all
    (not found), a past day or a slot already begun, a full slot (conflict), a missing name, phone or
    matter (invalid). Nothing is stored on a refusal."""
    name = _text(name, "name", _("姓名"), required=True, max_len=NAME_MAX)
    phone = _public_phone(phone)
    summary = _text(summary, "summary", _("反映事项"), required=True, max_len=TEXT_MAX)
    found = selectors.reception_slot_published(slot)
    day = found.day
    _check_not_past(day, found)
    with transaction.atomic():
        booking = _book(found.pk, name=name, phone=phone, summary=summary, actor=None, source=BookingSource.PORTAL)
        audit_record(actor=None, action="reception_booking.public_create", obj=booking,
                     data={"day": day.pk, "slot": found.pk, "name": crypto.mask_name(name),
                           "reference": booking.reference})
        text = _("【信访预约】您已预约%(d)s %(t)s领导接待日（%(p)s），预约号%(r)s。请携带本人身份证按时到场。") % {
            "d": day.date.isoformat(), "t": found.start_time.strftime("%H:%M"), "p": day.place,
            "r": booking.reference_shown}
        notify_citizen(phone=phone, text=text, dedupe_key=f"portal-booking:{booking.pk}")
        return booking


def _check_not_past(day: ReceptionDay, slot: ReceptionSlot) -> None:
    today = timezone.localdate()
    if day.date < today:
        raise ApplicationError(_("接待日已过，不能预约。"), "conflict", "slot")
    if day.date == today and slot.start_time <= timezone.localtime().time():
        raise ApplicationError(_("该时段已开始，不能预约。"), "conflict", "slot")


def reception_booking_cancel(*, actor, booking) -> ReceptionBooking:
    found = selectors.reception_booking_get(actor, booking)
    day = found.slot.day
    _check_manage(actor, day.unit, day.leader)
    with transaction.atomic():
        b = ReceptionBooking.objects.select_for_update().get(pk=found.pk)
        if b.petition_id:
            raise ApplicationError(_("该预约已登记为信访件，不能取消。"), "conflict")
        if b.cancelled_at is None:
            b.cancelled_at = timezone.now()
            b.save(update_fields=["cancelled_at"])
            audit_record(actor=actor, action="reception_booking.cancel", obj=b, data={"day": day.pk})
        return b


def _register(actor, unit: Unit, *, name: str, phone: str, content: str, title: str, category: str,
              problem_region: str):
    reg_unit = rules.register_unit(actor, unit)
    if reg_unit is None:
        raise Forbidden(_("只有该单位或其信访部门的登记员可以登记信访件。"))
    title = _text(title, "title", _("标题"), max_len=SHORT_MAX) or content.splitlines()[0][:40]
    people = [PetitionerInput(name=name, phone=phone)] if name else None
    fields = {"channel": "visit", "received_at": timezone.now(), "title": title, "content": content,
              "category": _text(category, "category", _("内容分类"), max_len=32),
              "problem_region": _text(problem_region, "problem_region", _("问题属地"), max_len=32)}
    if people is None:
        fields["is_anonymous"] = True
    petition, _code = petition_register(actor=actor, unit=reg_unit, petitioners=people, **fields)
    return petition


def reception_booking_register(*, actor, booking, title: str = "", category: str = "",
                               problem_region: str = ""):
    """At the counter: the booked petitioner came; register the visit (petition_register, channel "visit",
    the booking's person and matter, at the reception's unit or its petition office) and link it. Refused:
    a cancelled or already registered booking (conflict), an actor who is not a clerk there (forbidden)."""
    found = selectors.reception_booking_get(actor, booking)
    with transaction.atomic():
        b = ReceptionBooking.objects.select_for_update().select_related("slot__day__unit").get(pk=found.pk)
        if b.cancelled_at is not None:
            raise ApplicationError(_("该预约已取消。"), "conflict")
        if b.petition_id:
            raise ApplicationError(_("该预约已登记为信访件。"), "conflict")
        petition = _register(actor, b.slot.day.unit, name=b.name, phone=b.phone, content=b.summary, title=title,
                             category=category, problem_region=problem_region)
        b.petition = petition
        b.save(update_fields=["petition"])
        audit_record(actor=actor, action="reception_booking.register", obj=b,
                     data={"day": b.slot.day_id, "petition": petition.pk, "number": petition.number})
        return petition


# ---- 下访 ------------------------------------------------------------------------------------------


def _region(actor, value) -> Region:
    if isinstance(value, Region):
        value = value.code
    if not isinstance(value, str) or not value.strip() or len(value) > 32 or "\x00" in value:
        raise ApplicationError(_("请选择下访的乡镇或村（社区）。"), "invalid", "region")
    found = Region.objects.filter(code=value.strip(), level__in=[Level.TOWN, Level.VILLAGE]).first()
    if found is None:
        raise ApplicationError(_("下访地点应为乡镇（街道）或村（社区）。"), "invalid", "region")
    return found


def field_visit_create(*, actor, leader, date, region, unit=None, place: str = "", participants: str = "",
                       note: str = "") -> FieldVisit:
    """下访: a leader's visit to a town or village (the leader themself, or a manager of the leader's unit
    records it). `unit`: the leader's unit (default: the leader's first unit the actor may manage)."""
    leader = _user(leader)
    day = _date(date, "date", _("下访日期"))
    place_region = _region(actor, region)
    place = _text(place, "place", _("具体地点"), max_len=SHORT_MAX)
    participants = _text(participants, "participants", _("参加人员"), max_len=TEXT_MAX)
    note = _text(note, "note", _("下访情况"), max_len=TEXT_MAX)
    if unit is not None and unit != "":
        unit = _unit(actor, unit)
        _check_leader(leader, unit)
    else:
        from xinfang.org.jurisdiction import memberships

        units = [m.unit for m in memberships(leader) if m.role == "leader"]
        units = [u for u in units if rules.may_manage(actor, u, leader) and u.pk in visible_unit_ids(actor)]
        if not units:
            raise ApplicationError(_("%(name)s不是您可以安排的领导。") % {"name": leader_name(leader)}, "invalid",
                                   "leader")
        unit = units[0]
    _check_manage(actor, unit, leader)
    if not place_region.path.startswith(unit.region.path):
        raise ApplicationError(_("下访地点应在%(unit)s的辖区内。") % {"unit": unit.name}, "invalid", "region")
    with transaction.atomic():
        visit = FieldVisit.objects.create(leader=leader, unit=unit, date=day, region=place_region, place=place,
                                          participants=participants, note=note, created_by=actor)
        audit_record(actor=actor, action="field_visit.create", obj=visit, data={
            "leader": leader.username, "unit": unit.code, "date": day.isoformat(), "region": place_region.code})
        return visit


def field_visit_matter_add(*, actor, visit, content, name: str = "", phone: str = "") -> FieldVisitMatter:
    content = _text(content, "content", _("反映事项"), required=True, max_len=TEXT_MAX)
    name = _text(name, "name", _("信访人姓名"), max_len=NAME_MAX)
    phone = _phone(phone)
    found = selectors.field_visit_get(actor, visit)
    _check_manage(actor, found.unit, found.leader)
    with transaction.atomic():
        matter = FieldVisitMatter.objects.create(visit=found, content=content, name=name, created_by=actor,
                                                 phone_enc=crypto.encrypt(phone) if phone else "")
        audit_record(actor=actor, action="field_visit.matter_add", obj=matter, data={"visit": found.pk})
        return matter


def field_visit_matter_register(*, actor, matter, title: str = "", category: str = ""):
    """登记为信访件: the matter heard on the 下访 becomes a petition (channel "visit", the place of the visit
    as 问题属地) registered by a clerk of the leader's unit or its petition office; the matter links to it."""
    found = selectors.field_visit_matter_get(actor, matter)
    with transaction.atomic():
        m = FieldVisitMatter.objects.select_for_update().select_related("visit__unit", "visit__region").get(
            pk=found.pk)
        if m.petition_id:
            raise ApplicationError(_("该事项已登记为信访件。"), "conflict")
        petition = _register(actor, m.visit.unit, name=m.name, phone=m.phone, content=m.content, title=title,
                             category=category, problem_region=m.visit.region.code)
        m.petition = petition
        m.save(update_fields=["petition"])
        audit_record(actor=actor, action="field_visit.matter_register", obj=m,
                     data={"visit": m.visit_id, "petition": petition.pk, "number": petition.number})
        return petition
