"""/api/v1/informant-reports and /api/v1/risks over real HTTP, and the Must-show: an urgent report
notifies the district's leaders after one worker pass."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from xinfang.notifications.models import Notification
from xinfang.oversight.screening.models import InformantReport, RiskItem

pytestmark = pytest.mark.django_db(transaction=True)

URGENT = {"title": "桃园小区业主计划周五集体上访", "content": "约三十名业主在微信群商议周五到区政府集体上访。",
          "region": "990102001001", "people_involved": "约30名业主", "urgent": True}


def test_an_urgent_report_reaches_the_district_leaders_after_one_worker_pass(api):
    r = api("demo_informant").post("/informant-reports", URGENT)
    assert r.status == 201, r.body
    body = r.json()
    assert body["urgent"] and body["unit"]["code"] == "DH-T1-V1" and body["alerted"] == 2
    assert body["region"]["code"] == "990102001001" and body["status"] == "new"
    call_command("worker", "--once", stdout=io.StringIO())
    for leader in ("demo_reviewer", "demo_town_leader"):
        note = Notification.objects.get(recipient__username=leader, kind="informant_urgent")
        assert URGENT["title"] in note.title and note.link == f"/screening/reports/{body['id']}/"
    assert not Notification.objects.filter(kind="informant_urgent", recipient__username__in=[
        "demo_town_leader2", "demo_reviewer2", "demo_leader", "demo_city_leader"]).exists()
    inbox = api("demo_reviewer").get("/notifications")
    if inbox.status != 404:  # the inbox API (notifications area) lists it too
        assert inbox.status == 200
        assert [(n["kind"], n["title"]) for n in inbox.json()["results"] if n["kind"] == "informant_urgent"] == [
            ("informant_urgent", f"紧急信息：{URGENT['title']}")]


def test_informant_reports_scope_and_validation(api):
    assert api("demo_informant").post("/informant-reports", {**URGENT, "urgent": False}).status == 201
    assert api("demo_informant2").post("/informant-reports", {"title": "西山", "content": "内容"}).status == 201
    mine = api("demo_informant").get("/informant-reports").json()
    assert mine["count"] == 1 and mine["results"][0]["title"] == URGENT["title"]
    assert [x["title"] for x in api("demo_informant2").get("/informant-reports").json()["results"]] == ["西山"]
    assert api("demo_dispatcher").get("/informant-reports").json()["count"] == 1
    assert api("demo_handler").get("/informant-reports").json()["count"] == 0
    assert api("demo_city_leader").get("/informant-reports?status=new").json()["count"] == 2
    # only informants file; bad input answers 422 with the field; nothing stored
    r = api("demo_clerk").post("/informant-reports", URGENT)
    assert r.status == 403 and r.error["code"] == "forbidden"
    for body, field in [({**URGENT, "title": ""}, "title"), ({**URGENT, "content": "a\x00"}, "content"),
                        ({**URGENT, "region": "nowhere"}, "region"), ({**URGENT, "urgent": "maybe"}, "urgent"),
                        ({**URGENT, "title": "x" * 201}, "title"), ({"content": "x"}, "title")]:
        r = api("demo_informant").post("/informant-reports", body)
        assert r.status == 422 and r.error["field"] == field, (body, r.body)
    assert api("demo_informant").post("/informant-reports", raw=b"{nope").status == 400
    assert api(None).post("/informant-reports", URGENT).status == 401
    assert InformantReport.objects.count() == 2


def test_the_risk_ledger_api_is_scoped_and_filtered(api, org):
    from xinfang.oversight.screening.services import risk_create

    a = risk_create(actor=org.users["demo_clerk"], data={"title": "高风险", "unit": "DH-T1-V1", "level": "high",
                                                         "due": "2020-01-01"})
    risk_create(actor=org.users["demo_clerk"], data={"title": "低风险", "unit": "DH-T2", "level": "low"})
    risk_create(actor=org.users["demo_clerk2"], data={"title": "西山", "level": "major"})
    got = api("demo_dispatcher").get("/risks").json()
    assert got["count"] == 2 and {x["title"] for x in got["results"]} == {"高风险", "低风险"}
    assert [x["title"] for x in api("demo_town_leader").get("/risks").json()["results"]] == ["高风险"]
    high = api("demo_dispatcher").get("/risks?level=high&status=active&overdue=true").json()["results"]
    assert [(x["id"], x["overdue"], x["unit"]["code"]) for x in high] == [(a.pk, True, "DH-T1-V1")]
    assert api("demo_dispatcher").get("/risks?unit=DH-T2").json()["count"] == 1
    assert api("demo_dispatcher").get("/risks?due_before=2020-12-31").json()["count"] == 1
    assert api("demo_city_leader").get("/risks").json()["count"] == 3
    assert api("demo_dispatcher").get("/risks?level=huge").status == 422
    assert api("demo_dispatcher").get("/risks?due_before=2020-13-01").status == 422
    assert api("demo_informant").get("/risks").status == 403
    assert RiskItem.objects.count() == 3
