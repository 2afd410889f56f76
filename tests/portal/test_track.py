"""Tracking a case on the portal: number + code (POSTed only) -> the case page in plain words naming
units only; the same answer for a wrong number and a wrong code; opening the written opinion records
its electronic delivery and opens the 复查 window; 满意度评价 once; 复查 to a lawful body only; another
session sees nothing; leaving forgets the case."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from xinfang.reports.models import IssuedDocument
from xinfang.workflow.models import Deadline, Delivery, Evaluation, PetitionEvent

STAFF_NAMES = ("东登记", "东分办", "东承办", "东领导", "东部门分办")
FORWARD_NOTE = "请依职责办理并按时答复（内部说明）"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _profile(db):
    """A stored public profile (as an installation has one)."""
    from xinfang.portal.models import PortalProfile

    PortalProfile.objects.create(name="示范市网上信访")


def _issue_all(petition):
    """Run the notice job of every move (in production a background job after commit)."""
    from xinfang.reports.notices.services import notices_for_event

    for event in PetitionEvent.objects.filter(petition=petition).order_by("at", "id"):
        notices_for_event(event.pk)


def _tracked(petition, code, address="198.51.100.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/portal/track/", {"number": petition.number, "code": code})
    assert response.status_code == 302 and response["Location"] == "/portal/track/case/"
    return client


def _opinion(petition) -> IssuedDocument:
    return IssuedDocument.objects.get(petition=petition, kind="reply")


@pytest.fixture
def forwarded(register, act):
    p, code = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ", note=FORWARD_NOTE)
    p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    p = act("demo_handler", p, "note", text="已电话联系物业经理王某（内部记录）")
    _issue_all(p)
    return p, code


@pytest.fixture
def opinion_case(replied_case):
    p, code = replied_case
    _issue_all(p)
    return p, code


def test_the_form_posts_number_and_code(client):
    response = client.get("/portal/track/")
    body = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<form method="post" action="/portal/track/"', body)
    assert 'name="number"' in body and 'name="code"' in body


def test_case_page_in_plain_words_names_units_not_staff(forwarded):
    p, code = forwarded
    client = _tracked(p, code)
    body = client.get("/portal/track/case/").content.decode()
    assert "东湖区住房和城乡建设局正在办理。" in body
    assert "东湖区信访局登记了您的信访事项" in body
    assert "东湖区信访局将信访事项转送至东湖区住房和城乡建设局" in body
    assert "东湖区住房和城乡建设局受理了信访事项" in body
    for name in STAFF_NAMES:
        assert name not in body, name
    assert FORWARD_NOTE not in body and "王某" not in body and "办理记录" not in body
    assert "demo_" not in body
    assert "13800138000" not in body and "11010519491231002X" not in body
    assert "办结并出具处理意见" in body and "告知是否受理" in body
    assert "受理告知书" in body  # a document addressed to the petitioner


def test_the_receipt_page_hides_the_clerk(forwarded):
    p, code = forwarded
    client = _tracked(p, code)
    receipt = IssuedDocument.objects.get(petition=p, kind="receipt")
    response = client.post(f"/portal/track/document/{receipt.pk}/")
    assert response.status_code == 302
    body = client.get(f"/portal/track/document/{receipt.pk}/").content.decode()
    assert "信访事项登记回执" in body and p.number in body
    for name in STAFF_NAMES:
        assert name not in body, name
    assert "张三" not in body  # the petitioner's name is masked


def test_wrong_number_and_wrong_code_answer_alike(case):
    p, code = case
    other = p.number[:-6] + "999999"
    wrong_code = "ZZZZZZZZ" if code != "ZZZZZZZZ" else "YYYYYYYY"
    a = Client(REMOTE_ADDR="198.51.100.2").post("/portal/track/", {"number": other, "code": code})
    b = Client(REMOTE_ADDR="198.51.100.3").post("/portal/track/", {"number": p.number, "code": wrong_code})
    assert a.status_code == b.status_code == 400

    def norm(r, number):
        body = r.content.decode().replace(number, "NUMBER")
        return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", body)

    assert norm(a, other) == norm(b, p.number)
    assert "信访件编号或查询码不正确" in a.content.decode()
    assert code not in a.content.decode() and wrong_code not in b.content.decode()


def test_the_code_is_never_in_a_url(opinion_case):
    p, code = opinion_case
    client = Client(REMOTE_ADDR="198.51.100.4")
    locations = []
    response = client.post("/portal/track/", {"number": p.number, "code": code}, follow=True)
    locations += [url for url, _status in response.redirect_chain]
    doc = _opinion(p)
    response = client.post(f"/portal/track/document/{doc.pk}/", follow=True)
    locations += [url for url, _status in response.redirect_chain]
    assert locations and all(code not in url and "code" not in url for url in locations)
    assert code not in response.content.decode()
    # GET parameters are never read
    fresh = Client(REMOTE_ADDR="198.51.100.5")
    response = fresh.get("/portal/track/", {"number": p.number, "code": code})
    assert response.status_code == 200 and fresh.get("/portal/track/case/").status_code == 302


def test_opening_the_opinion_delivers_it_and_opens_the_review_window(opinion_case):
    p, code = opinion_case
    client = _tracked(p, code)
    doc = _opinion(p)
    case_body = client.get("/portal/track/case/").content.decode()
    assert "请先点击下方意见书的“查看”按钮" in case_body
    # GET of the undelivered opinion: only the button, no content
    body = client.get(f"/portal/track/document/{doc.pk}/").content.decode()
    assert "经核实，停车收费已按规定公示" not in body and "《物业管理条例》" not in body
    assert f'action="/portal/track/document/{doc.pk}/"' in body
    assert client.get(f"/portal/track/document/{doc.pk}/pdf/").status_code == 302  # not before opening
    assert not Delivery.objects.filter(petition=p).exists()
    assert not Deadline.objects.filter(petition=p, kind="review_request").exists()

    response = client.post(f"/portal/track/document/{doc.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/portal/track/document/{doc.pk}/"
    delivery = Delivery.objects.get(petition=p)
    assert delivery.method == "electronic" and delivery.by is None and delivery.reply_id is not None
    window = Deadline.objects.get(petition=p, kind="review_request")
    assert window.met_at is None and not window.cancelled and window.start == delivery.delivered_at

    body = client.get(f"/portal/track/document/{doc.pk}/").content.decode()
    assert "经核实，停车收费已按规定公示" in body and "《物业管理条例》" in body
    assert window.due.isoformat() in body
    for name in STAFF_NAMES:
        assert name not in body, name
    # opening again records nothing more
    client.post(f"/portal/track/document/{doc.pk}/")
    assert Delivery.objects.filter(petition=p).count() == 1

    pdf = client.get(f"/portal/track/document/{doc.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert "attachment" not in pdf.get("Content-Disposition", "")


def test_a_missing_pdf_is_a_404_with_a_message(opinion_case):
    p, code = opinion_case
    client = _tracked(p, code)
    receipt = IssuedDocument.objects.get(petition=p, kind="receipt")
    receipt.pdf.delete(save=False)
    response = client.get(f"/portal/track/document/{receipt.pk}/pdf/")
    assert response.status_code == 404
    assert "暂时无法提供" in response.content.decode()


def test_the_completion_report_is_not_shown(register, act):
    p, code = register()
    act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    act("demo_handler", p, "draft_reply", outcome="support", text="已退还。", basis="《价格法》")
    act("demo_leader", p, "approve_reply")
    _issue_all(p)
    report = IssuedDocument.objects.get(petition=p, kind="completion")
    client = _tracked(p, code)
    body = client.get("/portal/track/case/").content.decode()
    assert "办结报告" not in body and report.number not in body
    assert client.get(f"/portal/track/document/{report.pk}/").status_code == 404
    assert client.post(f"/portal/track/document/{report.pk}/").status_code == 404


def test_evaluate_once(opinion_case):
    p, code = opinion_case
    client = _tracked(p, code)
    client.post(f"/portal/track/document/{_opinion(p).pk}/")
    p.refresh_from_db()
    body = client.get("/portal/track/case/").content.decode()
    assert 'action="/portal/track/evaluate/"' in body
    # 不满意 without a reason: refused, nothing stored
    response = client.post("/portal/track/evaluate/", {"case": p.pk, "version": p.version, "level": "dissatisfied"})
    assert response.status_code == 400 and "不满意理由" in response.content.decode()
    assert not Evaluation.objects.exists()
    response = client.post("/portal/track/evaluate/", {"case": p.pk, "version": p.version, "level": "satisfied"})
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(petition=p)
    assert evaluation.source == "citizen" and evaluation.level == "satisfied" and evaluation.by is None
    p.refresh_from_db()
    response = client.post("/portal/track/evaluate/", {"case": p.pk, "version": p.version, "level": "basically"})
    assert response.status_code == 409 and "只能评价一次" in response.content.decode()
    assert Evaluation.objects.filter(petition=p).count() == 1


def test_stale_version_asks_to_retry(opinion_case):
    p, code = opinion_case
    client = _tracked(p, code)
    client.post(f"/portal/track/document/{_opinion(p).pk}/")
    response = client.post("/portal/track/evaluate/", {"case": p.pk, "version": p.version, "level": "satisfied"})
    assert response.status_code == 409 and "请查看最新情况后重试" in response.content.decode()
    response = client.post("/portal/track/evaluate/", {"case": p.pk, "version": "x", "level": "satisfied"})
    assert response.status_code == 409
    assert not Evaluation.objects.exists()


def test_request_review_to_a_lawful_body_only(opinion_case):
    from xinfang.org.hierarchy import review_bodies

    p, code = opinion_case
    client = _tracked(p, code)
    # before the opinion was opened: no form, a note
    response = client.post("/portal/track/review/", {"case": p.pk, "version": p.version, "unit": "DH",
                                                     "reason": "不服"})
    assert response.status_code == 409 and "请先点击下方意见书" in response.content.decode()
    client.post(f"/portal/track/document/{_opinion(p).pk}/")
    p.refresh_from_db()
    lawful = review_bodies(p.handling_unit)
    body = client.get("/portal/track/case/").content.decode()
    assert 'action="/portal/track/review/"' in body
    for unit in lawful:
        assert f'value="{unit.code}"' in body
    # a unit that is not a lawful body: refused, nothing changes
    response = client.post("/portal/track/review/", {"case": p.pk, "version": p.version, "unit": "DH-XF",
                                                     "reason": "收费依据不足"})
    assert response.status_code == 400 and "只能向以下机关申请" in response.content.decode()
    response = client.post("/portal/track/review/", {"case": p.pk, "version": p.version, "unit": lawful[0].code,
                                                     "reason": ""})
    assert response.status_code == 400 and "请填写申请理由" in response.content.decode()
    p.refresh_from_db()
    assert p.status == "replied" and p.review_unit_id is None
    response = client.post("/portal/track/review/", {"case": p.pk, "version": p.version, "unit": lawful[0].code,
                                                     "reason": "收费依据不足，请求复查"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == "under_review" and p.review_unit_id == lawful[0].pk
    body = client.get("/portal/track/case/").content.decode()
    assert f"您已申请复查，{lawful[0].name}正在复查。" in body
    assert f"您向{lawful[0].name}申请复查" in body


def test_another_session_cannot_open_the_documents(opinion_case, register):
    p, code = opinion_case
    doc = _opinion(p)
    stranger = Client(REMOTE_ADDR="198.51.100.9")
    assert stranger.get(f"/portal/track/document/{doc.pk}/").status_code == 404
    assert stranger.post(f"/portal/track/document/{doc.pk}/").status_code == 404
    assert stranger.get(f"/portal/track/document/{doc.pk}/pdf/").status_code == 404
    # a session holding another case
    q, q_code = register(title="另一件事")
    other = _tracked(q, q_code, "198.51.100.10")
    assert other.get(f"/portal/track/document/{doc.pk}/").status_code == 404
    assert other.post(f"/portal/track/document/{doc.pk}/").status_code == 404
    response = other.post("/portal/track/evaluate/", {"case": p.pk, "version": p.version, "level": "satisfied"})
    assert response.status_code == 302 and response["Location"] == "/portal/track/"
    assert not Delivery.objects.filter(petition=p).exists() and not Evaluation.objects.exists()
    assert p.number not in other.get("/portal/track/case/").content.decode()


def test_leave_forgets_the_case(case):
    p, code = case
    client = _tracked(p, code)
    assert client.get("/portal/track/case/").status_code == 200
    response = client.post("/portal/track/leave/")
    assert response.status_code == 302 and response["Location"] == "/portal/track/"
    response = client.get("/portal/track/case/")
    assert response.status_code == 302 and response["Location"] == "/portal/track/"


def test_posts_need_csrf(case):
    p, code = case
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.11")
    assert client.post("/portal/track/", {"number": p.number, "code": code}).status_code == 403


def test_moves_are_rate_limited_per_address(opinion_case, settings):
    settings.XINFANG_PORTAL = {"ACT_ADDRESS_HOUR": 2}
    p, code = opinion_case
    client = _tracked(p, code, "198.51.100.12")
    receipt = IssuedDocument.objects.get(petition=p, kind="receipt")
    assert client.post(f"/portal/track/document/{receipt.pk}/").status_code == 302
    assert client.post(f"/portal/track/document/{receipt.pk}/").status_code == 302
    response = client.post(f"/portal/track/document/{_opinion(p).pk}/")
    assert response.status_code == 429 and "操作过于频繁" in response.content.decode()
    assert not Delivery.objects.filter(petition=p).exists()


def test_rereview_after_the_review_opinion_is_opened(opinion_case, act):
    from xinfang.org.hierarchy import review_bodies

    p, code = opinion_case
    client = _tracked(p, code)
    client.post(f"/portal/track/document/{_opinion(p).pk}/")
    p.refresh_from_db()
    first = review_bodies(p.handling_unit)[0]
    client.post("/portal/track/review/", {"case": p.pk, "version": p.version, "unit": first.code, "reason": "不服"})
    p.refresh_from_db()
    assert p.review_unit_id == first.pk
    p = act("demo_reviewer", p, "answer_review", outcome="explain", text="复查认为原处理意见并无不当。",
            basis="《信访工作条例》第三十五条")
    _issue_all(p)
    review_doc = IssuedDocument.objects.get(petition=p, kind="review")
    body = client.get("/portal/track/case/").content.decode()
    assert f"{first.name}已出具复查意见" in body and "请先点击下方意见书" in body
    assert "复查认为原处理意见并无不当" not in client.get(f"/portal/track/document/{review_doc.pk}/").content.decode()
    client.post(f"/portal/track/document/{review_doc.pk}/")
    assert Delivery.objects.get(petition=p, reply__kind="review").method == "electronic"
    window = Deadline.objects.get(petition=p, kind="rereview_request")
    body = client.get(f"/portal/track/document/{review_doc.pk}/").content.decode()
    assert "复查认为原处理意见并无不当" in body and window.due.isoformat() in body
    lawful = review_bodies(first)
    p.refresh_from_db()
    body = client.get("/portal/track/case/").content.decode()
    assert "申请复核" in body and all(f'value="{u.code}"' in body for u in lawful)
    response = client.post("/portal/track/review/", {"case": p.pk, "version": p.version, "unit": first.code,
                                                     "reason": "仍不服"})
    assert response.status_code == 400  # the 复查 body cannot answer the 复核
    response = client.post("/portal/track/review/", {"case": p.pk, "version": p.version, "unit": lawful[0].code,
                                                     "reason": "仍不服，请求复核"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == "under_rereview" and p.review_unit_id == lawful[0].pk


def test_internal_moves_stay_off_the_timeline(register, act):
    p, code = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ", note=FORWARD_NOTE)
    p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    p = act("demo_handler", p, "note", text="走访了物业公司（内部记录）")
    p = act("demo_handler", p, "request_extension", days=30, reason="需要补充调查（内部申请）")
    p = act("demo_handler", p, "draft_reply", outcome="support", text="初稿内容甲", basis="依据甲")
    p = act("demo_leader", p, "return_reply", note="请补充事实（退回意见）")
    p = act("demo_dispatcher", p, "declare_conflict", reason="与信访人系亲属（回避理由）")
    client = _tracked(p, code)
    body = client.get("/portal/track/case/").content.decode()
    for secret in ("内部记录", "内部申请", "初稿内容甲", "退回意见", "回避理由", "退回修改", "申请回避", "拟写",
                   "办理记录", "申请延期", *STAFF_NAMES):
        assert secret not in body, secret
    assert "东湖区住房和城乡建设局正在办理。" in body
    entries = re.findall(r"<li><time[^>]*>[^<]*</time>([^<]*)</li>", body)
    assert [e.strip() for e in entries] == ["东湖区信访局登记了您的信访事项", "东湖区信访局将信访事项转送至东湖区住房和城乡建设局",
                                            "东湖区住房和城乡建设局受理了信访事项"]


@pytest.mark.parametrize("data, words", [
    ({"number": "", "code": "ABCDEFGH"}, "请填写信访件编号"),
    ({"number": "DH-XF-2026-000001", "code": ""}, "请填写查询码"),
    ({"number": "DH-XF-2026-\x00001", "code": "ABCDEFGH"}, "信访件编号或查询码不正确"),
    ({"number": "D" * 5000, "code": "A" * 5000}, "信访件编号或查询码不正确"),
])
def test_bad_track_input_is_a_clear_error(case, data, words):
    response = Client(REMOTE_ADDR="198.51.100.20").post("/portal/track/", data)
    assert response.status_code == 400 and words in response.content.decode()
    assert "A" * 17 not in response.content.decode()


def test_a_case_page_without_a_case_goes_back_to_the_form(client):
    response = client.get("/portal/track/case/", follow=True)
    assert response.redirect_chain == [("/portal/track/", 302)]
    assert "请输入信访件编号和查询码" in response.content.decode()
    assert client.get("/portal/track/document/1/").status_code == 404
    assert client.post("/portal/track/evaluate/", {"level": "satisfied"}).status_code == 302
