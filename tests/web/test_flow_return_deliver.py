"""A leader sends a draft reply back, the handler revises it, the leader approves it and the clerk
records its delivery by post, in a real browser; the 复查 window then runs from the delivery."""

from __future__ import annotations

import pytest
from django.utils import timezone
from test_flow import _act, _as, _open_from_queue

from xinfang.workflow.models import Deadline, Delivery, Reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_return_revise_approve_and_deliver_by_post(org, login, live_server, register, act):
    p, _ = register(title="小区电梯长期故障无人维修")
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    p = act("demo_handler", p, "draft_reply", outcome="support", text="责令物业限期维修。", basis="《物业管理条例》")

    # the leader returns the draft with a note
    page = login("demo_leader")
    _open_from_queue(page, live_server, "approve", p.number)
    _act(page, "return_reply", fill={"note": "请写明维修期限和监督措施"})
    assert "办理中" in page.inner_text(".status-pill")
    assert "请写明维修期限和监督措施" in page.inner_text("ol.timeline.events")

    # the handler revises it
    page = _as(page, login, "demo_handler")
    _open_from_queue(page, live_server, "handle", p.number)
    _act(page, "draft_reply", select={"outcome": "support"},
         fill={"text": "责令物业公司于30日内完成维修，由街道办事处监督落实。", "basis": "《物业管理条例》第五十五条"})
    assert "答复待审批" in page.inner_text(".status-pill")

    # the leader approves the revision
    page = _as(page, login, "demo_leader")
    _open_from_queue(page, live_server, "approve", p.number)
    _act(page, "approve_reply")
    assert "已答复" in page.inner_text(".status-pill")

    # the clerk finds it in 待送达 and records delivery by post
    page = _as(page, login, "demo_clerk")
    page.goto(f"{live_server.url}/queue/deliver/")
    assert page.get_by_text(p.number).count() == 1
    _open_from_queue(page, live_server, "deliver", p.number)
    today = timezone.localdate()
    _act(page, "deliver", select={"method": "post"},
         fill={"delivered_at": today.isoformat(), "tracking_no": "EMS1029384756"})
    main = page.inner_text("main")
    assert f"邮寄送达 {today.isoformat()}" in main and "EMS1029384756" in main and "已退回修改" in main
    timeline = page.inner_text("ol.timeline.events")
    for label in ("退回修改", "审批处理意见", "送达"):
        assert label in timeline
    d = Delivery.objects.get(petition=p)
    assert (d.method, d.tracking_no, d.delivered_at) == ("post", "EMS1029384756", today)
    replies = Reply.objects.filter(petition=p).order_by("id")
    assert [r.returned_at is not None for r in replies] == [True, False]
    window = Deadline.objects.get(petition=p, kind="review_request")
    assert window.start == today
    page.goto(f"{live_server.url}/queue/deliver/")
    assert page.get_by_text(p.number).count() == 0
