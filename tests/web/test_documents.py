"""文书 on the petition page and in the API: listing, PDF/DOCX downloads and the 案卷, scoped by
jurisdiction (another district gets 404), accusers protected, re-issuing a missing document, and the
printable 登记回执 page matching the generated receipt."""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
import tempfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from xinfang.audit.models import AuditEntry
from xinfang.reports.models import IssuedDocument

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _client(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _issue_all(petition):
    from xinfang.reports.notices.services import notices_for_event
    from xinfang.workflow.models import PetitionEvent

    for event in PetitionEvent.objects.filter(petition=petition).order_by("at", "id"):
        notices_for_event(event.pk)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def closed(register, act, media):
    """交办 → 受理 → 答复 → 办结 in 东湖区, every notice issued."""
    with time_machine.travel(NOW, tick=False):
        p, _ = register(title="小区电梯长期停运")
        act("demo_dispatcher", p, "assign", unit="DH-ZJ")
        act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
        act("demo_handler", p, "draft_reply", outcome="support", text="已督促物业公司修复电梯。", basis="《特种设备安全法》")
        act("demo_leader", p, "approve_reply")
        act("demo_dept_dispatcher", p, "close", note="信访人书面表示满意，不再申请复查", waiver=True)
        _issue_all(p)
    return p


def pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], check=True, capture_output=True,
                              text=True).stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"—\s*\d+\s*—", "", text))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_petition_page_lists_the_documents_with_downloads(client, closed):
    page = _client(client, "demo_dispatcher").get(f"/petitions/{closed.pk}/").content.decode()
    docs = list(IssuedDocument.objects.filter(petition=closed).order_by("id"))
    assert [d.kind for d in docs] == ["receipt", "route", "accept", "reply", "completion"]
    assert 'id="documents"' in page
    for doc in docs:
        assert html.escape(doc.number) in page and doc.title in page
        assert f'href="/documents/{doc.pk}.pdf"' in page and f'href="/documents/{doc.pk}.docx"' in page
    assert f'href="/petitions/{closed.pk}/dossier.pdf"' in page and "下载案卷（PDF）" in page
    assert "已督促物业公司修复电梯。" in page  # the replies stay on the card
    assert "/media/" not in page


def test_pdf_and_docx_downloads_are_audited(client, closed):
    c = _client(client, "demo_dispatcher")
    doc = IssuedDocument.objects.get(petition=closed, kind="accept")
    response = c.get(f"/documents/{doc.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and "filename*=utf-8''" in response["Content-Disposition"]
    data = body(response)
    assert data.startswith(b"%PDF-") and "信访事项受理告知书" in flat(pdf_text(data))
    response = c.get(f"/documents/{doc.pk}.docx")
    assert response.status_code == 200 and response["Content-Type"] == DOCX and body(response)[:2] == b"PK"
    assert AuditEntry.objects.filter(action="document.download", object_id=str(doc.pk)).count() == 2


def test_the_dossier_downloads_for_a_closed_petition_only(client, closed, register):
    c = _client(client, "demo_dispatcher")
    response = c.get(f"/petitions/{closed.pk}/dossier.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = flat(pdf_text(response.content))
    assert "信访事项案卷" in text and "卷内目录" in text and "信访事项办结报告" in text
    assert AuditEntry.objects.filter(action="dossier.export", object_id=str(closed.pk)).exists()
    with time_machine.travel(NOW, tick=False):
        open_one, _ = register()
    assert c.get(f"/petitions/{open_one.pk}/dossier.pdf").status_code == 404
    page = c.get(f"/petitions/{open_one.pk}/").content.decode()
    assert "下载案卷" not in page


@pytest.mark.parametrize("path", ["/documents/{doc}.pdf", "/documents/{doc}.docx", "/petitions/{p}/dossier.pdf",
                                  "/api/v1/documents/{doc}.pdf", "/api/v1/documents/{doc}.docx",
                                  "/api/v1/petitions/{p}/documents", "/api/v1/petitions/{p}/dossier.pdf"])
def test_another_district_gets_not_found(client, closed, path):
    doc = IssuedDocument.objects.get(petition=closed, kind="accept")
    c = _client(client, "demo_dispatcher2")
    response = c.get(path.format(doc=doc.pk, p=closed.pk))
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action__in=("document.download", "dossier.export")).exists()


def test_another_district_cannot_regenerate(client, closed):
    c = _client(client, "demo_dispatcher2")
    assert c.post(f"/petitions/{closed.pk}/documents/regenerate/").status_code == 404


def test_unknown_documents_are_not_found(client, closed):
    c = _client(client, "demo_dispatcher")
    assert c.get("/documents/999999.pdf").status_code == 404
    assert c.get("/api/v1/documents/999999.docx").status_code == 404


def test_the_api_lists_and_serves_documents(client, closed):
    c = _client(client, "demo_dispatcher")
    rows = c.get(f"/api/v1/petitions/{closed.pk}/documents").json()
    assert [r["kind"] for r in rows] == ["receipt", "route", "accept", "reply", "completion"]
    reply = next(r for r in rows if r["kind"] == "reply")
    assert reply["number"] == "东建信处〔2026〕1号" and reply["unit"] == {"code": "DH-ZJ", "name": "东湖区住房和城乡建设局"}
    assert reply["ready"] and reply["pdf_url"] == f"/api/v1/documents/{reply['id']}.pdf"
    response = c.get(reply["pdf_url"])
    assert response.status_code == 200 and body(response).startswith(b"%PDF-")
    response = c.get(reply["docx_url"])
    assert response.status_code == 200 and response["Content-Type"] == DOCX
    dossier = c.get(f"/api/v1/petitions/{closed.pk}/dossier.pdf")
    assert dossier.status_code == 200 and dossier.content.startswith(b"%PDF-")


def test_accusers_are_protected_outside_the_handling_chain(client, register, act, media):
    with time_machine.travel(NOW, tick=False):
        p, _ = register(title="举报住建局工作人员索要好处费", nature="accusation", accused_unit="DH-ZJ")
        act("demo_dispatcher", p, "forward", unit="DH-JW")
        _issue_all(p)
    receipt = IssuedDocument.objects.get(petition=p, kind="receipt")
    # the city's petition office sees the district's petitions but is not in this one's handling chain
    city = _client(client, "demo_city_dispatcher")
    page = city.get(f"/petitions/{p.pk}/")
    assert page.status_code == 200
    assert f"/documents/{receipt.pk}.pdf" not in page.content.decode() and "受保护" in page.content.decode()
    assert city.get(f"/documents/{receipt.pk}.pdf").status_code == 404
    rows = city.get(f"/api/v1/petitions/{p.pk}/documents").json()
    assert all(r["pdf_url"] is None and not r["openable"] for r in rows)
    # the receiving office is in the chain
    client.logout()
    office = _client(client, "demo_dispatcher")
    assert office.get(f"/documents/{receipt.pk}.pdf").status_code == 200


def test_a_missing_document_is_shown_and_regenerated(client, closed):
    c = _client(client, "demo_dispatcher")
    doc = IssuedDocument.objects.get(petition=closed, kind="reply")
    doc.pdf.storage.delete(doc.pdf.name)
    IssuedDocument.objects.filter(petition=closed, kind="completion").delete()
    page = c.get(f"/petitions/{closed.pk}/").content.decode()
    assert "文件缺失" in page and "生成中" in page and "重新生成" in page
    assert c.get(f"/documents/{doc.pk}.pdf").status_code == 404
    with time_machine.travel(NOW, tick=False):
        response = c.post(f"/petitions/{closed.pk}/documents/regenerate/")
    assert response.status_code == 302
    assert c.get(f"/documents/{doc.pk}.pdf").status_code == 200
    completion = IssuedDocument.objects.get(petition=closed, kind="completion")
    assert completion.number == "东建信结〔2026〕2号"  # a new number: the deleted one is never reused
    page = c.get(f"/petitions/{closed.pk}/").content.decode()
    assert "文件缺失" not in page and "生成中" not in page


def test_media_files_are_not_served(client, closed, settings):
    doc = IssuedDocument.objects.get(petition=closed, kind="accept")
    c = _client(client, "demo_dispatcher")
    assert c.get(settings.MEDIA_URL + doc.pdf.name).status_code == 404


def test_the_receipt_document_matches_the_receipt_page(client, register, media):
    with time_machine.travel(NOW, tick=False):
        p, _ = register()
        _issue_all(p)
        page = _client(client, "demo_clerk").get(f"/petitions/{p.pk}/receipt/").content.decode()
    receipt = IssuedDocument.objects.get(petition=p, kind="receipt")
    with receipt.pdf.open("rb") as f:
        text = flat(pdf_text(f.read()))
    page_text = flat(html.unescape(re.sub(r"<[^>]+>", " ", page.split('<article class="receipt">')[1])))
    sentences = ["东湖区信访局", "信访事项登记回执", f"编号：{p.number}", "张*", "来访", "2026年3月2日09:00",
                 "小区物业违规收取停车费", "已告知",
                 "您于2026年3月2日以来访形式提出的信访事项，东湖区信访局已经登记。",
                 "依照《信访工作条例》第二十二条、第二十三条的规定，本机关将自收到之日起15日内（2026年3月17日前）"
                 "告知您是否受理，或者转送、交办有权处理的机关、单位办理的情况。",
                 "查询码只告知一次，请妥善保管，不要告诉他人。", "本回执仅证明信访事项已登记，不作为受理的凭证。",
                 "东湖区信访局（盖章）", "2026年3月2日", "登记人：东登记"]
    for sentence in sentences:
        assert sentence in page_text, f"page: {sentence}"
        assert sentence in text, f"document: {sentence}"
