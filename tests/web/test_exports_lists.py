"""Every list exports to xlsx (`?export=xlsx` on its own URL): 信访人, 知识库, 批量导入 and the 系统管理
lists. Each workbook has Chinese headers and a 说明 sheet, holds only what the page would show the
user (masked as the page masks it), neutralises formulas in user text, is audited, and a user who
may not see the page gets 404 (or the login page), never a 500."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from intake_helpers import ID_B, logged_in
from openpyxl import load_workbook

from xinfang.audit.models import AuditEntry
from xinfang.common import crypto
from xinfang.common.models import CalendarDay
from xinfang.knowledge import services as kb
from xinfang.org.models import Unit
from xinfang.petitions.models import Category, ImportJob
from xinfang.petitions.services import PetitionerInput
from xinfang.workflow.models import DeadlinePolicy, RoutingRule

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ID_A = "11010519491231002X"  # the register fixture's petitioner 张三, phone 13800138000
FORMULA = '=HYPERLINK("http://example.invalid","点击")'


def workbook(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def table(wb) -> list[tuple]:
    """The rows of the first sheet, header first."""
    return list(wb.worksheets[0].iter_rows(values_only=True))


def texts(wb) -> list[str]:
    return [str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r if v is not None]


def info(wb) -> dict:
    return {label: value for label, value, *_rest in wb["说明"].iter_rows(values_only=True)}


def no_formula(wb) -> None:
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts(wb) if not t.lstrip("-").isdigit())


def unit(code):
    return Unit.objects.get(code=code)


# ---- 工作台 -------------------------------------------------------------------------------------

def test_home_list_export(org, register, users):
    mine, _code = register(title="=1+1 东湖区的事项")
    register(actor=users["demo_clerk2"], title="西山区的事项", problem_region="990103001")
    client = logged_in(users["demo_clerk"])
    assert 'data-export="xlsx"' in client.get("/").content.decode()
    wb = workbook(client.get("/?export=xlsx&sort=number"))
    rows = table(wb)
    assert rows[0][:2] == ("信访件编号", "收到时间") and [r[0] for r in rows[1:]] == [mine.number]
    assert rows[1][5] == "'=1+1 东湖区的事项" and rows[1][11] == "张*"
    assert info(wb)["导出内容"] == "最近的信访件"
    assert not any("张三" in t or ID_A in t or "西山区的事项" in t for t in texts(wb))
    assert AuditEntry.objects.filter(action="petition.export", actor="demo_clerk").get().data["list"] == "home"


# ---- 信访人 -------------------------------------------------------------------------------------

def test_petitioners_export_masked_and_scoped(org, register, users):
    register()  # 张三, by 东湖区信访局
    register(petitioners=[PetitionerInput(name=FORMULA, phone="13900139000")], title="公式姓名")
    register(actor=users["demo_clerk2"], problem_region="990103001",
             petitioners=[PetitionerInput(name="西山李四", id_number=ID_B, phone="13700137000")])
    client = logged_in(users["demo_clerk"])
    page = client.get("/petitioners/").content.decode()
    assert 'name="export" value="xlsx"' in page
    wb = workbook(client.get("/petitioners/?export=xlsx"))
    rows = table(wb)
    assert rows[0] == ("姓名", "类型", "身份证号", "联系电话", "信访件", "未办结", "最近信访")
    zhang = next(r for r in rows if r[0] == "张*")
    assert zhang[1:6] == ("个人", "110105********002X", "138****8000", 1, 1)
    # the masked formula keeps its first character, quoted; nobody of district 2
    assert sorted(r[0] for r in rows[1:]) == sorted(["张*", "'" + crypto.mask_name(FORMULA)])
    text = texts(wb)
    for clear in ("张三", ID_A, "13800138000", "13900139000", FORMULA):
        assert not any(clear in t for t in text), clear
    assert not any("西山" in t or ID_B[-4:] in t or "7000" in t for t in text)  # district 2's petitioner
    no_formula(wb)
    assert AuditEntry.objects.filter(action="petitioner.export", actor="demo_clerk").count() == 1


def test_petitioner_search_export_masks_the_query(org, register, users):
    register()
    register(actor=users["demo_clerk2"], problem_region="990103001",
             petitioners=[PetitionerInput(name="西山李四", id_number=ID_B, phone="13700137000")])
    client = logged_in(users["demo_clerk"])
    wb = workbook(client.post("/petitioners/", {"q": ID_A, "export": "xlsx"}))
    assert [r[0] for r in table(wb)[1:]] == ["张*"]
    about = info(wb)
    assert about["条件：查询方式"] == "按身份证号精确查询" and about["条件：查询内容"] == "110105********002X"
    assert not any(ID_A in t or "张三" in t for t in texts(wb))
    assert ID_A not in str(AuditEntry.objects.filter(action="petitioner.export").get().data)
    # another district's petitioner, by their ID number: an empty table
    wb = workbook(client.post("/petitioners/", {"q": ID_B, "export": "xlsx"}))
    assert table(wb)[1:] == [] and not any(ID_B in t for t in texts(wb))
    assert logged_in(users["demo_clerk2"]).post("/petitioners/", {"q": ID_B, "export": "xlsx"}).status_code == 200


def test_petitioners_export_needs_login(client):
    r = client.get("/petitioners/?export=xlsx")
    assert r.status_code == 302 and "/login/" in r["Location"]


# ---- 知识库 -------------------------------------------------------------------------------------

def test_knowledge_export(org, users):
    kb.article_create(actor=users["demo_admin"], title=FORMULA, body="物业服务收费管理办法全文。",
                      source="发改价格〔2003〕1864号", category="010101")
    kb.article_create(actor=users["demo_leader2"], title="西山区的草稿", body="未发布。", is_published=False)
    client = logged_in(users["demo_clerk"])
    assert 'data-export="xlsx"' in client.get("/knowledge/").content.decode()
    wb = workbook(client.get("/knowledge/", {"kind": "policy", "export": "xlsx"}))
    rows = table(wb)
    assert rows[0][:4] == ("类型", "标题", "出处/文号", "内容分类")
    policy = next(r for r in rows if r[1] == "'" + FORMULA)
    assert policy[0] == "政策法规" and policy[2] == "发改价格〔2003〕1864号"
    assert policy[3] == "城乡建设 / 住房保障与房地产 / 物业管理" and policy[6] == "是"
    assert "西山区的草稿" not in texts(wb)  # another user's draft
    assert info(wb)["条件：类型"] == "政策法规"
    no_formula(wb)
    assert "西山区的草稿" in texts(workbook(logged_in(users["demo_leader2"]).get("/knowledge/?export=xlsx")))
    assert AuditEntry.objects.filter(action="table.export", actor="demo_clerk").get().data["table"] == "knowledge"


# ---- 批量导入 -----------------------------------------------------------------------------------

def test_import_jobs_export_only_own(org, users):
    ImportJob.objects.create(created_by=users["demo_clerk"], unit=unit("DH-XF"), filename="=cmd.xlsx",
                             state=ImportJob.State.DONE, total_rows=12, created_count=12)
    ImportJob.objects.create(created_by=users["demo_clerk2"], unit=unit("XS-XF"), filename="西山台账.xlsx")
    client = logged_in(users["demo_clerk"])
    assert 'data-export="xlsx"' in client.get("/imports/").content.decode()
    wb = workbook(client.get("/imports/?export=xlsx"))
    rows = table(wb)
    assert rows[0] == ("文件名", "上传时间", "登记单位", "状态", "行数", "已导入")
    assert [r[0] for r in rows[1:]] == ["'=cmd.xlsx"]
    assert rows[1][2:] == ("东湖区信访局", "已完成", 12, 12)
    assert "西山台账.xlsx" not in texts(wb)
    no_formula(wb)


# ---- 系统管理 -----------------------------------------------------------------------------------

MANAGE = ["/manage/units/", "/manage/users/", "/manage/categories/", "/manage/deadlines/", "/manage/calendar/",
          "/manage/routing/"]


def test_manage_exports_only_for_administrators(org, users, client):
    for path in MANAGE:
        r = client.get(path + "?export=xlsx")
        assert r.status_code == 302 and "/login/" in r["Location"]
    for name in ("demo_clerk", "demo_leader", "demo_analyst"):
        c = logged_in(users[name])
        for path in MANAGE:
            assert c.get(path + "?export=xlsx").status_code == 404, (name, path)
    assert not AuditEntry.objects.filter(action="table.export").exists()
    admin = logged_in(users["demo_admin2"])
    for path in MANAGE:
        page = admin.get(path)
        assert page.status_code == 200 and 'data-export="xlsx"' in page.content.decode(), path
        workbook(admin.get(path + "?export=xlsx"))
    assert AuditEntry.objects.filter(action="table.export", actor="demo_admin2").count() == len(MANAGE)


def test_manage_units_export_scoped(org, users):
    Unit.objects.filter(code="XS-JY").update(name="=西山区教育局")
    wb = workbook(logged_in(users["demo_admin2"]).get("/manage/units/?export=xlsx"))
    rows = table(wb)
    assert rows[0][:3] == ("单位代码", "单位名称", "简称")
    office = next(r for r in rows if r[0] == "XS-XF")
    assert office[1] == "西山区信访局" and office[3:6] == ("信访工作机构", "县级", "西山区")
    assert office[6] == "西山区人民政府" and office[8] == "是"
    assert "'=西山区教育局" in texts(wb)
    assert not any(r[0].startswith(("DH", "SF")) for r in rows[1:])  # another district, the city
    no_formula(wb)
    everything = [r[0] for r in table(workbook(logged_in(users["demo_admin"]).get("/manage/units/?export=xlsx")))]
    assert "DH-XF" in everything and "XS-XF" in everything


def test_manage_users_export_scoped(org, users):
    wb = workbook(logged_in(users["demo_admin2"]).get("/manage/users/", {"export": "xlsx", "role": "clerk"}))
    rows = table(wb)
    assert rows[0] == ("用户名", "姓名", "单位和角色", "超级管理员", "状态", "最近登录")
    assert [r[0] for r in rows[1:]] == ["demo_clerk2"]
    assert rows[1][1:3] == ("西登记", "西山区信访局 · 接访登记员")
    assert info(wb)["条件：角色"] == "接访登记员"
    names = [r[0] for r in table(workbook(logged_in(users["demo_admin2"]).get("/manage/users/?export=xlsx")))]
    assert "demo_admin2" in names and not any(n in names for n in ("demo_clerk", "demo_admin", "demo_city_leader"))


def test_manage_categories_export(org, users):
    Category.objects.filter(code="010101").update(name="=物业管理")
    wb = workbook(logged_in(users["demo_admin2"]).get("/manage/categories/?export=xlsx"))
    rows = table(wb)
    assert rows[0] == ("分类代码", "分类名称", "级别", "上级分类", "信访件", "启用")
    assert ("010101", "'=物业管理", 3, "城乡建设 / 住房保障与房地产", 0, "是") in rows
    no_formula(wb)


def test_manage_deadlines_export_scoped(org, users):
    DeadlinePolicy.objects.create(key="accept", days=10, unit=unit("DH-XF"), source="东湖区文件")
    DeadlinePolicy.objects.create(key="accept", days=12, working_days=True, unit=unit("XS-XF"), source="=西山区文件")
    wb = workbook(logged_in(users["demo_admin2"]).get("/manage/deadlines/?export=xlsx"))
    rows = table(wb)
    assert rows[0][:6] == ("时限项目", "项目代码", "适用单位", "天数", "按工作日计", "启用")
    own = [r for r in rows if r[2] == "西山区信访局"]
    assert len(own) == 1 and own[0][1] == "accept" and own[0][3:7] == (12, "是", "是", "'=西山区文件")
    assert any(r[1] == "accept" and r[2] == "默认" for r in rows)
    assert not any("东湖" in t for t in texts(wb))
    no_formula(wb)


def test_manage_routing_export_scoped(org, users):
    RoutingRule.objects.create(category=Category.objects.get(code="010101"), unit=unit("XS-ZJ"),
                               owner=unit("XS-XF"), priority=5, note="=西山规则")
    RoutingRule.objects.create(unit=unit("DH-ZJ"), owner=unit("DH-XF"), note="东湖规则")
    wb = workbook(logged_in(users["demo_admin2"]).get("/manage/routing/?export=xlsx"))
    rows = table(wb)
    assert rows[0] == ("内容分类", "问题属地", "承办单位", "适用的分办单位", "优先级", "状态", "说明")
    assert rows[1:] == [("城乡建设 / 住房保障与房地产 / 物业管理", "（任意）", "西山区住房和城乡建设局", "西山区信访局", 5,
                         "启用", "'=西山规则")]
    notes = [r[6] for r in table(workbook(logged_in(users["demo_admin"]).get("/manage/routing/?export=xlsx")))]
    assert "东湖规则" in notes and "'=西山规则" in notes


def test_manage_calendar_export(org, users):
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, name="元旦")
    CalendarDay.objects.create(date=dt.date(2027, 2, 7), is_workday=True, name="=春节调休")
    wb = workbook(logged_in(users["demo_admin2"]).get("/manage/calendar/?year=2027&export=xlsx"))
    rows = table(wb)
    assert wb.sheetnames == ["2027", "说明"]
    assert rows[0] == ("日期", "星期", "安排", "名称")
    assert rows[1] == (dt.datetime(2027, 1, 1), "周五", "休息", "元旦")
    assert rows[2][2:] == ("调休上班", "'=春节调休")
    assert info(wb)["条件：年份"] == 2027
    other = table(workbook(logged_in(users["demo_admin2"]).get("/manage/calendar/?year=2026&export=xlsx")))[1:]
    assert other and all(r[0].year == 2026 for r in other)  # the seeded 2026 schedule, nothing of 2027
