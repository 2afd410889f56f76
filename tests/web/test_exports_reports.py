"""报表 pages export to xlsx (`?export=xlsx` on the page's own URL): every table of the 统计报表 page,
the 统计看板's tables one sheet each, and the petitions behind a figure; Chinese headers, rates as numbers
with one decimal, only the user's jurisdiction, petitioners masked, formulas neutralised, audited.

The data are test_reports' ten visits to 东湖区信访局 in March 2026 (及时受理率 9/10 = 90.0%)."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
import time_machine
from openpyxl import load_workbook
from test_reports import NOW, make_petitions

from xinfang.audit.models import AuditEntry
from xinfang.petitions.models import Category, Petition

pytestmark = pytest.mark.django_db
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA = '=HYPERLINK("http://example.invalid","点击")'


@pytest.fixture
def march(org):
    with time_machine.travel(NOW, tick=False):
        petitions = make_petitions(NOW.replace(month=3, day=2, hour=9))
        yield petitions


@pytest.fixture
def as_user(client, users):
    def _as(username):
        client.force_login(users[username])
        return client

    return _as


def workbook(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def row_of(ws, first) -> tuple:
    found = [r for r in ws.iter_rows() if r[0].value == first]
    assert len(found) == 1, f"{first!r} in {ws.title}: {rows(ws)}"
    return found[0]


def texts(wb) -> list[str]:
    return [str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r if v is not None]


def info(wb) -> dict:
    return {label: value for label, value, *_rest in wb["说明"].iter_rows(values_only=True)}


def test_reports_page_exports_every_table(march, as_user):
    # an administrator's text is user text too: the table names first-level categories
    Category.objects.filter(code="01").update(name="=城乡建设")
    Petition.objects.filter(number="DH-XF-W-0003").update(category=Category.objects.get(code="010101"))
    c = as_user("demo_analyst")
    with time_machine.travel(NOW, tick=False):
        page = c.get("/reports/", MARCH)
        assert page.status_code == 200 and 'data-export="xlsx"' in page.content.decode()
        assert "export=xlsx" in page.content.decode() and "from=2026-03-01" in page.content.decode()
        r = c.get("/reports/", {**MARCH, "export": "xlsx"})
    disposition = r["Content-Disposition"]
    assert disposition.startswith('attachment; filename="export-') and "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]).startswith("统计报表-")
    wb = workbook(r)
    assert wb.sheetnames == ["关键指标", "表1 信访总量", "表2 反映问题分类（按件次排序）", "表3 问题属地",
                             "表4 承办单位办理情况", "表6 超期清单", "说明"]
    kpis = wb["关键指标"]
    assert [c.value for c in kpis[1]] == ["指标", "本期", "计量单位", "分子", "分母", "去年同期", "同比变化"]
    timely = row_of(kpis, "及时受理率")
    assert timely[1].value == 90.0 and timely[1].number_format == "0.0"  # a number shown with one decimal
    assert (timely[2].value, timely[3].value, timely[4].value) == ("%", 9, 10)
    assert (timely[5].value, timely[6].value) == ("—", "—")  # nothing was stored a year earlier
    assert row_of(kpis, "平均办理时长")[1].value == 18.0 and row_of(kpis, "平均办理时长")[2].value == "天"
    assert row_of(wb["表1 信访总量"], "信访总件次")[1].value == 10
    units = wb["表4 承办单位办理情况"]
    header = [c.value for c in units[1]]
    assert header[:2] == ["承办单位", "件次"] and "及时受理率（%）" in header and "超期件" in header
    dept = row_of(units, "东湖区住房和城乡建设局")
    assert dept[1].value == 10 and dept[header.index("及时受理率（%）")].value == 90.0
    assert dept[header.index("群众满意率（%）")].value == 80.0
    categories = rows(wb["表2 反映问题分类（按件次排序）"])
    assert categories[0][:4] == ("排名", "内容分类", "件次", "占比（%）")
    assert (2, "'=城乡建设", 1, 10, 0, "去年同期无数据") in categories  # neutralised, not a formula
    assert wb["表2 反映问题分类（按件次排序）"]["D3"].number_format == "0.0"
    assert not any(t.startswith("=") for t in texts(wb))
    about = info(wb)
    assert about["导出内容"] == "统计报表" and about["导出人"] == "东统计"  # staff by name
    assert "2026-03-01" in about["条件：统计期间"] and about["条件：单位"] == "全部（本人管辖范围）"
    entry = AuditEntry.objects.filter(action="report.export", actor="demo_analyst").get()
    assert entry.data["report"] == "bulletin" and entry.data["rows"] > 0


def test_reports_export_is_scoped(march, as_user):
    with time_machine.travel(NOW, tick=False):
        wb = workbook(as_user("demo_analyst2").get("/reports/", {**MARCH, "export": "xlsx"}))
    text = " ".join(texts(wb))
    assert "东湖区" not in text and "DH-XF-W" not in text
    assert row_of(wb["表1 信访总量"], "信访总件次")[1].value == 0
    assert rows(wb["表4 承办单位办理情况"])[1:] == []


def test_dashboard_exports_its_tables(march, as_user):
    Petition.objects.filter(number__in=["DH-XF-W-0001", "DH-XF-W-0002"]).update(title=FORMULA)
    c = as_user("demo_analyst")
    with time_machine.travel(NOW, tick=False):
        assert 'data-export="xlsx"' in c.get("/reports/dashboard/", MARCH).content.decode()
        wb = workbook(c.get("/reports/dashboard/", {**MARCH, "export": "xlsx"}))
    assert wb.sheetnames == ["关键指标", "近12个月信访件次", "按内容分类", "按问题属地", "承办单位指标", "热点问题",
                             "反映较多的事项", "说明"]
    tiles = wb["关键指标"]
    assert [c.value for c in tiles[1]] == ["指标", "本期", "计量单位", "去年同期", "同比", "上期", "环比"]
    total = row_of(tiles, "信访总件次")
    assert total[1].value == 10 and total[3].value == 0 and total[4].value == "去年同期无数据"
    timely = row_of(tiles, "及时受理率")
    assert timely[1].value == 90.0 and timely[1].number_format == "0.0" and timely[2].value == "%"
    assert timely[4].value == "—"  # no baseline last year
    header = [c.value for c in wb["承办单位指标"][1]]
    assert header[:2] == ["承办单位", "件次"] and "按期办结率（%）" in header and "重复信访率（%）" not in header
    dept = row_of(wb["承办单位指标"], "东湖区住房和城乡建设局")
    assert dept[1].value == 10 and dept[header.index("按期办结率（%）")].value == 100.0
    titles = rows(wb["反映较多的事项"])
    assert titles[0] == ("排名", "标题", "件次")
    assert (1, "'" + FORMULA, 2) in titles
    assert not any(t.startswith("=") for t in texts(wb))
    assert "统计期间" in " ".join(info(wb))  # 条件：统计期间
    assert AuditEntry.objects.filter(action="report.export", actor="demo_analyst").get().data["report"] == "dashboard"
    # district 2's analyst: the same tables, nothing of district 1
    with time_machine.travel(NOW, tick=False):
        other = workbook(as_user("demo_analyst2").get("/reports/dashboard/", {**MARCH, "export": "xlsx"}))
    text = " ".join(texts(other))
    assert "东湖区" not in text and FORMULA not in text
    assert row_of(other["关键指标"], "信访总件次")[1].value == 0


def test_drill_exports_the_petitions_behind_a_figure(march, as_user, register, users):
    with time_machine.travel(NOW, tick=False):
        named, _code = register(title="=1+2 东湖区的信访件")
        register(actor=users["demo_clerk2"], title="西山区的信访件", problem_region="990103001")
        c = as_user("demo_analyst")
        page = c.get("/reports/drill/", {**MARCH, "measure": "acc_missed"}).content.decode()
        assert 'data-export="xlsx"' in page
        wb = workbook(c.get("/reports/drill/", {**MARCH, "measure": "acc_missed", "export": "xlsx"}))
        numbers = [r[0] for r in rows(wb["信访件"])[1:]]
        assert numbers == ["DH-XF-W-0000"]
        assert wb["信访件"]["A1"].value == "信访件编号"
        about = info(wb)
        assert about["导出内容"] == "统计明细" and about["条件：统计项目"] == "未及时受理" and about["件数"] == 1
        # a figure of this month, with a registered petitioner: masked, and only district 1
        november = {"from": "2026-11-01", "to": "2026-11-15", "measure": "items", "export": "xlsx"}
        wb = workbook(c.get("/reports/drill/", november))
        text = texts(wb)
        assert named.number in text and "西山区的信访件" not in text
        assert "张*" in text and not any("张三" in t or "11010519491231002X" in t or "13800138000" in t for t in text)
        assert "'=1+2 东湖区的信访件" in text and not any(t.startswith("=") for t in text)
        assert AuditEntry.objects.filter(action="petition.export", actor="demo_analyst").count() == 2
        assert c.get("/reports/drill/", {**november, "unit": "DH-XF"}).status_code == 200
        # district 2: its own petition only; asking for a unit of district 1 goes back to the reports page
        c = as_user("demo_analyst2")
        other = texts(workbook(c.get("/reports/drill/", november)))
        assert "西山区的信访件" in other and named.number not in other
        assert c.get("/reports/drill/", {**november, "unit": "DH-XF"}).status_code == 302


def test_report_exports_refuse_without_access(march, client, as_user):
    with time_machine.travel(NOW, tick=False):
        for path in ("/reports/", "/reports/dashboard/", "/reports/drill/"):
            r = client.get(path, {**MARCH, "export": "xlsx"})
            assert r.status_code == 302 and "/login/" in r["Location"]  # not logged in
        clerk = as_user("demo_clerk")
        for path in ("/reports/", "/reports/dashboard/", "/reports/drill/"):
            assert clerk.get(path, {**MARCH, "export": "xlsx"}).status_code == 404
        # bad filters: the page with its error, never a workbook of other figures
        analyst = as_user("demo_analyst")
        r = analyst.get("/reports/", {"from": "2026-02-30", "export": "xlsx"})
        assert r.status_code == 200 and r["Content-Type"].startswith("text/html") and "日期格式无效" in r.content.decode()
        r = analyst.get("/reports/dashboard/", {"unit": "XS-XF", "export": "xlsx"})
        assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
        assert analyst.get("/reports/drill/", {"from": "x", "export": "xlsx"}).status_code == 404
    assert not AuditEntry.objects.filter(action="report.export").exists()
