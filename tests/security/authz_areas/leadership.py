"""Authorization-matrix entries of leadership (issue 10): 包案 plan and stages on the petition page, 领导接待日
(list, form, a day with its slots and bookings, booking → registered visit) and 下访 (list, form, a visit
with its matters → petitions). A day or 下访 of 东湖区住建局 is seen by everyone whose jurisdiction covers
that unit (404 elsewhere); managing it is for the clerks, dispatchers and leaders covering it; registering
a petition is for a clerk of the unit or its petition office."""

from __future__ import annotations

import datetime as dt

from test_authz_matrix import POST_OK, SEE, STAFF, E

P = {"petition_id": "petition"}
D = {"day_id": "reception_day"}
B = D | {"booking_id": "reception_booking"}
V = {"visit_id": "field_visit"}
M = V | {"matter_id": "field_visit_matter"}
# who sees 东湖区住建局's reception days and 下访: the district's office, the department, the government
SEE_UNIT = SEE
# who manages them: the clerks, dispatchers and leaders covering the unit
MANAGE = {"clerk", "dispatcher", "dept_dispatcher", "leader", "reviewer"}

WEB = {
    "web:ownership_plan": E(SEE, fill=P, method="POST", scoped=True, ok=422),
    "web:ownership_stage": E(SEE, fill=P, method="POST", scoped=True, ok=422),
    "web:reception_days": E(STAFF),
    "web:reception_day_new": E(STAFF),
    "web:reception_day": E(SEE_UNIT, fill=D, scoped=True),
    "web:reception_day_edit": E(MANAGE, fill=D, scoped=True),
    "web:reception_booking_new": E(SEE_UNIT, fill=D, method="POST", scoped=True, ok=422),
    "web:reception_booking_register": E(SEE_UNIT, fill=B, method="POST", scoped=True, ok=422),
    "web:reception_booking_cancel": E(SEE_UNIT, fill=B, method="POST", scoped=True, ok=POST_OK),
    "web:field_visits": E(STAFF),
    "web:field_visit_new": E(STAFF),
    "web:field_visit": E(SEE_UNIT, fill=V, scoped=True),
    "web:field_visit_matter_new": E(SEE_UNIT, fill=V, method="POST", scoped=True, ok=422),
    "web:field_visit_matter_register": E(SEE_UNIT, fill=M, method="POST", scoped=True, ok=POST_OK),
}

API = {
    ("POST", "/petitions/{petition_id}/ownership/plan"): E(SEE, fill=P, method="POST", scoped=True, ok=422,
                                                            body="plan"),
    ("POST", "/petitions/{petition_id}/ownership/stage"): E(SEE, fill=P, method="POST", scoped=True, ok=422,
                                                             body="stage"),
    ("GET", "/reception-days"): E(STAFF),
    ("POST", "/reception-days"): E(MANAGE, method="POST", ok=422, deny=403, body="reception_day"),
    ("GET", "/reception-days/{day_id}"): E(SEE_UNIT, fill=D, scoped=True),
    ("POST", "/reception-days/{day_id}/bookings"): E(SEE_UNIT, fill=D, method="POST", scoped=True, ok=422,
                                                     body="booking"),
    ("POST", "/reception-bookings/{booking_id}/register"): E(SEE_UNIT, fill={"booking_id": "reception_booking"},
                                                             method="POST", scoped=True, ok=422, body="register"),
    ("POST", "/field-visits"): E(MANAGE, method="POST", ok=422, deny=403, body="field_visit"),
    ("GET", "/field-visits/{visit_id}"): E(SEE_UNIT, fill=V, scoped=True),
    ("POST", "/field-visits/{visit_id}/matters"): E(SEE_UNIT, fill=V, method="POST", scoped=True, ok=422,
                                                    body="matter"),
    ("POST", "/field-visit-matters/{matter_id}/register"): E(SEE_UNIT, fill={"matter_id": "field_visit_matter"},
                                                             method="POST", scoped=True, ok=422, body="register"),
}


def _tomorrow() -> str:
    from django.utils import timezone

    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


BODIES = {
    "plan": lambda world, username: {"plan": "测试方案"},
    "stage": lambda world, username: {"note": "测试推进"},
    "reception_day": lambda world, username: {
        "leader": "demo_leader", "unit": "DH-ZJ", "date": _tomorrow(), "start_time": "15:00", "end_time": "16:00",
        "place": "测试地点"},
    "booking": lambda world, username: {"slot": world.other["reception_slot"].pk, "name": "测试", "summary": "测试"},
    "register": lambda world, username: {"title": "测试登记"},
    "field_visit": lambda world, username: {"leader": "demo_leader", "date": _tomorrow(), "region": "990102001"},
    "matter": lambda world, username: {"content": "测试事项"},
}


def build(world) -> None:
    """A reception day of demo_leader (东湖区住建局) tomorrow with a booking, and a 下访 with a matter."""
    from xinfang.oversight.leadership import services

    clerk = world.org.users["demo_clerk"]
    day = services.reception_day_create(actor=clerk, leader="demo_leader", unit="DH-ZJ", date=_tomorrow(),
                                        start_time="09:00", end_time="10:00", place="东湖区人民来访接待中心",
                                        slots=[{"start_time": "09:00", "capacity": 5}])
    slot = day.slots.get()
    world.other["reception_day"] = day
    world.other["reception_slot"] = slot
    world.other["reception_booking"] = services.reception_booking_create(
        actor=clerk, slot=slot.pk, name="预约人", phone="13900000000", summary="测试预约事项")
    visit = services.field_visit_create(actor=clerk, leader="demo_leader", date=_tomorrow(), region="990102001")
    world.other["field_visit"] = visit
    world.other["field_visit_matter"] = services.field_visit_matter_add(actor=clerk, visit=visit.pk,
                                                                        content="测试下访事项")
