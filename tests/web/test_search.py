"""The 查询 page: results through the index, filters, saved filters, xlsx export."""

from __future__ import annotations

import io
import urllib.parse

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from xinfang.audit.models import AuditEntry
from xinfang.petitions.models import Petition
from xinfang.petitions.services import PetitionerInput
from xinfang.web.models import SavedFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(org, register):
    p = {}
    p["parking"], _ = register(title="小区物业违规收取停车费", content="幸福小区物业公司违规收取地面停车费。")
    p["formula"], _ = register(
        title="=HYPERLINK(\"http://x.invalid\",\"点我\")", demands="",
        content="+86 13800138000 @张三 -1 停车场收费不公示", channel="letter",
        petitioners=[PetitionerInput(name="欧阳娜娜", phone="13900139000"), PetitionerInput(name="李四")])
    p["accusation"], _ = register(title="检举某局干部吃拿卡要", content="检举停车场管理人员索要好处费。",
                                  nature="accusation", demands="",
                                  petitioners=[PetitionerInput(name="王五", phone="13700137000")])
    p["anonymous"], _ = register(title="匿名反映停车乱收费", content="停车乱收费。", petitioners=[],
                                 is_anonymous=True, demands="")
    p["west"], _ = register(actor=org.users["demo_clerk2"], title="西山区停车难问题", demands="",
                            content="新华街道老旧小区停车难。", problem_region="990103001",
                            petitioners=[PetitionerInput(name="赵六")])
    return p


@pytest.fixture
def as_user(client, users):
    def _as(username):
        client.force_login(users[username])
        return client

    return _as


def section(html: str, start: str, end: str) -> str:
    i = html.find(start)
    return html[i:html.find(end, i)] if i >= 0 else ""


def numbers(response) -> set[str]:
    """The tracking numbers listed in the result table."""
    table = section(response.content.decode(), "<tbody", "</tbody>")
    return {p.number for p in Petition.objects.all() if p.number in table}


def saved_names(response) -> str:
    return section(response.content.decode(), '<aside class="saved-filters', "</aside>")


# ---- the page ------------------------------------------------------------------------------------

def test_page_searches_and_counts(corpus, as_user):
    c = as_user("demo_clerk")
    r = c.get("/search/", {"q": "停车"})
    assert r.status_code == 200
    body = r.content.decode()
    assert numbers(r) == {corpus[k].number for k in ("parking", "formula", "accusation", "anonymous")}
    assert "共 4 件" in body
    assert 'value="停车"' in body
    r = c.get("/search/", {"q": "物业"})
    assert numbers(r) == {corpus["parking"].number}
    assert "共 1 件" in r.content.decode()


def test_page_without_criteria_lists_the_scope(corpus, as_user):
    r = as_user("demo_clerk").get("/search/")
    assert r.status_code == 200
    assert corpus["west"].number not in r.content.decode()
    assert corpus["parking"].number in r.content.decode()
    assert "常用查询" in r.content.decode()


def test_page_filters_sort_and_paging(corpus, as_user, register):
    c = as_user("demo_clerk")
    r = c.get("/search/", {"q": "停车", "channel": "letter"})
    assert numbers(r) == {corpus["formula"].number}
    r = c.get("/search/", {"q": "停车", "channel": ["letter", "visit"], "sort": "number"})
    assert r.status_code == 200 and len(numbers(r)) == 4
    body = r.content.decode()
    order = sorted((body.index(corpus[k].number), corpus[k].number) for k in ("parking", "formula", "anonymous"))
    assert [n for _, n in order] == sorted(n for _, n in order)
    for _ in range(31):
        register(title="停车位被占用", demands="")
    r = c.get("/search/", {"q": "停车位"})
    assert "共 31 件" in r.content.decode() and 'rel="next"' in r.content.decode()
    r = c.get("/search/", {"q": "停车位", "page": 2})
    assert r.status_code == 200 and "第 2 / 2 页" in r.content.decode()


def test_other_district_never_sees_them(corpus, as_user):
    r = as_user("demo_clerk2").get("/search/", {"q": "停车"})
    assert numbers(r) == {corpus["west"].number}
    r = as_user("demo_handler2").get("/search/", {"q": corpus["parking"].number})
    assert numbers(r) == set()


@pytest.mark.parametrize("params", [
    {"q": "停" * 500},
    {"q": "！？。"},
    {"q": "\"' OR 1=1 --"},
    {"q": "停车\x00"},
    {"status": "nonsense"},
    {"received_from": "2026-13-45"},
    {"received_from": "2026-05-02", "received_to": "2026-05-01"},
    {"category": "99999999"},
    {"unit": "NOPE"},
    {"page": "abc", "sort": "title; drop table"},
    {"q": "停车", "overdue": "yes", "urgent": "on", "repeat": "1"},
])
def test_bad_input_is_answered_not_crashed(corpus, as_user, params):
    r = as_user("demo_clerk").get("/search/", params)
    assert r.status_code == 200
    assert Petition.objects.count() == 5


def test_invalid_criteria_show_errors(corpus, as_user):
    r = as_user("demo_clerk").get("/search/", {"received_from": "2026-05-02", "received_to": "2026-05-01"})
    assert "结束日期不能早于开始日期" in r.content.decode()
    r = as_user("demo_clerk").get("/search/", {"q": "停" * 101})
    assert 'class="error' in r.content.decode()


def test_login_required(client):
    assert client.get("/search/").status_code == 302
    assert client.get("/search/export.xlsx").status_code == 302
    assert client.post("/search/saved/", {"name": "x", "query": "q=1"}).status_code == 302


# ---- saved filters -----------------------------------------------------------------------------------

def test_save_use_overwrite_and_delete_saved_filters(corpus, as_user, users):
    c = as_user("demo_clerk")
    r = c.post("/search/saved/", {"name": "停车来信", "query": "q=停车&channel=letter&page=3&evil=1"})
    assert r.status_code == 302
    saved = SavedFilter.objects.get(user=users["demo_clerk"], name="停车来信")
    assert urllib.parse.parse_qs(saved.query) == {"q": ["停车"], "channel": ["letter"]}  # known keys only
    assert "停车来信" in saved_names(c.get("/search/"))
    r = c.get("/search/?" + saved.query)
    assert numbers(r) == {corpus["formula"].number}
    # the same name overwrites
    c.post("/search/saved/", {"name": "停车来信", "query": "q=物业"})
    assert SavedFilter.objects.filter(user=users["demo_clerk"]).count() == 1
    assert SavedFilter.objects.get(user=users["demo_clerk"]).query == "q=%E7%89%A9%E4%B8%9A"
    # nobody else sees or deletes it
    other = as_user("demo_clerk2")
    assert "停车来信" not in saved_names(other.get("/search/"))
    assert other.post(f"/search/saved/{saved.pk}/delete/").status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    c = as_user("demo_clerk")
    assert c.post(f"/search/saved/{saved.pk}/delete/").status_code == 302
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()
    assert c.get(f"/search/saved/{saved.pk}/delete/").status_code == 405


def test_saving_refuses_empty_names_and_criteria(corpus, as_user, users):
    c = as_user("demo_clerk")
    c.post("/search/saved/", {"name": "  ", "query": "q=停车"})
    c.post("/search/saved/", {"name": "无条件", "query": ""})
    c.post("/search/saved/", {"name": "x" * 65, "query": "q=停车"})
    assert not SavedFilter.objects.filter(user=users["demo_clerk"]).exists()


# ---- export -------------------------------------------------------------------------------------------

def export(client, params):
    r = client.get("/search/export.xlsx", params)
    assert r.status_code == 200, r.content[:300]
    assert r["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in r["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]], wb


def test_export_headers_masking_and_formulas(corpus, as_user):
    headers, rows, wb = export(as_user("demo_clerk"), {"q": "停车"})
    for h in ("信访件编号", "收到时间", "信访形式", "标题", "反映内容", "内容分类", "信访人", "承办单位", "状态", "到期日"):
        assert h in headers
    by_number = {r["信访件编号"]: r for r in rows}
    assert set(by_number) == {corpus[k].number for k in ("parking", "formula", "accusation", "anonymous")}
    formula = by_number[corpus["formula"].number]
    assert formula["标题"].startswith("'=HYPERLINK")
    assert formula["反映内容"].startswith("'+86")
    assert formula["信访人"] == "欧**娜、李*"
    assert by_number[corpus["parking"].number]["信访人"] == "张*"
    assert by_number[corpus["anonymous"].number]["信访人"] == "匿名"
    assert by_number[corpus["formula"].number]["信访形式"] == "来信"
    # the registering office is in the handling chain of the accusation: masked, not hidden
    assert by_number[corpus["accusation"].number]["信访人"] == "王*"
    everything = repr([list(ws.iter_rows(values_only=True)) for ws in wb.worksheets])
    for secret in ("张三", "欧阳娜娜", "王五", "13800138000'", "13900139000", "13700137000", "110105"):
        assert secret not in everything.replace("@张三", ""), secret
    # no cell of any sheet starts a formula
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@")), cell.value


def test_export_hides_accusers_outside_the_handling_chain(corpus, as_user, act, users):
    act("demo_dispatcher", corpus["accusation"], "assign", unit="DH-ZJ")
    # the city bureau covers the district but is not in this petition's handling chain
    _h, rows, _wb = export(as_user("demo_city_dispatcher"), {"q": "检举"})
    assert [r["信访人"] for r in rows] == ["（检举控告人信息不予显示）"]
    _h, rows, _wb = export(as_user("demo_clerk"), {"q": "检举"})
    assert [r["信访人"] for r in rows] == ["王*"]


def test_export_is_scoped_and_filtered(corpus, as_user):
    _h, rows, _wb = export(as_user("demo_clerk2"), {"q": "停车"})
    assert [r["信访件编号"] for r in rows] == [corpus["west"].number]
    assert rows[0]["信访人"] == "赵*"
    _h, rows, _wb = export(as_user("demo_clerk"), {"q": "停车", "channel": "letter"})
    assert [r["信访件编号"] for r in rows] == [corpus["formula"].number]
    _h, rows, wb = export(as_user("demo_clerk"), {"q": "没有这个词"})
    assert rows == []
    info = dict(wb.worksheets[1].iter_rows(values_only=True))
    assert info["件数"] == 0 and info["条件：关键词"] == "没有这个词"


def test_export_of_invalid_criteria_redirects_and_exports_are_audited(corpus, as_user):
    c = as_user("demo_clerk")
    r = c.get("/search/export.xlsx", {"received_from": "bad"})
    assert r.status_code == 302 and r["Location"].startswith("/search/")
    before = AuditEntry.objects.filter(action="petition.export").count()
    export(c, {"q": "停车"})
    entry = AuditEntry.objects.filter(action="petition.export").latest("id")
    assert AuditEntry.objects.filter(action="petition.export").count() == before + 1
    assert entry.data["rows"] == 4


def test_export_cell_sanitising():
    from xinfang.reports.exports import safe_cell

    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("+1") == "'+1" and safe_cell("-1") == "'-1" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("\t=1") == "'\t=1"
    assert safe_cell("a\x00b\x07c") == "abc"
    assert safe_cell(-5) == -5  # numbers stay numbers
    assert safe_cell("正常文本") == "正常文本"
    assert len(safe_cell("字" * 40000)) == 32767


# ---- a real browser ------------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_search_page_in_a_browser(org, register, login, live_server):
    p, _ = register(title="东湖区幸福小区停车收费问题")
    register(title="拖欠工资", content="工地拖欠工资。", demands="")
    page = login("demo_clerk")
    page.click("a[data-nav=search]")
    page.fill("input[name=q]", "停车")
    page.click(".search-box button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(p.number).count() == 1
    assert "共 1 件" in page.inner_text("h1")
    page.fill("input[name=name]", "停车问题")
    page.click(".save-filter button")
    page.wait_for_load_state("networkidle")
    assert page.locator(".saved-filters a", has_text="停车问题").count() == 1
    user = get_user_model().objects.get(username="demo_clerk")
    assert SavedFilter.objects.filter(user=user, name="停车问题").exists()
    with page.expect_download() as info:
        page.click("text=导出Excel")
    with open(info.value.path(), "rb") as fh:
        wb = load_workbook(io.BytesIO(fh.read()))
    assert wb.worksheets[0].cell(row=2, column=1).value == p.number
