"""The whole lawful path of one petition, from registration to 复核终结."""

from xinfang.audit.services import audit_verify
from xinfang.petitions.choices import Status


def test_full_path_to_final(register, act):
    p, code = register(headcount=6, channel="visit")
    assert p.visit_kind == "collective" and p.status == Status.REGISTERED and len(code) == 8
    p = act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    assert p.status == Status.ROUTED and p.handling_unit.code == "DH-ZJ"
    p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    assert p.status == Status.IN_HANDLING and p.due_kind == "handle"
    p = act("demo_handler", p, "draft_reply", outcome="support", text="责令退还", basis="《物业管理条例》")
    assert p.status == Status.REPLY_PENDING
    p = act("demo_leader", p, "approve_reply")
    assert p.status == Status.REPLIED and p.due_kind == ""  # no 复查 window before delivery
    p = act("demo_clerk", p, "deliver", method="post", tracking_no="EMS0001")
    assert p.status == Status.REPLIED and p.due_kind == "review_request"
    p = act("demo_clerk", p, "request_review")
    assert p.status == Status.UNDER_REVIEW and p.review_unit.code == "DH"
    p = act("demo_reviewer", p, "answer_review", outcome="explain", text="维持原意见", basis="《信访工作条例》",
            delivered=True)
    assert p.status == Status.REVIEWED
    p = act("demo_clerk", p, "request_rereview")
    assert p.status == Status.UNDER_REREVIEW and p.review_unit.code == "SF"
    p = act("demo_city_leader", p, "answer_rereview", outcome="explain", text="维持", basis="《信访工作条例》")
    assert p.status == Status.FINAL and p.closed_at is not None
    assert audit_verify().ok
