"""督办 and 批示 over the API, real HTTP: issue through the typed move, the order in the target unit's
notifications (GET /notifications), report / return / accept, the scope (404 outside), bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from xinfang.oversight.supervision.models import Supervision

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _due(days=10):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _version(api, user, pid):
    return api(user).get(f"/petitions/{pid}").json()["version"]


def test_supervise_over_api_reaches_target_notifications_and_closes(api, routed):
    p = routed()
    sup_api, leader = api("demo_supervisor"), api("demo_leader")
    r = sup_api.post(f"/petitions/{p.pk}/actions/supervise", {
        "version": _version(api, "demo_supervisor", p.pk), "requirement": "限期十日办结", "due_on": _due(),
        "listed": True})
    assert r.status == 200, r.body
    sup = Supervision.objects.get()
    inbox = leader.get("/notifications?kind=supervision").json()
    assert inbox["count"] == 1 and inbox["results"][0]["petition"] == p.pk
    assert p.number in inbox["results"][0]["title"]
    assert api("demo_dept_dispatcher").get("/notifications?kind=supervision").json()["count"] == 1
    assert api("demo_clerk").get("/notifications?kind=supervision").json()["count"] == 0

    listed = sup_api.get("/supervisions?listed=true&status=waiting").json()
    assert [s["id"] for s in listed["results"]] == [sup.pk]
    assert leader.get("/supervisions?mine=todo").json()["count"] == 1
    assert api("demo_supervisor2").get("/supervisions").json()["count"] == 0
    assert api("demo_supervisor2").get(f"/supervisions/{sup.pk}").status == 404
    assert api("demo_leader2").post(f"/supervisions/{sup.pk}/report", {"kind": "result", "text": "x"}).status == 404
    assert sup_api.get("/supervisions/0").status in (404, 422)
    assert sup_api.get(f"/supervisions/{2**70}").status in (404, 422)
    assert sup_api.get("/supervisions?status=bogus").status == 422

    bad = leader.post(f"/supervisions/{sup.pk}/report", {"kind": "final", "text": "x"})
    assert bad.status == 422
    bad = leader.post(f"/supervisions/{sup.pk}/report", {"kind": "result", "text": "a\u0000b"})
    assert bad.status == 422
    assert api("demo_clerk").post(f"/supervisions/{sup.pk}/report", {"kind": "result", "text": "x"}).status == 403
    r = leader.post(f"/supervisions/{sup.pk}/report", {"kind": "result", "text": "已办结"})
    assert r.status == 200 and r.json()["status"] == "reported"
    r = sup_api.post(f"/supervisions/{sup.pk}/return", {"note": ""})
    assert r.status == 422 and r.error["field"] == "note"
    r = sup_api.post(f"/supervisions/{sup.pk}/return", {"note": "请附凭证"})
    assert r.status == 200 and r.json()["status"] == "returned"
    assert sup_api.post(f"/supervisions/{sup.pk}/accept", {}).status == 409
    leader.post(f"/supervisions/{sup.pk}/report", {"kind": "result", "text": "附凭证"})
    r = sup_api.post(f"/supervisions/{sup.pk}/accept", {"note": "同意销号"})
    assert r.status == 200, r.body
    body = r.json()
    assert body["status"] == "accepted" and body["closed_at"] and len(body["reports"]) == 2
    assert [x["decision"] for x in body["reports"]] == ["returned", "accepted"]
    events = [e["action"] for e in sup_api.get(f"/petitions/{p.pk}/events").json()]
    assert events[-1] == "supervision_accept" and "supervise" in events


def test_supervise_refusals_over_api(api, routed):
    p = routed()
    sup_api = api("demo_supervisor")
    v = _version(api, "demo_supervisor", p.pk)
    past = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    r = sup_api.post(f"/petitions/{p.pk}/actions/supervise", {"version": v, "requirement": "x", "due_on": past})
    assert r.status == 422 and r.error["field"] == "due_on"
    r = sup_api.post(f"/petitions/{p.pk}/actions/supervise", {"version": v, "requirement": "x", "due_on": _due(),
                                                             "unit": "XS-ZJ"})
    assert r.status == 422 and r.error["field"] == "unit"
    r = api("demo_supervisor2").post(f"/petitions/{p.pk}/actions/supervise",
                                     {"version": v, "requirement": "x", "due_on": _due()})
    assert r.status == 404
    assert not Supervision.objects.exists()


def test_instructions_over_api(api, routed):
    p = routed()
    r = api("demo_reviewer").post(f"/petitions/{p.pk}/actions/instruct", {
        "version": _version(api, "demo_reviewer", p.pk), "text": "请依法处理，五日内反馈", "due_on": _due(5)})
    assert r.status == 200, r.body
    mine = api("demo_reviewer").get("/instructions?mine=leader").json()
    assert mine["count"] == 1
    iid = mine["results"][0]["id"]
    assert api("demo_dept_dispatcher").get("/instructions?mine=todo").json()["count"] == 1
    assert api("demo_dept_dispatcher").get("/notifications?kind=instruction").json()["count"] == 1
    r = api("demo_dept_dispatcher").post(f"/instructions/{iid}/report", {"text": "已调查核实"})
    assert r.status == 200 and r.json()["status"] == "reported"
    assert api("demo_dept_dispatcher").post(f"/instructions/{iid}/close", {"note": "x"}).status == 403
    assert api("demo_leader2").post(f"/instructions/{iid}/close", {"note": "x"}).status == 404
    assert api("demo_reviewer").post(f"/instructions/{iid}/close", {}).status == 422
    r = api("demo_reviewer").post(f"/instructions/{iid}/close", {"note": "办结"})
    assert r.status == 200 and r.json()["status"] == "closed"
