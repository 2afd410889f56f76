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
MANAGE = {"clerk", "dispatcher", "dept_dispatcher", "leader", "reviewer", "admin"}
# registering a booking or a matter as a petition: a clerk of the unit or its petition office
CLERK = {"clerk"}
NO = frozenset({403, 404})  # 403 inside the jurisdiction without the role, 404 for the informant
CLERK_CITY = {"demo_city_leader": 403, "demo_city_dispatcher": POST_OK}
INFORMANT_404 = {"demo_informant": 404}  # outside the informant's jurisdiction (the web answers one status)
CLERK_CITY_API = {"demo_city_leader": 403, "demo_city_dispatcher": 422}

WEB = {
    "web:ownership_plan": E(SEE, fill=P, method="POST", scoped=True, ok=422),
    "web:ownership_stage": E(SEE, fill=P, method="POST", scoped=True, ok=422),
    "web:reception_days": E(STAFF),
    "web:reception_day_new": E(STAFF),
    "web:reception_day": E(SEE_UNIT, fill=D, scoped=True),
    "web:reception_day_edit": E(MANAGE, fill=D, scoped=True),
    "web:reception_booking_new": E(SEE_UNIT, fill=D, method="POST", scoped=True, ok=422),
    "web:reception_booking_register": E(CLERK, fill=B, method="POST", scoped=True, ok=POST_OK, deny=403,
                                        city=CLERK_CITY | INFORMANT_404),
    "web:reception_booking_cancel": E(MANAGE, fill=B, method="POST", scoped=True, ok=POST_OK, deny=403,
                                      city=INFORMANT_404),
    "web:reception_booking_find": E(STAFF, query="reference=YY-0000-0000"),  # unknown: the form says so
    "web:field_visits": E(STAFF),
    "web:field_visit_new": E(STAFF),
    "web:field_visit": E(SEE_UNIT, fill=V, scoped=True),
    "web:field_visit_matter_new": E(SEE_UNIT, fill=V, method="POST", scoped=True, ok=422),
    "web:field_visit_matter_register": E(CLERK, fill=M, method="POST", scoped=True, ok=POST_OK, deny=403,
                                         city=CLERK_CITY | INFORMANT_404),
}

API = {
    ("POST", "/petitions/{petition_id}/ownership/plan"): E(SEE, fill=P, method="POST", scoped=True, ok=422,
                                                            body="plan"),
    ("POST", "/petitions/{petition_id}/ownership/stage"): E(SEE, fill=P, method="POST", scoped=True, ok=422,
                                                             body="stage"),
    ("GET", "/reception-days"): E(STAFF),
    # the managers are sent an invalid body (422); the others a valid one: 403 for a role of the district
    # without the right, 422 when the unit or leader named lies outside their jurisdiction
    ("POST", "/reception-days"): E(MANAGE, method="POST", ok=422, deny=frozenset({403, 422}),
                                   body="reception_day"),
    ("GET", "/reception-days/{day_id}"): E(SEE_UNIT, fill=D, scoped=True),
    ("POST", "/reception-days/{day_id}/bookings"): E(SEE_UNIT, fill=D, method="POST", scoped=True, ok=422,
                                                     body="booking"),
    ("POST", "/reception-bookings/{booking_id}/register"): E(CLERK, fill={"booking_id": "reception_booking"},
                                                             method="POST", scoped=True, ok=422, deny=NO,
                                                             body="register", city=CLERK_CITY_API),
    ("GET", "/reception-bookings"): E(STAFF, query="reference=YY-0000-0000", ok=404, deny=404),
    ("POST", "/field-visits"): E(MANAGE, method="POST", ok=422, deny=frozenset({403, 422}), body="field_visit"),
    ("GET", "/field-visits/{visit_id}"): E(SEE_UNIT, fill=V, scoped=True),
    ("POST", "/field-visits/{visit_id}/matters"): E(SEE_UNIT, fill=V, method="POST", scoped=True, ok=422,
                                                    body="matter"),
    ("POST", "/field-visit-matters/{matter_id}/register"): E(CLERK, fill={"matter_id": "field_visit_matter"},
                                                             method="POST", scoped=True, ok=422, deny=NO,
                                                             body="register", city=CLERK_CITY_API),
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

    clerk, leader = world.org.users["demo_clerk"], world.org.users["demo_leader"]
    # arranged by the leader themself: no unread notice that a "read all" request could change
    day = services.reception_day_create(actor=leader, leader="demo_leader", unit="DH-ZJ", date=_tomorrow(),
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
