"""包案 over real HTTP: /api/v1/petitions/{id}/ownership (GET, POST), …/ownership/end, …/ownership/transfer
and /api/v1/me/ownerships, with the one error shape."""

from __future__ import annotations

import pytest

from xinfang.oversight.models import Ownership
from xinfang.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_assign_read_end_and_list_over_http(routed, api, org):
    p = routed()
    base = f"/petitions/{p.pk}/ownership"
    r = api("demo_dispatcher").get(base)
    assert r.status == 200, r.body
    state = r.json()
    assert state["active"] is None and state["history"] == [] and state["can_assign"] and not state["can_end"]
    leaders = {x["username"]: x for x in state["leaders"]}
    assert leaders["demo_reviewer"]["unit"] == {"code": "DH", "name": "东湖区人民政府"}
    assert leaders["demo_reviewer"]["name"] == "东复查" and "demo_leader2" not in leaders

    r = api("demo_dispatcher").post(base, {"leader": "demo_reviewer", "note": "一个月内约谈信访人"})
    assert r.status == 201, r.body
    own = r.json()
    assert own["leader"] == {"username": "demo_reviewer", "name": "东复查"} and own["unit"]["code"] == "DH"
    assert own["active"] and not own["resolved"] and own["note"] == "一个月内约谈信访人"
    assert own["petition"] == p.pk and own["petition_number"] == p.number
    assert own["assigned_by"]["username"] == "demo_dispatcher"

    state = api("demo_clerk").get(base).json()  # anyone who sees the petition sees who owns it
    assert state["active"]["id"] == own["id"] and not state["can_assign"] and not state["can_end"]
    assert state["leaders"] == []
    events = api("demo_clerk").get(f"/petitions/{p.pk}/events").json()
    assert events[-1]["action"] == "own" and events[-1]["data"]["leader"] == "demo_reviewer"
    assert events[-1]["label"] == "领导包案"  # named like every other timeline entry

    mine = api("demo_reviewer").get("/me/ownerships")
    assert mine.status == 200 and mine.json()["count"] == 1
    assert mine.json()["results"][0]["petition_number"] == p.number
    assert api("demo_reviewer").get("/me/ownerships?state=ended").json()["count"] == 0

    r = api("demo_reviewer").post(f"{base}/end", {"reason": "工作调整"})
    assert r.status == 200, r.body
    assert r.json()["end_kind"] == "released" and r.json()["end_kind_label"] == "解除包案" and not r.json()["active"]
    state = api("demo_dispatcher").get(base).json()
    assert state["active"] is None and [h["id"] for h in state["history"]] == [own["id"]]
    assert api("demo_reviewer").get("/me/ownerships?state=ended").json()["count"] == 1


def test_leader_by_id_and_transfer(routed, api, org):
    p = routed()
    base = f"/petitions/{p.pk}/ownership"
    r = api("demo_dispatcher").post(base, {"leader": org.users["demo_leader"].pk})
    assert r.status == 201, r.body
    assert r.json()["leader"]["username"] == "demo_leader" and r.json()["unit"]["code"] == "DH-ZJ"
    r = api("demo_dispatcher").post(f"{base}/transfer", {"leader": "demo_reviewer", "reason": "涉及多个部门"})
    assert r.status == 201, r.body
    assert r.json()["leader"]["username"] == "demo_reviewer"
    state = api("demo_dispatcher").get(base).json()
    assert state["history"][0]["end_kind"] == "transferred" and state["history"][0]["end_reason"] == "涉及多个部门"
    assert PetitionEvent.objects.filter(petition=p, action="own_transfer").count() == 1


def test_refusals_have_the_error_shape_and_change_nothing(routed, api, org):
    p = routed()
    base = f"/petitions/{p.pk}/ownership"
    cases = [
        ("demo_dispatcher2", {"leader": "demo_reviewer"}, 404, "not_found", None),
        ("demo_handler", {"leader": "demo_leader"}, 403, "forbidden", None),
        ("demo_dispatcher", {"leader": "demo_handler"}, 422, "invalid", "leader"),
        ("demo_dispatcher", {"leader": "nobody"}, 422, "invalid", "leader"),
        ("demo_dispatcher", {}, 422, "invalid", "leader"),
        ("demo_dispatcher", {"leader": ""}, 422, "invalid", "leader"),
        ("demo_dispatcher", {"leader": ["demo_reviewer"]}, 422, "invalid", "leader"),
        ("demo_dispatcher", {"leader": True}, 422, "invalid", "leader"),
        ("demo_dispatcher", {"leader": "demo_reviewer", "note": "要" * 2001}, 422, "invalid", "note"),
        ("demo_dispatcher", {"leader": "demo\ud800"}, 422, "invalid", "leader"),
        ("demo_dispatcher", {"leader": 2**70}, 422, "invalid", "leader"),
    ]
    for username, body, status, code, field in cases:
        r = api(username).post(base, body)
        assert r.status == status, (body, r.body)
        assert r.error["code"] == code and (field is None or r.error["field"] == field), (body, r.error)
    assert api("demo_dispatcher").post(base, raw=b"{not json").status == 400
    assert api(None).post(base, {"leader": "demo_reviewer"}).status == 401
    assert api(None).get(base).status == 401
    assert api("demo_dispatcher2").get(base).status == 404
    assert api("demo_dispatcher").get("/petitions/999999999/ownership").status == 404
    assert api("demo_dispatcher").post(f"{base}/end", {"reason": "无"}).error["code"] == "conflict"
    assert not Ownership.objects.exists()
    assert not PetitionEvent.objects.filter(action__startswith="own").exists()

    assert api("demo_dispatcher").post(base, {"leader": "demo_reviewer"}).status == 201
    r = api("demo_leader").post(base, {"leader": "demo_leader"})
    assert r.status == 409 and r.error["code"] == "conflict"
    r = api("demo_dispatcher").post(f"{base}/end", {"reason": ""})
    assert r.status == 422 and r.error["field"] == "reason"
    r = api("demo_clerk").post(f"{base}/end", {"reason": "越权"})
    assert r.status == 403 and r.error["code"] == "forbidden"
    r = api("demo_dispatcher").post(f"{base}/transfer", {"leader": "demo_reviewer", "reason": "同一人"})
    assert r.status == 422 and r.error["field"] == "leader"
    assert Ownership.objects.filter(ended_at__isnull=True).count() == 1
    assert api("demo_dispatcher").get("/me/ownerships?state=bogus").status == 422


def test_the_schema_lists_the_ownership_paths(api):
    paths = set(api(None).get("/openapi.json").json()["paths"])
    assert {"/api/v1/petitions/{petition_id}/ownership", "/api/v1/petitions/{petition_id}/ownership/end",
            "/api/v1/petitions/{petition_id}/ownership/transfer", "/api/v1/me/ownerships"} <= paths
