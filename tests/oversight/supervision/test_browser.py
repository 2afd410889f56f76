"""Browser (real Chromium): a supervision order from issue to 销号. demo_supervisor issues a 挂牌督办 on
the petition page; 东湖区住建局's leader finds it in 待办 and reports the result; the supervisor accepts
it (销号), and it leaves the board."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from xinfang.oversight.supervision.models import Supervision


def _as(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "xinfang-demo-2026")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _submit(page, form_selector):
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_supervision_from_issue_to_closure(routed, page, live_server):
    p = routed()
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()

    _as(page, live_server, "demo_supervisor")
    page.goto(f"{live_server.url}/petitions/{p.pk}/")
    page.click("summary[data-action=supervise]")
    form = "form[action$='/act/supervise/']"
    page.fill(f"{form} textarea[name=requirement]", "请于七日内约谈信访人，落实退费并报告结果")
    page.fill(f"{form} input[name=due_on]", due)
    page.check(f"{form} input[name=listed]")
    _submit(page, form)
    sup = Supervision.objects.get()
    assert sup.listed and sup.target_unit.code == "DH-ZJ"
    page.wait_for_selector(f"[data-supervision='{sup.pk}'][data-status=open]")
    page.goto(f"{live_server.url}/supervision/board/")
    page.wait_for_selector(f"tr[data-supervision='{sup.pk}']")

    _as(page, live_server, "demo_leader")
    assert page.inner_text("a[data-nav='queue:supervision'] .badge") == "1"  # 待办: 督办件 (1)
    page.click("a[data-nav='queue:supervision']")
    page.wait_for_load_state("networkidle")
    page.click(f"tr[data-supervision='{sup.pk}'] a")
    page.wait_for_load_state("networkidle")
    page.click(f"[data-supervision='{sup.pk}'] summary[data-supervision-action=report]")
    rform = f"form[action$='/supervision/{sup.pk}/report/']"
    page.select_option(f"{rform} select[name=kind]", "result")
    page.fill(f"{rform} textarea[name=text]", "已约谈信访人，物业公司已退还停车费")
    _submit(page, rform)
    page.wait_for_selector(f"[data-supervision='{sup.pk}'][data-status=reported]")
    assert Supervision.objects.get().status == "reported"

    _as(page, live_server, "demo_supervisor")
    page.wait_for_selector("#supervisor-work")  # the supervisor's home: awaiting the decision
    page.click(f"#supervisor-work tr[data-supervision='{sup.pk}'] a")
    page.wait_for_load_state("networkidle")
    page.click(f"[data-supervision='{sup.pk}'] summary[data-supervision-action=accept]")
    aform = f"form[action$='/supervision/{sup.pk}/accept/']"
    page.fill(f"{aform} textarea[name=note]", "同意销号")
    _submit(page, aform)
    page.wait_for_selector(f"[data-supervision='{sup.pk}'][data-status=accepted]")
    sup.refresh_from_db()
    assert sup.status == "accepted" and sup.closed_at is not None
    page.goto(f"{live_server.url}/supervision/board/")
    page.wait_for_load_state("networkidle")
    assert page.locator(f"tr[data-supervision='{sup.pk}']").count() == 0
