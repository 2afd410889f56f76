"""The whole day of one collective visit, in a real browser, as its staff see it: registered at the
counter, routed, accepted, handled, approved, found again by search; and the language switch."""

from __future__ import annotations

import pytest
from intake_helpers import id_number

from xinfang.petitions.models import Petition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORD = "补偿"  # a two-character word from the content


def _as(page, login, username):
    page.context.clear_cookies()
    return login(username)


def _open_from_queue(page, live_server, key, number):
    page.goto(f"{live_server.url}/queue/{key}/")
    page.click(f"text={number}")
    page.wait_for_load_state("networkidle")


def _act(page, action, fill=None, select=None):
    details = page.locator(f"details:has(summary[data-action={action}])")
    if not details.evaluate("el => el.open"):
        page.click(f"summary[data-action={action}]")
    form = page.locator(f"form[action$='/act/{action}/']")
    for name, value in (fill or {}).items():
        form.locator(f"[name={name}]").fill(value)
    for name, value in (select or {}).items():
        form.locator(f"select[name={name}]").select_option(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_collective_visit_from_counter_to_approved_reply(org, login, live_server):
    # 1. the clerk registers a collective visit of 6 with 5 representatives
    page = login("demo_clerk")
    page.goto(live_server.url + "/intake/visit/")
    for i in range(6):
        if i:
            page.keyboard.press("Alt+n")
            page.wait_for_selector(f"input[name=p-{i}-name]")
        page.fill(f"input[name=p-{i}-name]", f"村民{i + 1:02d}")
        page.fill(f"input[name=p-{i}-id_number]", id_number(i + 11))
        if i < 5:
            page.check(f"input[name=p-{i}-rep]")
    page.fill("input[name=title]", "桃园村征地补偿款未足额发放")
    page.fill("textarea[name=content]", "桃园村六户村民反映，去年征地的补偿款至今未足额发放，多次找村委会无果。")
    page.fill("input[name=category]", "国土/自然资源 / 土地征收 / 征地补偿")
    page.fill("input[name=problem_region]", "示范省 / 示范市 / 东湖区 / 青山镇 / 桃园村")
    page.click("#intake-save")
    page.wait_for_url("**/petitions/*/")
    p = Petition.objects.get()
    assert p.visit_kind == "collective" and p.headcount == 6
    assert p.number in page.inner_text("main")

    # 2. the petition bureau's dispatcher routes it (交办) to the housing department
    page = _as(page, login, "demo_dispatcher")
    _open_from_queue(page, live_server, "route", p.number)
    _act(page, "assign", fill={"unit": "DH-ZJ", "note": "请依法核查处理"})
    assert "已转交办" in page.inner_text(".status-pill")

    # 3. the department accepts it and names the handler
    page = _as(page, login, "demo_dept_dispatcher")
    _open_from_queue(page, live_server, "accept", p.number)
    _act(page, "accept", select={"handler": "demo_handler"})
    assert "办理中" in page.inner_text(".status-pill")

    # 4. the handler finds it in the queue and drafts the reply
    page = _as(page, login, "demo_handler")
    page.goto(live_server.url + "/queue/handle/")
    assert page.get_by_text(p.number).count() == 1
    _open_from_queue(page, live_server, "handle", p.number)
    _act(page, "draft_reply", select={"outcome": "support"},
         fill={"text": "经核实，补偿款已于本月足额发放到户。", "basis": "《土地管理法》第四十八条"})
    assert "答复待审批" in page.inner_text(".status-pill")

    # 5. the leader approves it
    page = _as(page, login, "demo_leader")
    _open_from_queue(page, live_server, "approve", p.number)
    _act(page, "approve_reply")
    assert "已答复" in page.inner_text(".status-pill")
    p.refresh_from_db()
    assert p.status == "replied" and p.replied_at is not None
    timeline = page.inner_text("ol.timeline.events")
    for label in ("登记", "交办", "受理", "拟写处理意见", "审批处理意见"):
        assert label in timeline

    # 6. search finds it by a two-character word of its content
    page.goto(f"{live_server.url}/search/?q={WORD}")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(p.number).count() == 1


def test_switch_to_english_and_back(org, login, live_server):
    page = login("demo_clerk")
    assert "工作台" in page.inner_text("nav.sidenav")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    page.wait_for_load_state("networkidle")
    nav = page.inner_text("nav.sidenav")
    assert "Workbench" in nav and "工作台" not in nav
    assert page.evaluate("document.documentElement.lang") == "en"
    with page.expect_navigation():
        page.select_option("#lang-select", "zh-hans")
    page.wait_for_load_state("networkidle")
    assert "工作台" in page.inner_text("nav.sidenav")
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
