"""In a real Chromium: demo_informant files an urgent report on the phone page (390 px wide), and the
town's leader sees it on the home page and acknowledges it, after which it is gone from that page."""

from __future__ import annotations

from xinfang.oversight.screening.models import InformantReport, UrgentAlert

PHONE = {"width": 390, "height": 844}
TITLE = "白沙小区业主扬言周五集体上访"


def _fits(page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (selector, box)


def test_browser_urgent_report_at_phone_width_and_its_acknowledgement(org, login, page, live_server):
    page.set_viewport_size(PHONE)
    login("demo_informant")
    page.wait_for_selector("[data-informant-panel]")
    page.click("a[data-report-new]")
    page.wait_for_selector("form[data-report-form]")
    for selector in ("input[name=title]", "textarea[name=content]", "select[name=region]",
                     "input[name=people_involved]", "form[data-report-form] button[type=submit]"):
        _fits(page, selector)  # one column, nothing wider than the phone
    assert page.locator("input[name=title]").bounding_box()["height"] >= 36  # large enough to touch
    page.fill("input[name=title]", TITLE)
    page.fill("textarea[name=content]", "约三十名业主在微信群商议周五到区政府集体上访，有人扬言采取过激行为。")
    page.fill("input[name=people_involved]", "约30名业主")
    page.check("input[name=urgent]")
    page.click("form[data-report-form] button[type=submit]")
    page.wait_for_selector("ul[data-reports] li[data-report]")
    assert TITLE in page.inner_text("ul[data-reports]") and "紧急" in page.inner_text("ul[data-reports]")
    report = InformantReport.objects.get()
    assert report.urgent and report.reporter.username == "demo_informant"
    assert set(UrgentAlert.objects.values_list("user__username", flat=True)) == {"demo_town_leader", "demo_reviewer"}

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 768})
    login("demo_town_leader")
    page.goto(live_server.url + "/")
    banner = page.wait_for_selector(f"[data-urgent-report='{report.pk}']")
    assert TITLE in banner.inner_text()
    page.click(f"button[data-ack='{report.pk}']")
    page.wait_for_selector("ul.messages")
    assert page.query_selector("[data-urgent-alerts]") is None
    page.goto(live_server.url + "/")
    page.wait_for_selector("h1")
    assert page.query_selector(f"[data-urgent-report='{report.pk}']") is None
    alerts = {a.user.username: a.acknowledged_at for a in UrgentAlert.objects.select_related("user")}
    assert alerts["demo_town_leader"] is not None and alerts["demo_reviewer"] is None
