"""The bulletin (信访情况通报): two years of visits, hotline calls, letters and more with KNOWN counts,
and every number and every 同比 percentage of its text and its JSON checked against values worked
out by hand below (never with the code under test). Then the same bulletin as Markdown, DOCX, XLSX,
from the command line and from the API.

The petitions are bulk-created (see report_builders.py); time is frozen at 2026-11-15 10:00 so the
period 2026-01-01 … 2026-10-31 is complete and compared with 2025-01-01 … 2025-10-31.
"""

from __future__ import annotations

import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from report_builders import bulk, local

from xinfang.api.tokens import token_create
from xinfang.reports import bulletin

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 15, 10, 0)
PERIOD = {"date_from": local(2026, 1, 1).date(), "date_to": local(2026, 10, 31).date()}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def two_years(org, frozen):
    """The data. Visits are about property management (010101, 城乡建设) in 城关街道 (990102001);
    letters about illegal building (010203, 城乡建设) in 桃园村 (990102002001, under 青山镇); hotline,
    online, e-mail and fax items about unpaid wages (020101, 劳动和社会保障) in 青山镇 (990102002)."""
    visit = {"channel": "visit", "category": "010101", "region": "990102001"}
    letter = {"channel": "letter", "category": "010203", "region": "990102002001"}
    wages = {"category": "020101", "region": "990102002"}
    # ---- 2025, January to October: the 同比 baseline -------------------------------------------
    bulk(25, received_at=local(2025, 3, 10), spread_minutes=60, **visit)  # individual: 25 batches, 25 persons
    bulk(10, received_at=local(2025, 5, 6), headcount=4, **visit)  # group: 10 batches, 40 persons
    bulk(10, received_at=local(2025, 7, 8), headcount=5, **visit)  # collective: 10 batches, 50 persons
    bulk(220, channel="hotline", received_at=local(2025, 4, 1), **wages)
    old_letters = bulk(96, received_at=local(2025, 2, 3), **letter)
    bulk(1, received_at=local(2025, 10, 31, 23, 59, 59), **letter)  # last second of the period: counted
    bulk(201, channel="email", received_at=local(2025, 9, 1), **wages)
    bulk(8, channel="fax", received_at=local(2025, 9, 2), **wages)
    # 2025 noise: after the comparison period (counted in neither)
    bulk(7, received_at=local(2025, 11, 1, 0, 0, 0), **letter)
    bulk(1, received_at=local(2025, 12, 31, 23, 59, 59), **letter)
    # ---- 2026, January to October ----------------------------------------------------------------
    bulk(1, received_at=local(2026, 1, 1, 0, 0, 0), **visit)  # first second of the period: counted
    bulk(24, received_at=local(2026, 3, 10), spread_minutes=60, **visit)
    bulk(5, received_at=local(2026, 3, 11), escalated=True, **visit)  # individual: 30 batches, 30 persons
    bulk(10, received_at=local(2026, 5, 6), headcount=3, **visit)  # group: 10 batches, 30 persons
    bulk(6, received_at=local(2026, 7, 8), headcount=5, **visit)
    bulk(2, received_at=local(2026, 7, 9), headcount=20, **visit)  # collective: 8 batches, 70 persons
    bulk(143, channel="hotline", received_at=local(2026, 4, 1), **wages)
    bulk(73, received_at=local(2026, 2, 3), **letter)
    for old in old_letters[:10]:  # 10 repeat letters (同人同事 as earlier letters)
        bulk(1, received_at=local(2026, 6, 1), repeat_of=old, **letter)
    bulk(1, received_at=local(2026, 10, 31, 23, 59, 59), **letter)  # 84 letters
    bulk(20, channel="online", received_at=local(2026, 8, 1), **wages)
    bulk(200, channel="email", received_at=local(2026, 9, 1), **wages)
    bulk(9, channel="fax", received_at=local(2026, 9, 2), **wages)
    # 2026 noise: merged petitions, after the period, and district 2 (out of 东湖区's jurisdiction)
    bulk(3, received_at=local(2026, 3, 3), status="merged", **letter)
    bulk(5, received_at=local(2026, 11, 1, 0, 0, 0), **visit)
    bulk(50, unit="XS-XF", channel="hotline", received_at=local(2026, 4, 1), category="020101", region="990103001")
    bulk(12, unit="XS-XF", channel="visit", received_at=local(2026, 4, 2), headcount=2, region="990103001")
    return org


# Worked out by hand from the fixture:
#   visits 2026: batches 1+24+5+10+6+2 = 48, persons 30+30+30+40 = 130; 2025: 45 batches, 115 persons
#   batches +3/45 = +6.67% -> 7%; persons +15/115 = +13.04% -> 13%
#   individual 30/30 vs 25/25: +20% and +20%; group 10 vs 10 batches (持平), 30 vs 40 persons -25%;
#   collective 8 vs 10 batches -20%, 70 vs 50 persons +40%
#   hotline 143 vs 220: -77/220 = -35% exactly; letters 84 vs 97: -13.40% -> 13%; online 20 vs 0;
#   e-mail 200 vs 201: -0.4975% -> rounds to 0 -> 基本持平; fax 9 vs 8: +12.5% -> 13% (half up)
#   items 48+143+84+20+200+9 = 504 vs 45+220+97+201+8 = 571: -67/571 = -11.73% -> 12%
#   categories: 劳动和社会保障 143+20+200+9 = 372 (73.8%) vs 220+201+8 = 429: -13.29% -> 13%;
#               城乡建设 48+84 = 132 (26.2%) vs 45+97 = 142: -7.04% -> 7%
#   regions: 城关街道 48 vs 45 (+7%); 青山镇 456 vs 526 (-13.31% -> 13%)
#   repeat rate 10/504 = 1.98% -> 2.0%
EXPECTED_PARAGRAPHS = [
    "2026年1至10月份，东湖区信访局共接待群众来访48批(次)、130人(次)，同比分别上升了7%和13%。"
    "其中：个人访30批(次)、30人(次)，同比分别上升了20%和20%；"
    "群体访10批(次)、30人(次)，批次同比持平，人次同比下降了25%；"
    "集体访8批(次)、70人(次)，批次同比下降了20%，人次同比上升了40%；"
    "热线电话143个，同比下降了35%；来信84件，同比下降了13%；网上信访20件，去年同期为0；"
    "电子邮件200件，同比基本持平；传真9件，同比上升了13%。",
    "以上合计登记各类信访事项504件(次)，同比下降了12%；其中重复信访10件(次)，越级信访5件(次)。",
    "受理办理方面：及时受理率暂无可计件数；按期办结率暂无可计件数；群众满意率暂无可计件数；参评率暂无可计件数；"
    # last year: 0 repeats in 573 items, 0.0%
    "重复信访率2.0%（10/504），同比上升2.0个百分点；一次性化解率暂无可计件数；平均办理时长暂无可计件数；"
    "包案化解率暂无可计件数。",
    "从反映的问题看，排在前列的是：劳动和社会保障372件(次)（占73.8%）、城乡建设132件(次)（占26.2%）。",
    "截至2026年11月15日，本期信访件中超期未受理0件、超期未答复0件。",
]


def test_bulletin_text_every_number(two_years):
    data = bulletin.bulletin_build(two_years.users["demo_analyst"], **PERIOD)
    assert data["title"] == "东湖区信访局信访情况通报"
    assert data["period"] == {"from": "2026-01-01", "to": "2026-10-31", "label": "2026年1至10月份"}
    assert data["same_period_last_year"]["from"] == "2025-01-01" and data["same_period_last_year"]["to"] == "2025-10-31"
    assert data["paragraphs"] == EXPECTED_PARAGRAPHS


def test_bulletin_json_every_number(two_years):
    data = json.loads(bulletin.render_json(bulletin.bulletin_build(two_years.users["demo_analyst"], **PERIOD)))
    t = data["totals"]
    assert (t["items"], t["batches"], t["person_times"]) == (504, 48, 130)
    assert t["by_channel"] == {"letter": 84, "visit": 48, "phone": 0, "online": 20, "email": 200, "fax": 9,
                               "hotline": 143, "transfer_in": 0}
    assert t["by_visit_kind"] == {"individual": {"batches": 30, "person_times": 30},
                                  "group": {"batches": 10, "person_times": 30},
                                  "collective": {"batches": 8, "person_times": 70}}
    assert (t["repeat"], t["first"], t["escalated"]) == (10, 494, 5)
    p = t["previous"]
    assert (p["items"], p["batches"], p["person_times"]) == (571, 45, 115)
    assert p["by_channel"] == {"letter": 97, "visit": 45, "phone": 0, "online": 0, "email": 201, "fax": 8,
                               "hotline": 220, "transfer_in": 0}
    assert p["by_visit_kind"] == {"individual": {"batches": 25, "person_times": 25},
                                  "group": {"batches": 10, "person_times": 40},
                                  "collective": {"batches": 10, "person_times": 50}}
    yoy = {k: (v["change_pct"], v["direction"]) for k, v in t["yoy"].items()}
    assert yoy == {
        "items": (-12, "down"), "batches": (7, "up"), "persons": (13, "up"),
        "ch_letter": (-13, "down"), "ch_visit": (7, "up"), "ch_phone": (None, "none"), "ch_online": (None, "no_baseline"),
        "ch_email": (0, "about_flat"), "ch_fax": (13, "up"), "ch_hotline": (-35, "down"),
        "ch_transfer_in": (None, "none"),
        "vk_individual_batches": (20, "up"), "vk_individual_persons": (20, "up"),
        "vk_group_batches": (0, "flat"), "vk_group_persons": (-25, "down"),
        "vk_collective_batches": (-20, "down"), "vk_collective_persons": (40, "up"),
    }
    # 环比: the previous ten whole months, 2025-03-01 … 2025-12-31: 25+10+10 visits, 220 hotline,
    # 1+7+1 letters (February's 96 fall outside), 201 e-mails, 8 faxes = 483; 504 vs 483 = +4.35% -> 4%
    assert data["previous_period"]["from"] == "2025-03-01" and data["previous_period"]["to"] == "2025-12-31"
    assert t["previous_period_totals"]["items"] == 483
    assert (t["mom"]["items"]["previous"], t["mom"]["items"]["change_pct"]) == (483, 4)
    assert (t["mom"]["ch_letter"]["previous"], t["mom"]["ch_letter"]["change_pct"]) == (9, 833)  # 75/9 = 833.3%
    cats = [(c["rank"], c["label"], c["items"], c["share"], c["previous_items"], c["yoy"]["change_pct"], c["yoy_text"])
            for c in data["tables"]["by_category"]]
    assert cats == [(1, "劳动和社会保障", 372, 73.8, 429, -13, "同比下降了13%"),
                    (2, "城乡建设", 132, 26.2, 142, -7, "同比下降了7%")]
    regions = [(r["label"], r["items"], r["batches"], r["persons"], r["previous_items"], r["yoy_text"])
               for r in data["tables"]["by_region"]]
    assert regions == [("城关街道", 48, 48, 130, 45, "同比上升了7%"), ("青山镇", 456, 0, 0, 526, "同比下降了13%")]
    units = data["tables"]["by_unit"]
    assert [(u["label"], u["items"]) for u in units] == [("东湖区信访局", 504)]
    kpis = {k["key"]: k for k in data["kpis"]}
    assert (kpis["repeat_rate"]["value"], kpis["repeat_rate"]["numerator"], kpis["repeat_rate"]["denominator"]) \
        == (2.0, 10, 504)
    # last year's rate from last year's items: 0 of 573 repeated, so +2.0 percentage points
    assert kpis["repeat_rate"]["yoy"] == {"previous": 0.0, "change": 2.0}
    assert kpis["timely_acceptance"]["yoy"] == {"previous": None, "change": None}  # no deadlines either year
    assert (kpis["ownership_resolution"]["value"], kpis["ownership_resolution"]["denominator"]) == (None, 0)
    assert data["tables"]["overdue"] == []
    notes = " ".join(data["notes"])
    assert "四舍五入" in notes and "一位小数" in notes and "并案" in notes
    assert len(data["definitions"]) == 8


def test_district_two_and_operator_views(two_years):
    west = bulletin.bulletin_build(two_years.users["demo_analyst2"], **PERIOD)
    assert west["totals"]["items"] == 62 and west["totals"]["batches"] == 12 and west["totals"]["person_times"] == 24
    assert west["paragraphs"][0].startswith("2026年1至10月份，西山区信访局共接待群众来访12批(次)、24人(次)，去年同期无数据。")
    assert "热线电话50个，去年同期无数据" in west["paragraphs"][0]


def test_markdown_docx_xlsx_hold_the_numbers(two_years):
    data = bulletin.bulletin_build(two_years.users["demo_analyst"], **PERIOD)
    md, ctype, name = bulletin.render(data, "md")
    text = md.decode("utf-8")
    assert name == "bulletin-2026-01-01-2026-10-31.md" and ctype.startswith("text/markdown")
    for p in EXPECTED_PARAGRAPHS:
        assert p in text
    assert "| 1 | 劳动和社会保障 | 372 | 73.8% | 429 | 同比下降了13% |" in text
    assert "| 城关街道 | 48 | 48 | 130 | 45 | 同比上升了7% |" in text

    from docx import Document

    content, ctype, name = bulletin.render(data, "docx")
    assert name.endswith(".docx") and ctype.endswith("wordprocessingml.document")
    doc = Document(io.BytesIO(content))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "东湖区信访局信访情况通报" in paragraphs
    for p in EXPECTED_PARAGRAPHS:
        assert p in paragraphs
    cells = {(ti, ri): [c.text for c in row.cells] for ti, t in enumerate(doc.tables) for ri, row in enumerate(t.rows)}
    assert ["信访总件次", "504", "571", "同比下降了12%"] in cells.values()
    assert ["热线电话", "143", "220", "同比下降了35%"] not in cells.values()  # the table uses the channel's name
    assert ["12345热线", "143", "220", "同比下降了35%"] in cells.values()
    assert ["1", "劳动和社会保障", "372", "73.8%", "429", "同比下降了13%"] in cells.values()

    from openpyxl import load_workbook

    content, ctype, name = bulletin.render(data, "xlsx")
    assert name.endswith(".xlsx") and ctype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(content))
    first = [r[0] for r in wb["通报"].iter_rows(values_only=True)]
    assert first[0] == "东湖区信访局信访情况通报"
    for p in EXPECTED_PARAGRAPHS:
        assert p in first
    volume = [list(r) for r in wb["表1"].iter_rows(values_only=True)]
    assert ["来访人次", 130, 115, "同比上升了13%"] in volume
    assert ["其中：集体访人次", 70, 50, "同比上升了40%"] in volume
    cats = [list(r) for r in wb["表2"].iter_rows(values_only=True)]
    assert [2, "城乡建设", 132, 0.262, 142, "同比下降了7%"] in cats  # a number, shown as 26.2%
    assert wb["表2"].cell(row=4, column=4).number_format == "0.0%"
    notes = [r[0] for r in wb["说明"].iter_rows(values_only=True)]
    assert any("四舍五入" in n for n in notes)


def test_cli_bulletin_and_annual(two_years, tmp_path):
    out = io.StringIO()
    call_command("report_bulletin", "--from", "2026-01-01", "--to", "2026-10-31", "--format", "json",
                 "--user", "demo_analyst", stdout=out)
    data = json.loads(out.getvalue())
    assert data["paragraphs"] == EXPECTED_PARAGRAPHS
    # without --user: the operator's view of the whole system (both districts)
    out = io.StringIO()
    call_command("report_bulletin", "--from", "2026-01-01", "--to", "2026-10-31", "--format", "md", stdout=out)
    assert "全系统共接待群众来访60批(次)、154人(次)" in out.getvalue()
    target = tmp_path / "b.docx"
    out = io.StringIO()
    call_command("report_bulletin", "--from", "2026-01-01", "--to", "2026-10-31", "--format", "docx",
                 "--output", str(target), "--user", "demo_analyst", "--unit", "DH-XF", stdout=out)
    from docx import Document

    assert EXPECTED_PARAGRAPHS[1] in [p.text for p in Document(str(target)).paragraphs]
    with pytest.raises(CommandError, match="日期格式"):
        call_command("report_bulletin", "--from", "2026-02-30", "--to", "2026-10-31")
    with pytest.raises(CommandError, match="用户不存在"):
        call_command("report_bulletin", "--from", "2026-01-01", "--to", "2026-10-31", "--user", "nobody")
    with pytest.raises(CommandError, match="单位不存在"):  # out of jurisdiction = does not exist
        call_command("report_bulletin", "--from", "2026-01-01", "--to", "2026-10-31", "--user", "demo_analyst",
                     "--unit", "XS-XF")
    with pytest.raises(CommandError, match="开始日期不能晚于结束日期"):
        call_command("report_bulletin", "--from", "2026-10-01", "--to", "2026-01-31")
    out = io.StringIO()
    call_command("report_annual", "--year", "2025", "--user", "demo_analyst", stdout=out)
    annual = out.getvalue()
    assert annual.startswith("# 东湖区信访局关于2025年度信访工作情况的报告")
    # 2025 in full: 45 visits + 220 hotline + 97+7+1 letters + 201 e-mails + 8 faxes; no 2024 data
    assert "2025年全年，东湖区信访局共接待群众来访45批(次)、115人(次)，去年同期无数据。" in annual
    assert "以上合计登记各类信访事项579件(次)，去年同期无数据" in annual
    for section in ("一、信访总体情况", "二、信访反映的主要问题", "三、信访事项办理情况", "四、存在的主要问题",
                    "五、下一步工作打算和意见建议"):
        assert f"## {section}" in annual
    target = tmp_path / "annual.docx"
    call_command("report_annual", "--year", "2025", "--format", "docx", "--output", str(target), stdout=io.StringIO())
    assert any("关于2025年度信访工作情况的报告" in p.text for p in Document(str(target)).paragraphs)


def test_api_bulletin_and_annual(two_years):
    client = Client()
    auth = {"HTTP_AUTHORIZATION": "Bearer " + token_create(user=two_years.users["demo_analyst"], name="t")}
    r = client.get("/api/v1/reports/bulletin", {"from": "2026-01-01", "to": "2026-10-31"}, **auth)
    assert r.status_code == 200, r.content
    assert r.json()["paragraphs"] == EXPECTED_PARAGRAPHS
    r = client.get("/api/v1/reports/bulletin", {"from": "2026-01-01", "to": "2026-10-31", "format": "md"}, **auth)
    assert r.status_code == 200 and EXPECTED_PARAGRAPHS[0] in r.content.decode()
    r = client.get("/api/v1/reports/bulletin", {"from": "2026-01-01", "to": "2026-10-31", "format": "xlsx"}, **auth)
    assert r.status_code == 200 and r["Content-Disposition"].endswith('.xlsx"')
    r = client.get("/api/v1/reports/bulletin", {"from": "2026-01-01", "to": "2026-10-31", "format": "pdf"}, **auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "format"
    r = client.get("/api/v1/reports/bulletin", {"from": "2026-01-01", "to": "2026-10-31", "unit": "XS-XF"}, **auth)
    assert r.status_code == 422 and r.json()["error"] == {"code": "invalid", "message": "单位不存在：XS-XF",
                                                          "field": "unit"}
    r = client.get("/api/v1/reports/annual", {"year": 2025, "format": "docx"}, **auth)
    assert r.status_code == 200 and r["Content-Disposition"] == 'attachment; filename="annual-report-2025.docx"'
    r = client.get("/api/v1/reports/annual", {"year": 2027}, **auth)
    assert r.status_code == 422
    assert Client().get("/api/v1/reports/bulletin").status_code == 401


def test_bulletin_compares_kpis_with_last_year(org, register, act):
    """KPI 同比 in percentage points, last year judged at the same distance from its period's end:
    March 2025 had one acceptance on time and one late (50.0%), March 2026 two on time (100.0%)."""
    def case(y, accept_day):
        with time_machine.travel(local(y, 3, 2, 8, 30), tick=False):
            p, _ = register(received_at=local(y, 3, 2, 8))
        with time_machine.travel(local(y, 3, 3), tick=False):
            p = act("demo_dispatcher", p, "assign", unit="DH-ZJ")
        with time_machine.travel(local(y, 3, accept_day), tick=False):
            act("demo_dept_dispatcher", p, "accept", handler="demo_handler")

    case(2025, 5)
    case(2025, 28)  # the unit's 15 days ran out on 03-18 (2025)
    case(2026, 5)
    case(2026, 6)
    with time_machine.travel(local(2026, 4, 10), tick=False):
        data = bulletin.bulletin_build(org.users["demo_analyst"], date_from=local(2026, 3, 1).date(),
                                       date_to=local(2026, 3, 31).date())
    kpis = {k["key"]: k for k in data["kpis"]}
    assert (kpis["timely_acceptance"]["value"], kpis["timely_acceptance"]["yoy"]) == \
        (100.0, {"previous": 50.0, "change": 50.0})
    assert "及时受理率100.0%（2/2），同比上升50.0个百分点" in data["paragraphs"][2]
    table5 = next(rows for caption, _h, rows in bulletin._table_specs(data) if caption.startswith("表5"))
    assert table5[0][:5] == ["及时受理率", "100.0%", "2/2", "50.0%", "+50.0个百分点"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # leaves the database as the next tests expect
def test_bulletin_reads_both_years_side_by_side(two_years, settings, monkeypatch):
    """Outside a transaction the two years are read at once on separate connections, with the same
    figures as one after the other."""
    import threading

    from xinfang.reports import statistics as st

    threads = set()

    def spy(query):
        def spied(*args, **kwargs):
            threads.add(threading.get_ident())
            return query(*args, **kwargs)
        return spied

    monkeypatch.setattr(st, "aggregate", spy(st.aggregate))
    monkeypatch.setattr(st, "aggregate_each", spy(st.aggregate_each))
    settings.XINFANG = {**settings.XINFANG, "REPORT_THREADS": 1}
    one_by_one = bulletin.bulletin_build(two_years.users["demo_analyst"], **PERIOD)
    assert threads == {threading.get_ident()}
    threads.clear()
    settings.XINFANG = {**settings.XINFANG, "REPORT_THREADS": 2}
    side_by_side = bulletin.bulletin_build(two_years.users["demo_analyst"], **PERIOD)
    assert len(threads) == 2 and threading.get_ident() not in threads
    assert side_by_side == one_by_one
    assert side_by_side["paragraphs"] == EXPECTED_PARAGRAPHS
