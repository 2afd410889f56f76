"""案卷: a finished petition's cover, contents with page numbers, record, timeline, every notice as issued
and its attachments, as one PDF; looked at with poppler."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from notice_helpers import NAME, NOW, PHONE, VALID_ID, flat, ink, pdf_fonts, pdf_text, png_pages, run

pytestmark = pytest.mark.django_db


def _png(color=(30, 90, 160)) -> bytes:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (600, 400), (255, 255, 255))
    draw = ImageDraw.Draw(im)
    draw.rectangle((40, 40, 560, 360), fill=color)
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def _evidence_pdf() -> bytes:
    from weasyprint import HTML

    html = ('<html><body style="font-family: Noto Serif CJK SC"><h1>现场照片说明</h1>'
            '<p>证据材料第一页</p><p style="break-before: page">证据材料第二页</p></body></html>')
    return HTML(string=html).write_pdf()


@pytest.fixture
def closed_petition(register, act, settings, tmp_path):
    """交办, 受理, 答复, 评价, 办结, with an image and a PDF attachment and every notice issued."""
    from xinfang.petitions.services import PetitionerInput, attachment_add
    from xinfang.reports.notices.services import notices_for_event
    from xinfang.workflow.models import PetitionEvent

    settings.MEDIA_ROOT = str(tmp_path / "media")
    with time_machine.travel(NOW, tick=False):
        p, _ = register(petitioners=[PetitionerInput(name=NAME, id_number=VALID_ID, phone=PHONE)],
                        title="小区电梯长期停运")
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(username="demo_clerk")
        attachment_add(petition=p, actor=user, kind="evidence",
                       uploaded=SimpleUploadedFile("电梯照片.png", _png(), content_type="image/png"))
        attachment_add(petition=p, actor=user, kind="evidence",
                       uploaded=SimpleUploadedFile("情况说明.pdf", _evidence_pdf(), content_type="application/pdf"))
        attachment_add(petition=p, actor=user, kind="recording",
                       uploaded=SimpleUploadedFile("通话录音.mp3", b"ID3fake-audio", content_type="audio/mpeg"))
        act("demo_dispatcher", p, "assign", unit="DH-ZJ")
        act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
        act("demo_handler", p, "draft_reply", outcome="support", text="已督促物业公司修复电梯。",
            basis="《特种设备安全法》第三十九条。")
        act("demo_leader", p, "approve_reply")
        act("demo_clerk", p, "evaluate", level="satisfied")
        act("demo_dept_dispatcher", p, "close", note="信访人书面表示满意，不再申请复查", waiver=True)
        for event in PetitionEvent.objects.filter(petition=p).order_by("at", "id"):
            notices_for_event(event.pk)
    from xinfang.petitions.models import Petition

    return Petition.objects.get(pk=p.pk)


def _toc(text: str) -> dict[str, int]:
    """Title -> page from the 卷内目录 page (pdftotext -layout keeps a row on one line)."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\s*(\d+)?\s*(\S*〔\d{4}〕\d+号|[A-Z]{2}-[A-Z]{2}-\d{4}-\d{6})?\s*(附：)?(\S+).*?\s(\d+)\s*$", line)
        if m:
            rows[m.group(4)] = int(m.group(5))
    return rows


def test_the_dossier_holds_everything_with_a_table_of_contents(closed_petition, tmp_path):
    from pypdf import PdfReader

    from xinfang.reports.dossier import dossier_available, dossier_build
    from xinfang.reports.models import IssuedDocument

    p = closed_petition
    assert dossier_available(p)
    docs = list(IssuedDocument.objects.filter(petition=p).order_by("id"))
    assert [d.kind for d in docs] == ["receipt", "route", "accept", "reply", "completion"]
    with time_machine.travel(NOW, tick=False):
        data = dossier_build(p, actor=None)
    path = tmp_path / "dossier.pdf"
    if os.environ.get("XINFANG_NOTICE_OUT"):  # keep it to look at
        (Path(os.environ["XINFANG_NOTICE_OUT"]) / "dossier.pdf").write_bytes(data)
    path.write_bytes(data)
    assert all(f["emb"] == "yes" for f in pdf_fonts(path))
    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)

    cover = flat(run("pdftotext", "-f", "1", "-l", "1", str(path), "-"))
    for text in ("信访事项案卷", p.number, "关于“小区电梯长期停运”的信访事项", "李**", "保管期限10年",
                 "东湖区住房和城乡建设局", "起止日期2026年3月2日至2026年3月2日", f"共{2 + len(docs) + 3}件"):
        assert flat(text) in cover, text
    assert NAME not in cover and VALID_ID not in flat(pdf_text(path)) and PHONE not in flat(pdf_text(path))
    numbered = int(re.search(r"(\d+)页", cover).group(1))
    assert numbered == pages - 2  # cover and contents are not numbered

    toc_text = run("pdftotext", "-layout", "-f", "2", "-l", "2", str(path), "-")
    assert "卷内目录" in toc_text
    toc = _toc(toc_text)
    expected_titles = ["信访事项登记表", "流转记录", *[d.title for d in docs], "附件目录", "电梯照片.png", "情况说明.pdf"]
    for title in expected_titles:
        assert title in toc, f"{title} not in contents: {toc_text}"
    assert "通话录音.mp3" not in toc  # listed in the 附件目录 only
    assert toc["信访事项登记表"] == 1

    def page_text(number: int) -> str:  # dossier page number (页号) -> text of that page
        index = number + 2
        return flat(run("pdftotext", "-f", str(index), "-l", str(index), str(path), "-"))

    assert "信访事项登记表" in page_text(toc["信访事项登记表"])
    assert "流转记录" in page_text(toc["流转记录"])
    for doc in docs:
        assert flat(doc.number) in page_text(toc[doc.title]) and flat(doc.title) in page_text(toc[doc.title])
    assert "附件目录" in page_text(toc["附件目录"])
    assert "附件1：电梯照片.png" in page_text(toc["电梯照片.png"])
    assert "证据材料第一页" in page_text(toc["情况说明.pdf"])
    assert "证据材料第二页" in page_text(toc["情况说明.pdf"] + 1)
    assert toc["卷内备考表"] == numbered and "卷内备考表" in page_text(numbered)
    # the archive page number (页号) stands in the top right corner of every numbered page
    for number in range(1, numbered + 1):
        corner = run("pdftotext", "-f", str(number + 2), "-l", str(number + 2), "-x", "450", "-y", "0",
                     "-W", "145", "-H", "45", str(path), "-")
        assert corner.split() == [str(number)], (number, corner)

    pngs = png_pages(path, tmp_path, dpi=30)
    assert len(pngs) == pages
    for png in pngs:
        assert ink(png)[0] > 0.0005, f"{png.name} is blank"
    image_page = pngs[toc["电梯照片.png"] + 1]
    assert ink(image_page)[0] > 0.1  # the attachment image is drawn


def test_open_petitions_have_no_dossier(register):
    from xinfang.reports.dossier import dossier_available

    p, _ = register()
    assert not dossier_available(p)


def test_retention_period(register, act):
    from xinfang.reports.dossier import retention_period

    p, _ = register()
    assert retention_period(p) == "10年"
    q, _ = register(headcount=6)
    assert retention_period(q) == "30年"
