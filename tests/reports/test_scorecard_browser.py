"""In a real browser: a supervisor ranks the district's units, opens the league table, records a 约谈 about
东湖区住建局 citing an overdue petition; the department's leader gets the notice and sees the record on
the petition page."""

from __future__ import annotations

import pytest
from report_builders import bulk, local

from xinfang.workflow.models import Deadline

pytestmark = pytest.mark.django_db(transaction=True)


def test_scorecard_league_and_accountability(org, page, login, live_server):
    p = bulk(1, unit="DH-XF", handling_unit="DH-ZJ", channel="letter", received_at=local(2026, 3, 1),
             title="楼盘漏水长期未处理")[0]
    Deadline.objects.create(petition=p, kind="handle", start=local(2026, 3, 1).date(), days=60,
                            due=local(2026, 5, 1).date())
    login("demo_supervisor")
    page.click("a[data-nav=scorecard]")
    page.wait_for_selector("table.scorecard")
    page.fill("input[name=from]", "2026-01-01")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector('tr[data-unit="DH-ZJ"][data-rank="1"]')
    assert page.inner_text('tr[data-unit="DH-ZJ"] td[data-overdue]') == "1"
    page.click("a[data-nav=league]")
    page.fill("input[name=from]", "2026-01-01")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector(f"text={p.number}")
    page.click("a[data-nav=accountability]")
    page.click("text=新建问责记录")
    page.select_option("select[name=kind]", "interview")
    page.select_option("select[name=unit]", "DH-ZJ")
    page.fill("textarea[name=reason]", "超期未办结")
    page.fill("textarea[name=decision]", "约谈分管负责人")
    page.fill("input[name=document_no]", "东信督〔2026〕9号")
    page.fill("textarea[name=petitions]", p.number)
    page.click("form.accountability-form button[type=submit]")
    page.wait_for_selector(f'[data-cited="{p.number}"]')
    page.context.clear_cookies()
    login("demo_leader")
    page.goto(live_server.url + f"/petitions/{p.pk}/")
    page.wait_for_selector("section.accountability-panel")
    assert "约谈" in page.inner_text("section.accountability-panel")
    from xinfang.notifications.models import Notification

    assert Notification.objects.filter(kind="accountability", recipient__username="demo_leader").exists()
