"""The law's second pass over real HTTP: deliver, return_reply and declare_conflict as actions, and the
refusals an integrator must be able to rely on (409 with a Chinese message, 422 naming the field)."""

import pytest

from xinfang.petitions.models import Petition
from xinfang.workflow.models import ConflictDeclaration, Delivery, Reply

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REPLY = {"outcome": "explain", "text": "经核实，收费符合规定。", "basis": "《物业管理条例》"}


def _ok(r):
    assert r.status == 200, r.body
    return r.json()


def _in_handling(clients, registered):
    p = registered()
    p = _ok(clients("demo_dispatcher").act(p, "forward", unit="DH-ZJ"))
    return _ok(clients("demo_dept_dispatcher").act(p, "accept", handler="demo_handler"))


def _pending(clients, registered):
    p = _in_handling(clients, registered)
    return _ok(clients("demo_handler").act(p, "draft_reply", **REPLY))


def test_return_reply_then_approve_then_deliver_by_post(clients, registered):
    p = _pending(clients, registered)
    r = clients("demo_leader").act(p, "return_reply")
    assert r.status == 422 and r.error["field"] == "note"
    p = _ok(clients("demo_leader").act(p, "return_reply", note="请补充事实依据"))
    assert p["status"] == "in_handling"
    p = _ok(clients("demo_handler").act(p, "draft_reply", **{**REPLY, "basis": "《物业管理条例》第四十条"}))
    p = _ok(clients("demo_leader").act(p, "approve_reply"))
    assert p["status"] == "replied"
    assert "deliver" in _ok(clients("demo_clerk").get(f"/petitions/{p['id']}"))["allowed_actions"]
    p = _ok(clients("demo_clerk").act(p, "deliver", method="post", tracking_no="EMS1122334455"))
    assert p["due_kind"] == "review_request"
    d = Delivery.objects.get(petition_id=p["id"])
    assert (d.method, d.tracking_no) == ("post", "EMS1122334455")
    assert list(Reply.objects.filter(petition_id=p["id"]).order_by("id").values_list("return_note", flat=True)) == [
        "请补充事实依据", ""]
    events = [e["action"] for e in _ok(clients("demo_clerk").get(f"/petitions/{p['id']}/events"))]
    assert events[-4:] == ["return_reply", "draft_reply", "approve_reply", "deliver"]


def test_close_while_the_window_is_open_answers_409_in_chinese(clients, registered):
    p = _pending(clients, registered)
    p = _ok(clients("demo_leader").act(p, "approve_reply", delivered=True))
    r = clients("demo_dept_dispatcher").act(p, "close", note="办结")
    assert r.status == 409
    assert r.error["code"] == "illegal_transition" and "复查" in r.error["message"]
    assert Petition.objects.get(pk=p["id"]).status == "replied"
    p = _ok(clients("demo_dept_dispatcher").act(p, "close", waiver=True, note="信访人书面表示满意"))
    assert p["status"] == "closed"


def test_an_unlawful_review_unit_answers_422_naming_unit(clients, registered):
    p = _pending(clients, registered)
    p = _ok(clients("demo_leader").act(p, "approve_reply", delivered=True))
    for unit in ("DH-RS", "XS", "DH-JW", "DH-T1"):
        r = clients("demo_clerk").act(p, "request_review", unit=unit)
        assert r.status == 422, unit
        assert r.error["field"] == "unit" and "本级人民政府" in r.error["message"]
    p = _ok(clients("demo_clerk").act(p, "request_review", unit="SF-ZJ"))
    assert p["status"] == "under_review"


def test_evaluate_without_a_reply_answers_409(clients, registered):
    p = registered()
    r = clients("demo_clerk").act(p, "evaluate", level="satisfied")
    assert r.status == 409
    assert "满意度评价" in r.error["message"]


def test_declare_conflict_as_an_action(clients, registered):
    p = _in_handling(clients, registered)
    r = clients("demo_handler").act(p, "declare_conflict")
    assert r.status == 422 and r.error["field"] == "reason"
    p = _ok(clients("demo_handler").act(p, "declare_conflict", reason="信访人是我的邻居"))
    assert p["status"] == "accepted" and not p["handler"]
    assert ConflictDeclaration.objects.filter(petition_id=p["id"], user__username="demo_handler").exists()
    r = clients("demo_leader").act(p, "assign_handler", handler="demo_handler")
    assert r.status == 409 and "回避" in r.error["message"]
