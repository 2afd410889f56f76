"""Reply assistance on the petition page: the panel of similar answered petitions on the drafting forms,
the 检查草稿 button, and the check of the pending draft on the approval form (Django test client)."""

from __future__ import annotations

import pytest
from django.test import Client

from xinfang.petitions.models import Petition

PARKING = dict(title="物业违规收取地面停车费", content="和平社区物业公司违规收取地面停车费，每月三百元，业主多次反映无果。",
               demands="请求退还停车费；要求公开小区公共收益账目。", category="010101")
REPLY = "经核实，和平社区物业公司收取地面停车费未经业主大会表决。" + "已责令物业公司停止收费并退还已收费用。" * 20
GOOD = {"outcome": "support",
        "text": "经调查核实，物业公司收取地面停车费未经业主大会同意，已责令退还停车费，并按季度公开小区公共收益账目。"
                "如不服本意见，可自收到之日起30日内向上一级行政机关请求复查。",
        "basis": "根据《物业管理条例》第五十五条规定。"}


def _to_handler(register, act, **fields):
    p, _ = register(**fields)
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "accept")
    return act("demo_leader", p, "assign_handler", handler="demo_handler")


@pytest.fixture
def cases(register, act):
    answered = _to_handler(register, act, **PARKING)
    answered = act("demo_handler", answered, "draft_reply", outcome="support", text=REPLY, basis="《物业管理条例》")
    answered = act("demo_leader", answered, "approve_reply")
    other = _to_handler(register, act, title="拖欠工资", content="和平社区停车场工人被拖欠工资三个月。", category="02")
    other = act("demo_handler", other, "draft_reply", outcome="support", text="经查，已督促支付。", basis="《劳动法》")
    act("demo_leader", other, "approve_reply")
    target = _to_handler(register, act, title="小区物业乱收停车费", content="和平社区物业公司今年开始收取地面停车费，业主不同意。",
                         demands="请求退还停车费；要求公开小区公共收益账目。", category="010101")
    return {"answered": answered, "other": other, "target": Petition.objects.get(pk=target.pk)}


@pytest.fixture
def as_user(users):
    def _client(username):
        c = Client()
        c.force_login(users[username])
        return c
    return _client


def test_the_drafting_form_has_the_panel_and_the_check_button(cases, as_user):
    p = cases["target"]
    html = as_user("demo_handler").get(f"/petitions/{p.pk}/").content.decode()
    assert f'hx-get="/petitions/{p.pk}/reply-aid/"' in html
    assert f'hx-post="/petitions/{p.pk}/reply-check/"' in html
    assert "检查草稿" in html


def test_the_panel_lists_similar_answered_petitions(cases, as_user):
    p, answered = cases["target"], cases["answered"]
    c = as_user("demo_handler")
    fragment = c.get(f"/petitions/{p.pk}/reply-aid/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body
    assert answered.number in body and cases["other"].number not in body  # another first-level category
    assert "支持" in body and "<details>" in body and REPLY[:40] in body  # long reply: expandable
    assert "待审批草稿检查" not in body  # the drafting form shows no pending-draft check
    page = c.get(f"/petitions/{p.pk}/reply-aid/").content.decode()  # without JavaScript: a whole page
    assert "<html" in page and answered.number in page


def test_check_button_flags_the_draft_being_typed(cases, as_user):
    p = cases["target"]
    c = as_user("demo_handler")
    r = c.post(f"/petitions/{p.pk}/reply-check/", {"outcome": "", "text": "已处理。", "basis": ""}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and "<html" not in body
    for code in ("outcome_missing", "facts_missing", "basis_missing", "review_notice_missing", "demands_unanswered"):
        assert f'data-flag="{code}"' in body, code
    assert "要求公开小区公共收益账目" in body
    ok = c.post(f"/petitions/{p.pk}/reply-check/", GOOD).content.decode()
    assert 'data-flag="none"' in ok and "<html" in ok
    assert Petition.objects.get(pk=p.pk).replies.count() == 0  # a check saves nothing


def test_the_approval_form_checks_the_pending_draft(cases, as_user, act):
    p = cases["target"]
    act("demo_handler", p, "draft_reply", outcome="support", text="已处理。", basis="无")
    c = as_user("demo_leader")
    html = c.get(f"/petitions/{p.pk}/").content.decode()
    assert f'hx-get="/petitions/{p.pk}/reply-aid/?approve=1"' in html
    body = c.get(f"/petitions/{p.pk}/reply-aid/?approve=1", HTTP_HX_REQUEST="true").content.decode()
    assert "待审批草稿检查" in body
    for code in ("facts_missing", "basis_missing", "review_notice_missing", "demands_unanswered"):
        assert f'data-flag="{code}"' in body, code
    assert 'data-flag="outcome_missing"' not in body
    assert cases["answered"].number in body


def test_no_pending_draft(cases, as_user):
    p = cases["target"]
    body = as_user("demo_leader").get(f"/petitions/{p.pk}/reply-aid/?approve=1", HTTP_HX_REQUEST="true")
    assert "没有待审批的草稿" in body.content.decode()


@pytest.mark.parametrize(("username", "status"), [("demo_clerk", 403), ("demo_analyst", 403), ("demo_admin", 403),
                                                  ("demo_handler2", 404), ("demo_leader2", 404)])
def test_who_may_use_it(cases, as_user, username, status):
    p = cases["target"]
    c = as_user(username)
    assert c.get(f"/petitions/{p.pk}/reply-aid/").status_code == status
    assert c.post(f"/petitions/{p.pk}/reply-check/", GOOD).status_code == status


def test_anonymous_methods_and_absent(cases, as_user):
    p = cases["target"]
    for url in (f"/petitions/{p.pk}/reply-aid/", f"/petitions/{p.pk}/reply-check/"):
        r = Client().get(url)
        assert r.status_code == 302 and "/login/" in r["Location"]
    c = as_user("demo_handler")
    assert c.get(f"/petitions/{p.pk}/reply-check/").status_code == 405
    assert c.post(f"/petitions/{p.pk}/reply-aid/").status_code == 405
    assert c.get("/petitions/999999/reply-aid/").status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_the_browser_panel_loads_and_check_button_stays_on_the_page(cases, login, live_server):
    p = cases["target"]
    page = login("demo_handler")
    page.goto(f"{live_server.url}/petitions/{p.pk}/")
    page.click("summary[data-action=draft_reply]")
    form = page.locator("form[action$='/act/draft_reply/']")
    form.locator(".reply-aid .kb-results ol.reply-similar").wait_for()
    assert cases["answered"].number in form.locator(".reply-aid").inner_text()
    form.locator("textarea[name=text]").fill("已处理。")
    form.locator("button.reply-check-button").click()
    form.locator("[data-flag=basis_missing]").wait_for()
    assert form.locator("[data-flag=outcome_missing]").count() == 1
    assert page.url == f"{live_server.url}/petitions/{p.pk}/"
    form.locator("select[name=outcome]").select_option("support")
    form.locator("textarea[name=text]").fill(GOOD["text"])
    form.locator("textarea[name=basis]").fill(GOOD["basis"])
    form.locator("button.reply-check-button").click()
    form.locator("[data-flag=none]").wait_for()
    assert Petition.objects.get(pk=p.pk).replies.count() == 0
