"""The citizen's whole journey on a phone (issue 11, must show), in a real Chromium 375 px wide: submit a
petition online, track it with the number and code, open the written opinion (its delivery is recorded,
method electronic, and the 30-day 复查 window opens), evaluate it, and request a 复查 from a lawful body.
The staff's moves in between go through the workflow services, as the workbench would make them."""

from __future__ import annotations

import pytest

from xinfang.petitions.models import Petition
from xinfang.workflow.models import Deadline, Delivery, Evaluation, PetitionEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VALID_ID = "11010519491231002X"
PHONE = "13700137000"
PHONE_WIDTH = 375


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def office(org):
    """The portal registers online petitions at 东湖区信访局 (DH-XF)."""
    from xinfang.org.models import Unit
    from xinfang.portal.models import PortalProfile

    return PortalProfile.objects.create(name="东湖区网上信访", unit=Unit.objects.get(code="DH-XF"),
                                        phone="0000-0000000", reception_place="东湖区人民来访接待中心")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def _answer(act, petition):
    """Staff: forward to 东湖区住建局, accept, answer and approve (not handed over: not delivered)."""
    from xinfang.reports.notices.services import notices_for_event

    p = act("demo_dispatcher", petition, "forward", unit="DH-ZJ", note="内部：请住建局核实")
    p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    p = act("demo_handler", p, "draft_reply", outcome="explain", text="经核实，停车收费已按规定公示。",
            basis="《物业管理条例》第四十四条")
    p = act("demo_leader", p, "approve_reply")
    for event in PetitionEvent.objects.filter(petition=p).order_by("at", "id"):
        notices_for_event(event.pk)  # in production the notice job, after the commit
    return p


def test_submit_track_open_evaluate_and_request_review_on_a_phone(office, page, live_server, act):
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    base = live_server.url

    # 1. submit
    page.goto(base + "/portal/")
    assert _fits(page)
    page.click("a[href='/portal/submit/']")
    page.check("input[name=nature][value=appeal]")
    page.fill("#id_title", "小区物业乱收停车费")
    page.fill("#id_content", "幸福小区物业公司强行收取地面停车费，业主多次反映无果。")
    page.fill("#id_demands", "请求责令物业公司退还停车费。")
    page.select_option("#id_category", "010101")
    page.select_option("#id_problem_region", "990102001")
    page.fill("#id_name", "李四")
    page.fill("#id_id_number", VALID_ID)
    page.fill("#id_phone", PHONE)
    assert _fits(page)
    page.click("button.block[type=submit]")
    page.wait_for_url("**/portal/submit/done/")
    number, code = page.text_content("[data-number]").strip(), page.text_content("[data-code]").strip()
    assert _fits(page)
    petition = Petition.objects.get(number=number)
    assert (petition.channel, petition.receiving_unit.code, petition.status) == ("online", "DH-XF", "registered")
    assert code not in page.url

    # staff answer it
    petition = _answer(act, petition)
    assert petition.status == "replied" and not Delivery.objects.filter(petition=petition).exists()

    # 2. track: the number and the code are POSTed, never in a URL
    page.goto(base + "/portal/track/")
    page.fill("input[name=number]", number)
    page.fill("input[name=code]", code)
    page.click("button[type=submit].block")
    page.wait_for_url("**/portal/track/case/")
    assert code not in page.url and number not in page.url
    body = page.text_content("main")
    assert "东湖区住房和城乡建设局" in body or "住建" in body
    for hidden in ("内部：请住建局核实", "东承办", "东领导", "东分办"):
        assert hidden not in body
    assert _fits(page)

    # 3. open the written opinion: its delivery is recorded (electronic) and the 复查 window opens
    opinion = page.locator("form[action*='/portal/track/document/']", has_text="处理意见书")
    assert "查看即视为送达" in opinion.text_content()
    opinion.locator("button").click()
    page.wait_for_url("**/portal/track/document/*/")
    assert "经核实，停车收费已按规定公示。" in page.text_content("main")
    delivery = Delivery.objects.get(petition=petition)
    assert delivery.method == "electronic"
    window = Deadline.objects.get(petition=petition, kind="review_request")
    assert window.start == delivery.delivered_at and window.met_at is None
    assert _fits(page)

    # 4. evaluate (不满意 needs a reason)
    page.goto(base + "/portal/track/case/")
    page.check("input[name=level][value=dissatisfied]")
    page.fill("#id_eval_reason", "停车费仍未退还。")
    with page.expect_navigation():
        page.click("form[action='/portal/track/evaluate/'] button[type=submit]")
    evaluation = Evaluation.objects.get(petition=petition)
    assert (evaluation.level, evaluation.source, evaluation.reason) == ("dissatisfied", "citizen", "停车费仍未退还。")

    # 5. request a 复查 from a lawful body, with the reason
    bodies = [(o.get_attribute("value"), o.text_content()) for o in page.locator("#id_unit option").all()
              if o.get_attribute("value")]
    assert bodies, "the lawful review bodies are offered"
    page.select_option("#id_unit", bodies[0][0])
    page.fill("#id_reason", "处理意见未解决退费问题，申请复查。")
    with page.expect_navigation():
        page.click("form[action='/portal/track/review/'] button[type=submit]")
    assert page.url.endswith("/portal/track/case/")
    petition.refresh_from_db()
    assert petition.status == "under_review" and petition.review_unit is not None
    assert petition.review_unit.code == bodies[0][0]
    from xinfang.org.hierarchy import review_bodies

    assert {code for code, _name in bodies} == {u.code for u in review_bodies(petition.handling_unit)}
    assert _fits(page)
