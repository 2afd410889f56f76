"""The lifecycle over real HTTP: the happy path, stale versions, illegal moves, jurisdiction."""

import pytest

from xinfang.petitions.models import Petition

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_happy_path_register_assign_accept_reply_approve(clients, registered):
    p = registered(headcount=6)
    assert p["status"] == "registered"

    r = clients("demo_dispatcher").act(p, "assign", unit="DH-ZJ", note="请依法处理")
    assert r.status == 200, r.body
    p = r.json()
    assert p["status"] == "routed" and p["handling_unit"]["code"] == "DH-ZJ" and p["version"] == 2

    r = clients("demo_dept_dispatcher").act(p, "accept", handler="demo_handler")
    assert r.status == 200, r.body
    p = r.json()
    assert p["status"] == "in_handling" and p["handler"] == "demo_handler" and p["due_kind"] == "handle"

    r = clients("demo_handler").act(p, "draft_reply", outcome="support", text="责令物业公司退还停车费。",
                                    basis="《物业管理条例》")
    assert r.status == 200, r.body
    p = r.json()
    assert p["status"] == "reply_pending"

    r = clients("demo_leader").act(p, "approve_reply", note="同意")
    assert r.status == 200, r.body
    p = r.json()
    assert p["status"] == "replied" and p["replied_at"] and p["version"] == 5
    assert "request_review" in clients("demo_clerk").get(f"/petitions/{p['id']}").json()["allowed_actions"]

    r = clients("demo_clerk").get(f"/petitions/{p['id']}/events")
    assert r.status == 200
    events = r.json()
    assert [e["action"] for e in events] == ["register", "assign", "accept", "draft_reply", "approve_reply"]
    assert events[1]["to_status"] == "routed" and events[1]["actor"] == "东分办"  # staff by name
    assert events[-1]["to_status"] == "replied" and events[-1]["label"] == "审批处理意见"


def test_stale_version_answers_409_and_changes_nothing(clients, registered):
    p = registered()
    dispatcher = clients("demo_dispatcher")
    assert dispatcher.act(p, "assign", unit="DH-ZJ").status == 200
    r = dispatcher.act(p, "assign", unit="DH-JY")  # still version 1
    assert r.status == 409
    assert r.error["code"] == "stale_version" and r.error["field"] == "version"
    stored = Petition.objects.get(pk=p["id"])
    assert stored.version == 2 and stored.handling_unit.code == "DH-ZJ"


def test_missing_or_wrong_version_type_answers_422(clients, registered):
    p = registered()
    for body in ({"unit": "DH-ZJ"}, {"version": "1", "unit": "DH-ZJ"}, {"version": True, "unit": "DH-ZJ"}):
        r = clients("demo_dispatcher").post(f"/petitions/{p['id']}/actions/assign", body)
        assert r.status == 422, body
        assert r.error["field"] == "version"


def test_illegal_move_answers_409(clients, registered):
    p = registered()
    r = clients("demo_dispatcher").act(p, "approve_reply")  # nothing to approve in state registered
    assert r.status == 409 and r.error["code"] == "illegal_transition"
    assert "已登记" in r.error["message"]
    r = clients("demo_clerk").act(p, "assign", unit="DH-ZJ")  # the clerk sees it but may not route it
    assert r.status == 409 and r.error["code"] == "illegal_transition"
    assert Petition.objects.get(pk=p["id"]).version == 1


def test_unknown_action_answers_404(clients, registered):
    p = registered()
    for action in ("fly", "register", "ASSIGN", "x" * 300):
        r = clients("demo_dispatcher").act(p, action)
        assert r.status == 404, action
        assert r.error["code"] == "not_found"


def test_accusation_cannot_be_assigned_to_the_accused_unit(clients, registered):
    p = registered(nature="accusation", accused_unit="DH-ZJ", title="举报住建局工作人员违规收费",
                   category=None)
    r = clients("demo_dispatcher").act(p, "assign", unit="DH-ZJ")
    assert r.status == 409
    assert r.error["code"] == "forbidden_route" and r.error["field"] == "unit"
    assert "被检举控告" in r.error["message"]
    stored = Petition.objects.get(pk=p["id"])
    assert stored.status == "registered" and stored.handling_unit is None and stored.version == 1
    # to the discipline body it goes
    assert clients("demo_dispatcher").act(p, "assign", unit="DH-JW").status == 200


def test_other_district_sees_nothing_of_district_one(clients, registered):
    p = registered()
    outsider = clients("demo_handler2")
    listed = outsider.get("/petitions", params={"page_size": 200})
    assert listed.status == 200
    assert p["id"] not in [row["id"] for row in listed.json()["results"]]
    assert outsider.get("/petitions", params={"q": p["number"]}).json()["count"] == 0
    for path in (f"/petitions/{p['id']}", f"/petitions/{p['id']}/events", f"/petitions/{p['id']}/similar"):
        r = outsider.get(path)
        assert r.status == 404, path
        assert r.error["code"] == "not_found"
    for user, action, params in (("demo_handler2", "note", {"text": "x"}),
                                 ("demo_dispatcher2", "assign", {"unit": "XS-ZJ"}),
                                 ("demo_dispatcher2", "accept", {})):
        r = clients(user).act(p, action, **params)
        assert r.status == 404, (user, action, r.body)
        assert r.error["code"] == "not_found"
    r = outsider.upload(p["id"], "evidence.pdf", b"%PDF-1.4\n%%EOF\n")
    assert r.status == 404
    # the answers are the same as for an id that does not exist at all
    assert outsider.get("/petitions/999999999").error == outsider.get(f"/petitions/{p['id']}").error
    assert Petition.objects.get(pk=p["id"]).version == 1
    # and the owners do see it
    assert clients("demo_dispatcher").get(f"/petitions/{p['id']}").status == 200


def test_list_detail_similar(clients, registered):
    first = registered(title="第一次反映停车费")
    second = registered(title="再次反映停车费")
    clerk = clients("demo_clerk")
    r = clerk.get("/petitions", params={"page_size": 1})
    assert r.status == 200
    page = r.json()
    assert page["count"] == 2 and page["page_size"] == 1 and len(page["results"]) == 1
    r = clerk.get(f"/petitions/{second['id']}/similar")
    assert r.status == 200
    found = [(c["id"], c["kind"]) for c in r.json()["candidates"]]
    assert found == [(first["id"], "repeat")]  # the same petitioner, the same matter (同人同事)
    detail = clerk.get(f"/petitions/{first['id']}").json()
    assert detail["number"] == first["number"] and "query_code" not in detail


def test_similar_never_links_a_hidden_accuser(clients, registered):
    appeal = registered(title="反映停车费")
    accusation = registered(nature="accusation", accused_unit="DH-ZJ", title="举报住建局违规收费", category=None)
    # the district government sees both (jurisdiction) but is outside the accusation's handling chain
    outsider = clients("demo_reviewer")
    assert outsider.get(f"/petitions/{accusation['id']}").json()["petitioners_hidden"] is True
    assert outsider.get(f"/petitions/{accusation['id']}/similar", params={"all": 1}).json() == {"candidates": []}
    seen = outsider.get(f"/petitions/{appeal['id']}/similar", params={"all": 1}).json()["candidates"]
    assert accusation["id"] not in [c["id"] for c in seen]
    # the receiving office, inside the chain, sees the link
    inside = clients("demo_dispatcher")
    seen = inside.get(f"/petitions/{appeal['id']}/similar", params={"all": 1}).json()["candidates"]
    assert accusation["id"] in [c["id"] for c in seen]
