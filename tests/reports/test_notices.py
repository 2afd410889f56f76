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
    TZ,
    VALID_ID,
    assert_printed,
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
               "你可以依照法律、法规规定的程序，通过诉讼、仲裁、行政复议等法定途径，向有权处理的机关、单位提出。"],
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
    # the second 办结报告 of the unit: the first went with the reply of petition 1 (also 交办)
    "completion": ["东湖区住房和城乡建设局", "东建信结〔2026〕2号", "信访事项办结报告", "东湖区信访局：",
                   "你单位于2026年3月2日交办的“小区电梯长期停运”信访事项（信访件编号：{p}）",
                   "已督促物业公司修复电梯。信访人（电话（略），身份证号（略））反映的问题已解决。",
                   "该事项已办理完毕。", "一、办理过程", "二、处理意见", "四、处理结果",
                   "对信访人的信访请求予以支持。", "特此报告。"],
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


# ---- events built directly: the contracts of the workflow's moves ---------------------------------

def _event(p, action: str, by_unit: str, /, *, note: str = "", **data):
    """A timeline event of the unit `by_unit` as the workflow writes it (`data["documents"]` names the
    notices)."""
    from django.utils import timezone

    from xinfang.org.models import Unit
    from xinfang.workflow.models import PetitionEvent

    return PetitionEvent.objects.create(petition=p, action=action, unit=Unit.objects.get(code=by_unit),
                                        at=timezone.now(), note=note, data=data)


def _issue(event) -> dict:
    from xinfang.reports.notices.services import notices_for_event

    return {doc.kind: doc for doc in notices_for_event(event.pk)}


PROVISIONAL_2027 = "暂定：2027年度国务院节假日调休安排尚未公布，期限届满日可能调整"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_due_dates_reaching_a_year_without_schedule_are_printed_as_provisional(register, act, media):
    """Receipt, 受理告知书 and 延长办理期限告知书 print a provisional due date with the visible note."""
    from xinfang.workflow import deadlines as dl
    from xinfang.workflow.models import Deadline, PetitionEvent

    with time_machine.travel(dt.datetime(2026, 12, 17, 10, tzinfo=TZ), tick=False):
        p, _ = register()
        accept = Deadline.objects.get(petition=p, kind="accept")
        assert (accept.due, accept.provisional) == (dt.date(2027, 1, 4), True)  # 01-01 is 元旦 (computed)
        receipt = _issue(PetitionEvent.objects.get(petition=p, action="register"))["receipt"]
        assert_printed(receipt, f"本机关将自收到之日起15日内（2027年1月4日前，{PROVISIONAL_2027}）告知您是否受理")
        p = act("demo_dispatcher", p, "accept")
        handle = Deadline.objects.get(petition=p, kind="handle")
        assert (handle.due, handle.provisional) == (dt.date(2027, 2, 15), True)
        notice = _issue(PetitionEvent.objects.get(petition=p, action="accept"))["accept"]
        assert_printed(notice, f"本机关将自受理之日起60日内（2027年2月15日前，{PROVISIONAL_2027}）办结")
        # the extension: 02-15 + 20 days = Sunday 03-07 -> Monday 03-08, still provisional
        dl.deadline_extend(handle, 20)
        assert (handle.due, handle.provisional) == (dt.date(2027, 3, 8), True)
        event = _event(p, "approve_extension", "DH-XF", note="需要对涉及的停车位逐一现场勘验", days=20,
                       new_due="2027-03-08", documents=["延长办理期限告知书"])
        extension = _issue(event)["extension"]
        assert_printed(extension, f"该信访事项的办理期限延长20日，至2027年3月8日（{PROVISIONAL_2027}）届满。")


def test_due_dates_inside_a_known_year_are_printed_firm(register, act, media):
    from xinfang.workflow.models import PetitionEvent

    with time_machine.travel(NOW, tick=False):
        p, _ = register()
        act("demo_dispatcher", p, "accept")
        receipt = _issue(PetitionEvent.objects.get(petition=p, action="register"))["receipt"]
        accept = _issue(PetitionEvent.objects.get(petition=p, action="accept"))["accept"]
    assert_printed(receipt, "本机关将自收到之日起15日内（2026年3月17日前）告知您是否受理", absent=("暂定",))
    assert_printed(accept, "本机关将自受理之日起60日内（2026年5月6日前）办结", absent=("暂定",))


def test_reject_notice_names_the_reason_and_the_route(register, media):
    with time_machine.travel(NOW, tick=False):
        p, _ = register(petitioners=None)
        with_route = _issue(_event(p, "reject", "DH-XF", note="劳动报酬争议已进入仲裁程序",
                                   reason="该事项已进入劳动人事争议仲裁程序，依法应当通过仲裁程序解决",
                                   route="可依法向东湖区劳动人事争议仲裁委员会申请仲裁，对裁决不服的，可向人民法院提起诉讼",
                                   documents=["不予受理告知书"]))["reject"]
        q, _ = register(title="要求撤销法院判决")
        without = _issue(_event(q, "reject", "DH-XF", reason="该事项已由人民法院作出生效判决",
                                documents=["不予受理告知书"]))["reject"]
    assert with_route.number == "东信不受〔2026〕1号" and without.number == "东信不受〔2026〕2号"
    assert_printed(with_route, "信访事项不予受理告知书", "张三：",
                   "经审查，该事项已进入劳动人事争议仲裁程序，依法应当通过仲裁程序解决。"
                   "依照《信访工作条例》的有关规定，本机关决定不予受理。",
                   "你可依法向东湖区劳动人事争议仲裁委员会申请仲裁，对裁决不服的，可向人民法院提起诉讼。",
                   absent=("通过诉讼、仲裁、行政复议等法定途径",))
    assert_printed(without, "经审查，该事项已由人民法院作出生效判决。",
                   "你可以依照法律、法规规定的程序，通过诉讼、仲裁、行政复议等法定途径，向有权处理的机关、单位提出。")


def test_divert_issues_a_written_notice_naming_the_channel_the_body_and_the_text(register, media):
    from xinfang.reports.models import IssuedDocument

    with time_machine.travel(NOW, tick=False):
        p, _ = register(title="公司拖欠三个月工资")
        channel_only = _issue(_event(
            p, "divert", "DH-XF", note="你反映的公司拖欠工资问题属于劳动争议。\n请携带劳动合同、工资条等证据材料。",
            target="arbitration", channel_name="仲裁机构",
            channel_guidance="劳动争议申请仲裁的时效期间为一年，从当事人知道或者应当知道其权利被侵害之日起计算",
            unit=None, unit_name=None, documents=["信访事项告知书"]))
        q, _ = register(title="举报住建局工作人员索要好处费", nature="accusation", accused_unit="DH-ZJ",
                        accused_person="王某")
        with_body = _issue(_event(q, "divert", "DH-XF", note="检举控告事项由纪检监察机关依规依纪依法处理",
                                  target="discipline", channel_name="纪检监察机关", channel_guidance="",
                                  unit="DH-JW", unit_name="东湖区纪委监委", documents=["信访事项告知书"]))
    doc = channel_only["divert"]
    assert set(channel_only) == {"divert"} and doc.title == "信访事项告知书" and doc.number == "东信告〔2026〕1号"
    assert_printed(doc, "东湖区信访局", "信访事项告知书", "张三：",
                   "你于2026年3月2日来访反映的“公司拖欠三个月工资”问题（信访件编号：" + p.number + "），经审查，"
                   "该事项依法应当通过法定途径，由仲裁机构处理。",
                   "一、告知内容", "你反映的公司拖欠工资问题属于劳动争议。", "请携带劳动合同、工资条等证据材料。",
                   "二、法定途径", "你可以依法向仲裁机构提出。",
                   "劳动争议申请仲裁的时效期间为一年，从当事人知道或者应当知道其权利被侵害之日起计算。", "特此告知。")
    assert_printed(with_body["divert"], "由东湖区纪委监委（纪检监察机关）处理。",
                   "检举控告事项由纪检监察机关依规依纪依法处理。", "你可以依法向东湖区纪委监委（纪检监察机关）提出。")
    assert with_body["divert"].number == "东信告〔2026〕2号"
    assert IssuedDocument.objects.get(pk=doc.pk).get_kind_display() == "信访事项告知书"


def test_hearing_notice_tells_dates_place_panel_and_participants(register, act, media):
    from xinfang.workflow.models import Deadline

    panel = "东湖区司法局、东湖区住房和城乡建设局；听证员：王某某、赵某某"
    with time_machine.travel(NOW, tick=False):
        p, _ = register()
        act("demo_dispatcher", p, "accept")
        upcoming = _issue(_event(p, "hold_hearing", "DH-XF", note="", held_on="2026-03-20", end_on="2026-03-21",
                                 place="东湖区信访局三楼听证室", panel=panel, participants="信访人、幸福小区物业公司代表",
                                 conclusion="", stage="handling", documents=["听证通知书"]))["hearing"]
        q, _ = register(title="要求复核停车费处理意见")
        row = Deadline.objects.create(petition=q, kind="rereview_answer", start=dt.date(2026, 12, 1), days=30,
                                      extra_days=4, due=dt.date(2027, 1, 4), provisional=True)
        held = _issue(_event(q, "hold_hearing", "DH-XF", note="听证记录：信访人陈述……", held_on="2026-03-02",
                             end_on="2026-03-02", place="示范市人民政府第二会议室", panel="示范市司法局；听证员：钱某某",
                             participants="信访人、东湖区人民政府代表", conclusion="复查意见认定事实清楚，适用依据正确",
                             stage="rereview", new_due=row.due.isoformat(), documents=["听证通知书"]))["hearing"]
    assert upcoming.number == "东信听〔2026〕1号" and upcoming.title == "信访事项听证通知书"
    assert_printed(upcoming, "信访事项听证通知书", "张三：", "本机关在办理过程中，决定就该信访事项举行听证。",
                   "一、听证时间：2026年3月20日至3月21日。", "二、听证地点：东湖区信访局三楼听证室。",
                   f"三、听证组成人员：{panel}。", "四、参加人员：信访人、幸福小区物业公司代表。",
                   "请你按时参加，并携带本人身份证件和与信访事项有关的证据材料", "特此通知。",
                   absent=("听证结论", "复核期限"))
    assert_printed(held, "依照《信访工作条例》第三十六条的规定，已于2026年3月2日就该信访事项举行听证。",
                   "一、听证时间：2026年3月2日。", "二、听证地点：示范市人民政府第二会议室。",
                   "三、听证组成人员：示范市司法局；听证员：钱某某。", "四、参加人员：信访人、东湖区人民政府代表。",
                   "五、听证结论：复查意见认定事实清楚，适用依据正确。",
                   "听证所需时间不计算在复核期限内。复核期限相应顺延至2027年1月4日（" + PROVISIONAL_2027 + "）。",
                   absent=("听证记录", "请你按时参加"))


def _assigned(register, act, title="小区电梯长期停运", report_due="2027-01-15"):
    p, _ = register(petitioners=None, title=title)
    act("demo_dispatcher", p, "assign", unit="DH-ZJ", report_due=report_due)
    return act("demo_dept_dispatcher", p, "accept", handler="demo_handler")


def test_completion_report_goes_with_the_reply(register, act, media):
    from django.utils import timezone

    from xinfang.org.models import Unit
    from xinfang.workflow.models import Deadline, Reply

    with time_machine.travel(dt.datetime(2026, 12, 17, 10, tzinfo=TZ), tick=False):
        p = _assigned(register, act)
        report = Deadline.objects.get(petition=p, kind="report")
        assert (report.due, report.provisional) == (dt.date(2027, 1, 15), True)
    with time_machine.travel(dt.datetime(2026, 12, 28, 15, tzinfo=TZ), tick=False):
        reply = Reply.objects.create(
            petition=p, kind="reply", unit=Unit.objects.get(code="DH-ZJ"), outcome="support",
            text=f"已督促物业公司修复电梯。张三（电话{PHONE}）反映的问题已解决。", basis="《特种设备安全法》第三十九条。",
            drafted_at=timezone.now(), approved_at=timezone.now())
        docs = _issue(_event(p, "approve_reply", "DH-ZJ", outcome="support", reply_id=reply.pk,
                             documents=["信访处理意见书", "办结报告"]))
    assert set(docs) == {"reply", "completion"}
    assert docs["completion"].number == "东建信结〔2026〕1号"
    assert_printed(docs["completion"], "信访事项办结报告", "东湖区信访局：",
                   f"你单位于2026年12月17日交办的“小区电梯长期停运”信访事项（信访件编号：{p.number}），"
                   f"要求于2027年1月15日（{PROVISIONAL_2027}）前报送办理结果。",
                   "本机关已于2026年12月17日受理，于2026年12月28日向信访人出具信访处理意见书（东建信处〔2026〕1号），"
                   "该事项已办理完毕。现将办理情况报告如下：",
                   "一、办理过程", "本机关受理后，指定专人调查核实，于2026年12月28日作出处理意见并书面答复信访人。",
                   "二、处理意见", "已督促物业公司修复电梯。信访人（电话（略））反映的问题已解决。",
                   "三、事实和依据", "四、处理结果", "对信访人的信访请求予以支持。", "特此报告。",
                   absent=("张三", PHONE, "信访人评价"))


def test_completion_report_of_a_merged_case_without_a_reply(register, act, media):
    with time_machine.travel(NOW, tick=False):
        survivor, _ = register(title="幸福小区电梯停运")
        p = _assigned(register, act, report_due="2026-04-30")
        docs = _issue(_event(p, "merge", "DH-ZJ", note="与张三此前反映的幸福小区电梯问题相同",
                             into=survivor.number, documents=["办结报告"]))
    assert set(docs) == {"completion"}
    assert_printed(docs["completion"], "东湖区信访局：",
                   f"你单位于2026年3月2日交办的“小区电梯长期停运”信访事项（信访件编号：{p.number}），"
                   "要求于2026年4月30日前报送办理结果。",
                   f"本机关已于2026年3月2日受理，该事项与信访件{survivor.number}反映的问题相同，"
                   f"已于2026年3月2日并入信访件{survivor.number}一并办理，办理结果随该件报告。",
                   "二、并案说明", "与信访人此前反映的幸福小区电梯问题相同。", "特此报告。",
                   absent=("张三", "处理意见", "暂定", "处理结果"))


def test_completion_report_of_a_rejected_assignment(register, act, media):
    with time_machine.travel(NOW, tick=False):
        p, _ = register(petitioners=None, title="要求解决子女入学问题")
        act("demo_dispatcher", p, "assign", unit="DH-ZJ")
        docs = _issue(_event(p, "reject", "DH-ZJ", reason="该事项已由人民法院作出生效判决",
                             route="可依法向人民法院申请再审", documents=["不予受理告知书", "办结报告"]))
    assert set(docs) == {"reject", "completion"}
    assert_printed(docs["completion"], "经审查，本机关于2026年3月2日决定不予受理，并已书面告知信访人。",
                   "一、不予受理理由", "该事项已由人民法院作出生效判决。", "二、告知的救济途径",
                   "信访人可依法向人民法院申请再审。", absent=("张三", "处理意见"))
    assert_printed(docs["reject"], "你可依法向人民法院申请再审。")


def test_a_delivery_issues_nothing_and_unknown_names_are_skipped(register, media):
    from xinfang.reports.models import IssuedDocument

    with time_machine.travel(NOW, tick=False):
        p, _ = register()
        assert _issue(_event(p, "deliver", "DH-XF", delivered_at="2026-03-02", method="in_person",
                             delivery_id=1, document="信访处理意见书")) == {}
        assert _issue(_event(p, "deliver", "DH-XF", documents=["送达回证"])) == {}
    assert not IssuedDocument.objects.filter(petition=p).exists()


def test_every_event_document_name_maps_to_a_kind_with_a_builder_and_a_number_code():
    from xinfang.reports.models import DocumentKind
    from xinfang.reports.notices.content import ABBREVIATION, BUILDERS, BY_EVENT_NAME

    assert BY_EVENT_NAME["信访事项告知书"] == DocumentKind.DIVERT == "divert"
    assert BY_EVENT_NAME["听证通知书"] == DocumentKind.HEARING == "hearing"
    assert (DocumentKind.DIVERT.label, DocumentKind.HEARING.label) == ("信访事项告知书", "听证通知书")
    assert set(BY_EVENT_NAME.values()) == set(DocumentKind) == set(BUILDERS) == set(ABBREVIATION)


def test_new_notices_are_printed_letters_with_embedded_fonts(register, media, tmp_path):
    with time_machine.travel(NOW, tick=False):
        p, _ = register()
        docs = _issue(_event(p, "divert", "DH-XF", note="请依法申请行政复议", target="reconsideration",
                             channel_name="行政复议机关", channel_guidance="", unit=None, unit_name=None,
                             documents=["信访事项告知书"]))
        docs |= _issue(_event(p, "hold_hearing", "DH-XF", held_on="2026-03-20", end_on="2026-03-20",
                              place="东湖区信访局听证室", panel="听证员：王某某", participants="信访人",
                              conclusion="", stage="handling", documents=["听证通知书"]))
    assert set(docs) == {"divert", "hearing"}
    for kind, doc in docs.items():
        pdf = tmp_path / f"{kind}.pdf"
        with doc.pdf.open("rb") as f:
            pdf.write_bytes(f.read())
        fonts = pdf_fonts(pdf)
        assert fonts and all(f["emb"] == "yes" for f in fonts), kind
        assert_looks_printed(png_pages(pdf, tmp_path), letterhead=True)


@pytest.mark.parametrize(("route", "expected"), [
    ("可依法向人民法院提起诉讼", "你可依法向人民法院提起诉讼。"),
    ("请依法申请仲裁。", "请你依法申请仲裁。"),
    ("向人民法院提起诉讼", "你可以向人民法院提起诉讼。"),
    ("依法申请行政复议", "你可以依法申请行政复议。"),
    ("信访人可以申请再审", "信访人可以申请再审。"),
    ("人民法院", "你可以通过以下途径依法主张权利：人民法院。"),
    ("", "你可以依照法律、法规规定的程序，通过诉讼、仲裁、行政复议等法定途径，向有权处理的机关、单位提出。"),
])
def test_route_sentences(route, expected):
    from xinfang.reports.notices.content import route_sentence

    assert route_sentence("你", route) == expected
