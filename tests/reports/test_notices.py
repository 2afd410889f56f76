"""Official notices (DESIGN §4): every kind rendered as PDF and DOCX, looked at as PNG pages, its Chinese
text read back exactly (no missing glyph), fonts embedded, 文号 numbering, identity rules, the job."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from notice_helpers import (
    NAME,
    NOW,
    PHONE,
    REPLY,
    VALID_ID,
    docx_text,
    docx_to_pdf,
    flat,
    ink,
    pdf_fonts,
    pdf_text,
    png_pages,
)

pytestmark = pytest.mark.django_db

ALL_KEYS = ["receipt", "accept", "reject", "refuse_again", "route", "route_accusation", "extension", "reply",
            "review", "rereview", "mediation", "completion"]

# What a person must read on each notice, exactly ({p} is the petition's number).
EXPECTED = {
    "receipt": ["东湖区信访局", "信访事项登记回执", "编号：{p}", "李**：", "信访人", "李**", "信访形式", "来访",
                "收到时间", "2026年3月2日 09:00", "查询码", "已告知",
                "您于2026年3月2日以来访形式提出的信访事项，东湖区信访局已经登记。",
                "本机关将自收到之日起15日内（2026年3月17日前）告知您是否受理，或者转送、交办有权处理的机关、单位办理的情况。",
                "查询码只告知一次，请妥善保管，不要告诉他人。", "本回执仅证明信访事项已登记，不作为受理的凭证。",
                "东湖区信访局（盖章）", "登记人：东登记"],
    "accept": ["东湖区住房和城乡建设局", "东建信受〔2026〕1号", "信访事项受理告知书", "李昇堃：",
               "你于2026年3月2日来访反映的“小区物业违规收取停车费”问题（信访件编号：{p}），"
               "由东湖区信访局于2026年3月2日交办本机关。",
               "经审查，该信访事项属于本机关职权范围。依照《信访工作条例》第二十三条的规定，本机关决定予以受理。",
               "延长期限不超过30日，并告知你延期理由。", "特此告知。", "2026年3月2日"],
    "reject": ["东建信不受〔2026〕1号", "信访事项不予受理告知书",
               "经审查，该事项已由人民法院作出生效判决，依法应当通过诉讼程序解决。"
               "依照《信访工作条例》的有关规定，本机关决定不予受理。",
               "你可以依照法律、法规规定的程序，向有权处理的机关、单位提出。"],
    "refuse_again": ["东湖区信访局", "东信不再〔2026〕1号", "信访事项不再受理告知书",
                     "你于2026年3月2日来访反映的“再次反映物业违规收费”问题（信访件编号：{p}）",
                     "属同一事实和理由。依照《信访工作条例》第三十六条的规定，本机关不再受理。"],
    "route": ["东湖区信访局", "东信转〔2026〕3号", "信访事项转送告知书",
              "按照“属地管理、分级负责，谁主管、谁负责”的原则，本机关已于2026年3月2日将该信访事项转送东湖区住房和城乡建设局办理。",
              "东湖区住房和城乡建设局将自收到之日起15日内书面告知你是否受理。", "抄送：东湖区住房和城乡建设局。"],
    "route_accusation": ["东信转〔2026〕4号", "本机关已于2026年3月2日将该信访事项转送东湖区纪委监委办理。"],
    "extension": ["东建信延〔2026〕1号", "信访事项延长办理期限告知书",
                  "因需要对涉及的停车位逐一现场勘验，经本机关负责人批准，依照《信访工作条例》第三十四条的规定，"
                  "该信访事项的办理期限延长20日"],
    "reply": ["东建信处〔2026〕1号", "信访事项处理意见书", "现将处理意见告知如下：", "一、信访请求",
              "请求责令物业公司退还违规收取的停车费。", "二、处理意见", REPLY["text"], "三、事实和依据", REPLY["basis"],
              "综上，你的信访请求事实清楚，符合法律、法规、规章或者其他有关规定，本机关予以支持。",
              "如对本处理意见不服，你可以自收到本意见书之日起30日内，依照《信访工作条例》第三十五条的规定，"
              "向本机关的上一级机关（东湖区人民政府）请求复查。"],
    "review": ["东湖区人民政府", "东政信复查〔2026〕1号", "信访事项复查意见书",
               "你不服东湖区住房和城乡建设局就“小区物业违规收取停车费”问题（信访件编号：{p}）作出的信访处理意见"
               "（东建信处〔2026〕1号），于2026年3月2日向本机关请求复查。",
               "一、复查请求", "请求同时责令物业公司赔礼道歉。", "二、复查意见",
               "综上，你的复查请求事由合理但缺乏法律依据，本机关已作出上述解释说明。",
               "向本机关的上一级机关（示范市人民政府）请求复核。"],
    "rereview": ["示范市人民政府", "示政信复核〔2026〕1号", "信访事项复核意见书", "（东政信复查〔2026〕1号）",
                 "二、复核意见", "复查意见认定事实清楚，维持复查意见。", "本复核意见为终结意见。",
                 "仍以同一事实和理由提出信访事项的，各级党委和政府信访部门和其他机关、单位不再受理。"],
    "mediation": ["东建信调〔2026〕1号", "信访事项调解协议书", "经东湖区住房和城乡建设局主持调解",
                  "一、物业公司同意退还已收取的地面停车费。", "二、业主不再就此事项重复信访。", "信访人（签字）："],
    "completion": ["东湖区住房和城乡建设局", "东建信结〔2026〕1号", "信访事项办结报告", "东湖区信访局：",
                   "你单位于2026年3月2日交办的“小区电梯长期停运”信访事项（信访件编号：{p}）",
                   "已督促物业公司修复电梯。信访人（电话（略），身份证号（略））反映的问题已解决。",
                   "对信访人的信访请求予以支持。", "信访人对办理结果的评价为：满意。", "特此报告。"],
}


def expected(sample) -> list[str]:
    return [s.format(p=sample.petition_number) for s in EXPECTED[sample.key]]


def everything_written(sample) -> list[str]:
    """Every string the notice puts on paper (each must come back whole from the PDF: no missing glyph)."""
    n = sample.notice
    parts = [n.title, n.issuer, n.number, n.addressee, *n.paragraphs, *n.signatures, n.footnote, n.sign_note]
    parts += [text for row in n.facts for pair in row for text in pair]  # table cells, read apart
    return [p for p in parts if p]


def assert_reads(text: str, sample) -> None:
    assert "\ufffd" not in text, "replacement character: a glyph could not be mapped"
    got = flat(text)
    for sentence in expected(sample) + everything_written(sample):
        assert flat(sentence) in got, f"{sample.key}: missing {sentence!r}"


def assert_looks_printed(pages: list[Path], *, letterhead: bool) -> None:
    assert pages, "no page rendered"
    for page in pages:
        dark, _red = ink(page)
        assert dark > 0.004, f"{page.name} is blank"
    _dark, red = ink(pages[0])
    if letterhead:
        assert red > 0.001, "the red 发文机关标志 and rules are missing"


def test_the_scenario_issues_every_kind(scenario):
    assert set(scenario) == set(ALL_KEYS)
    kinds = {s.kind for s in scenario.values()}
    assert kinds == {"receipt", "accept", "reject", "refuse_again", "route", "extension", "reply", "review",
                     "rereview", "mediation", "completion"}


@pytest.mark.parametrize("key", ALL_KEYS)
def test_pdf_pages_text_and_fonts(scenario, key, tmp_path):
    sample = scenario[key]
    pdf = tmp_path / f"{key}.pdf"
    pdf.write_bytes(sample.pdf)
    fonts = pdf_fonts(pdf)
    assert fonts, "no font in the PDF"
    assert all(f["emb"] == "yes" for f in fonts), [f["line"] for f in fonts if f["emb"] != "yes"]
    assert any("CJK" in f["name"] or "Song" in f["name"] or "Fang" in f["name"] for f in fonts)
    assert_reads(pdf_text(pdf), sample)
    assert_looks_printed(png_pages(pdf, tmp_path), letterhead=sample.notice.layout == "letter")


@pytest.mark.parametrize("key", ALL_KEYS)
def test_docx_text(scenario, key):
    sample = scenario[key]
    text = docx_text(sample.docx)
    got = flat(text)
    for sentence in expected(sample) + everything_written(sample):
        assert flat(sentence) in got, f"{key}: missing {sentence!r}"


@pytest.fixture(scope="module")
def docx_pdfs(scenario, tmp_path_factory):
    """Every DOCX converted to PDF by LibreOffice (one run)."""
    folder = tmp_path_factory.mktemp("docx")
    paths = []
    for key, sample in scenario.items():
        path = folder / f"{key}.docx"
        path.write_bytes(sample.docx)
        paths.append(path)
    out = tmp_path_factory.mktemp("docx-pdf")
    converted = docx_to_pdf(paths, out)
    return {p.stem: pdf for p, pdf in converted.items()}


@pytest.mark.parametrize("key", ALL_KEYS)
def test_docx_renders_through_libreoffice(scenario, docx_pdfs, key, tmp_path):
    sample = scenario[key]
    pdf = docx_pdfs[key]
    assert pdf.exists(), f"LibreOffice did not convert {key}.docx"
    assert all(f["emb"] == "yes" for f in pdf_fonts(pdf))
    assert_reads(pdf_text(pdf), sample)
    assert_looks_printed(png_pages(pdf, tmp_path), letterhead=sample.notice.layout == "letter")


def test_documents_to_units_carry_no_petitioner_identity(scenario):
    report = scenario["completion"]
    for text in (flat(docx_text(report.docx)), flat(_pdf_bytes_text(report.pdf))):
        for secret in (NAME, PHONE, VALID_ID, "李*", NAME[1:]):
            assert secret not in text
    assert report.notice.carries_identity is False
    # the petitioner's own letters name them
    assert NAME in flat(_pdf_bytes_text(scenario["accept"].pdf))


def test_an_accusation_route_notice_is_not_copied_to_the_unit(scenario):
    text = flat(_pdf_bytes_text(scenario["route_accusation"].pdf))
    assert "抄送" not in text and "抄送" not in docx_text(scenario["route_accusation"].docx)
    assert scenario["route_accusation"].notice.copy_to == ""


def test_pdf_metadata_and_docx_properties(scenario):
    from io import BytesIO

    from docx import Document

    props = Document(BytesIO(scenario["reply"].docx)).core_properties
    assert (props.title, props.author, props.subject) == ("信访事项处理意见书", "东湖区住房和城乡建设局", "东建信处〔2026〕1号")
    assert scenario["reply"].pdf.startswith(b"%PDF-")


def _pdf_bytes_text(data: bytes) -> str:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return pdf_text(Path(f.name))


# ---- numbering -------------------------------------------------------------------------------

def test_numbers_are_sequential_per_unit_kind_and_year(org):
    from xinfang.reports.notices.services import document_number

    office, dept = org.units["DH-XF"], org.units["DH-ZJ"]
    assert [document_number(office, "accept", 2026) for _ in range(3)] == [
        "东信受〔2026〕1号", "东信受〔2026〕2号", "东信受〔2026〕3号"]
    assert document_number(office, "reject", 2026) == "东信不受〔2026〕1号"
    assert document_number(dept, "accept", 2026) == "东建信受〔2026〕1号"
    assert document_number(office, "accept", 2027) == "东信受〔2027〕1号"
    assert document_number(office, "accept", 2026) == "东信受〔2026〕4号"


def test_agency_codes(org):
    from xinfang.reports.notices.services import agency_code

    expected_codes = {"DH-XF": "东信", "XS-XF": "西信", "DH-ZJ": "东建", "DH-RS": "东人社", "DH": "东政",
                      "SF": "示政", "SF-XF": "示信", "DH-JW": "东纪", "DH-ZF": "东政法", "DH-T1": "城街",
                      "DH-T2": "青政"}
    assert {code: agency_code(org.units[code]) for code in expected_codes} == expected_codes
    unit = org.units["DH-XF"]
    unit.short_name = "东湖信"
    assert agency_code(unit) == "东湖信"


def test_a_number_is_never_reused_even_when_its_document_is_deleted(register, act):
    from xinfang.reports.models import IssuedDocument
    from xinfang.reports.notices.services import notices_for_event
    from xinfang.workflow.models import PetitionEvent

    with time_machine.travel(NOW, tick=False):
        p, _ = register()
        act("demo_dispatcher", p, "accept")
        first = notices_for_event(PetitionEvent.objects.get(petition=p, action="accept").pk)[0]
        assert first.number == "东信受〔2026〕1号"
        IssuedDocument.objects.filter(pk=first.pk).delete()
        q, _ = register(title="另一件事")
        act("demo_dispatcher", q, "accept")
        second = notices_for_event(PetitionEvent.objects.get(petition=q, action="accept").pk)[0]
    assert second.number == "东信受〔2026〕2号"


def test_issuing_is_idempotent_and_regenerates_missing_files(register, act, settings, tmp_path):
    from xinfang.audit.models import AuditEntry
    from xinfang.reports.notices.services import file_present, notice_regenerate, notices_for_event
    from xinfang.workflow.models import PetitionEvent

    settings.MEDIA_ROOT = str(tmp_path)
    with time_machine.travel(NOW, tick=False):
        p, _ = register()
        event = PetitionEvent.objects.get(petition=p, action="register")
        (receipt,) = notices_for_event(event.pk)
        assert notices_for_event(event.pk)[0].pk == receipt.pk
        assert receipt.number == p.number and file_present(receipt.pdf) and file_present(receipt.docx)
        receipt.pdf.storage.delete(receipt.pdf.name)
        assert not file_present(receipt.pdf)
        again = notice_regenerate(receipt, actor=None)
    assert again.number == receipt.number and file_present(again.pdf)
    assert AuditEntry.objects.filter(action="document.regenerate", object_id=str(receipt.pk)).exists()


def test_a_move_issues_its_notices_through_the_background_job(register, act, settings, tmp_path,
                                                              django_capture_on_commit_callbacks):
    from xinfang.reports.models import IssuedDocument

    settings.MEDIA_ROOT = str(tmp_path)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        p, _ = register()
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    docs = list(IssuedDocument.objects.filter(petition=p).order_by("id"))
    assert [(d.kind, d.number) for d in docs] == [("receipt", p.number), ("route", "东信转〔2026〕1号")]
    assert all(d.pdf and d.docx for d in docs)
