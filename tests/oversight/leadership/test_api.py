"""领导接待日 and 下访 over real HTTP: POST/GET /api/v1/reception-days, bookings, registration, 下访."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from xinfang.oversight.leadership.models import ReceptionBooking, ReceptionDay

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _body(**kw):
    body = {"leader": "demo_leader", "unit": "DH-ZJ", "date": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
            "start_time": "09:00", "end_time": "10:00", "place": "接待中心", "joint_units": ["DH-XF"],
            "lawyers": "李律师", "published": True}
    body.update(kw)
    return body


def test_create_list_get_book_and_register(api):
    clerk = api("demo_clerk")
    r = clerk.post("/reception-days", _body())
    assert r.status == 201, r.body
    day = r.json()
    assert day["leader"]["username"] == "demo_leader" and [s["start_time"] for s in day["slots"]] == ["09:00", "09:30"]
    assert day["joint_units"] == [{"code": "DH-XF", "name": "东湖区信访局"}] and day["published"]
    r = clerk.post("/reception-days", _body(start_time="09:30", end_time="11:00"))
    assert r.status == 409 and r.error["code"] == "conflict"
    r = clerk.post("/reception-days", _body(leader="demo_handler", start_time="14:00", end_time="15:00"))
    assert r.status == 422 and r.error["field"] == "leader"
    r = clerk.post("/reception-days", _body(date="2026-02-31"))
    assert r.status == 422 and r.error["field"] == "date"
    r = clerk.post("/reception-days", raw=b"{not json")
    assert r.status in (400, 422)
    assert api("demo_handler").post("/reception-days", _body(start_time="15:00", end_time="16:00")).status == 403
    assert api(None).get("/reception-days").status == 401

    listing = clerk.get("/reception-days").json()
    assert [d["id"] for d in listing["results"]] == [day["id"]] and listing["count"] == 1
    assert api("demo_clerk2").get("/reception-days").json()["count"] == 0
    assert api("demo_clerk2").get(f"/reception-days/{day['id']}").status == 404
    d = day["date"]
    assert clerk.get(f"/reception-days?from={d}&to={d}&unit=DH-XF&published=true").json()["count"] == 1
    assert clerk.get(f"/reception-days?from={d}&published=false").json()["count"] == 0
    r = clerk.get("/reception-days?from=garbage")
    assert r.status == 422 and r.error["field"] == "from"

    slot = day["slots"][0]["id"]
    r = clerk.post(f"/reception-days/{day['id']}/bookings", {"slot": slot, "name": "王小明", "phone": "13912345678",
                                                             "summary": "停车费"})
    assert r.status == 201, r.body
    booking = r.json()
    assert booking["phone"] == "139****5678" and booking["name"] == "王**"
    r = clerk.post(f"/reception-days/{day['id']}/bookings", {"slot": 999999, "name": "x", "summary": "y"})
    assert r.status == 422
    detail = clerk.get(f"/reception-days/{day['id']}").json()
    assert detail["booked"] == 1 and detail["slots"][0]["bookings"][0]["id"] == booking["id"]
    assert api("demo_clerk2").post(f"/reception-bookings/{booking['id']}/register", {"title": "x"}).status == 404
    assert clerk.post(f"/reception-bookings/{booking['id']}/register", {}).status == 422
    r = clerk.post(f"/reception-bookings/{booking['id']}/register", {"title": "停车费问题"})
    assert r.status == 201, r.body
    assert ReceptionBooking.objects.get(pk=booking["id"]).petition.number == r.json()["number"]
    assert clerk.post(f"/reception-bookings/{booking['id']}/register", {"title": "再次"}).status == 409
    assert ReceptionDay.objects.count() == 1


def test_field_visit_over_http(api):
    leader = api("demo_leader")
    r = leader.post("/field-visits", {"leader": "demo_leader", "date": timezone.localdate().isoformat(),
                                      "region": "990102001", "place": "村委会"})
    assert r.status == 201, r.body
    visit = r.json()
    r = leader.post(f"/field-visits/{visit['id']}/matters", {"content": "村道失修", "name": "赵六",
                                                             "phone": "13700001111"})
    assert r.status == 201 and r.json()["matters"][0]["phone"] == "137****1111"
    matter = r.json()["matters"][0]["id"]
    assert api("demo_leader2").get(f"/field-visits/{visit['id']}").status == 404
    r = api("demo_clerk").post(f"/field-visit-matters/{matter}/register", {"title": "村道失修"})
    assert r.status == 201, r.body
    assert api("demo_clerk").get(f"/field-visits/{visit['id']}").json()["matters"][0]["petition"] == r.json()["id"]


def test_ownership_plan_and_stages_over_http(api, routed):
    p = routed()
    base = f"/petitions/{p.pk}/ownership"
    assert api("demo_leader").post(f"{base}/stage", {"note": "x"}).status == 409  # nobody owns it yet
    r = api("demo_dispatcher").post(base, {"leader": "demo_leader"})
    assert r.status == 201 and r.json()["stage"] == "transfer" and len(r.json()["stages"]) == 4
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    r = api("demo_leader").post(f"{base}/plan", {"plan": "约谈", "dues": {"transfer": due}})
    assert r.status == 200, r.body
    assert r.json()["plan"] == "约谈" and r.json()["stages"][0]["due_date"] == due
    r = api("demo_leader").post(f"{base}/plan", {"dues": {"transfer": "bad"}})
    assert r.status == 422 and r.error["field"] == "due_transfer"
    assert api("demo_handler").post(f"{base}/stage", {"note": "x"}).status == 403
    assert api("demo_leader2").post(f"{base}/stage", {"note": "x"}).status == 404
    r = api("demo_leader").post(f"{base}/stage", {"note": "已转交", "stage": "transfer"})
    assert r.status == 200 and r.json()["stage"] == "progress"
    assert api("demo_leader").post(f"{base}/stage", {"note": "重复", "stage": "transfer"}).status == 409
    state = api("demo_clerk").get(base).json()
    assert [s["state"] for s in state["active"]["stages"]] == ["done", "current", "pending", "pending"]
