"""批量导入: the parser (headers, dates, channels, encodings, per-row errors), all-or-none commit,
the background job and the command line (in-process and through the real `xinfang` script)."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from xinfang.audit.models import AuditEntry
from xinfang.audit.services import audit_verify
from xinfang.common.errors import ApplicationError
from xinfang.common.validators import id_checksum, validate_id_number
from xinfang.imports import limits, progress, runner
from xinfang.imports.access import resolve_unit
from xinfang.imports.cells import parse_when
from xinfang.imports.checking import rows_validate
from xinfang.imports.committing import import_table, rows_commit
from xinfang.imports.errors import RowInvalid
from xinfang.imports.lookups import Lookups
from xinfang.imports.mapping import match_headers, parse_mapping_args
from xinfang.imports.reading import FormulaWithoutValue, _xlsx_head, read_table
from xinfang.imports.rows import RowParser
from xinfang.imports.selectors import import_job_preview
from xinfang.imports.services import import_job_create, import_job_start
from xinfang.petitions.models import Category, ImportJob, NumberSequence, Petition, Petitioner
from xinfang.workflow.models import Deadline, PetitionEvent

SH = ZoneInfo("Asia/Shanghai")
VALID_ID = "11010519491231002X"
VALID_ID2 = "11010519800101001" + id_checksum("11010519800101001")
HEADERS = ["原编号", "来信来访日期", "信访形式", "事由", "反映内容", "诉求", "姓名", "身份证号", "联系电话", "地址",
           "人数", "分类", "问题属地"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def days_ago(n: int, hour: int = 9) -> str:
    day = timezone.localdate() - dt.timedelta(days=n)
    return f"{day:%Y-%m-%d} {hour:02d}:30"


def good_rows() -> list[list]:
    return [
        ["A-001", days_ago(3), "来信", "小区物业违规收取停车费", "幸福小区物业公司违规收取地面停车费。", "退还停车费",
         "张三", VALID_ID, "13800138000", "东湖区幸福小区", "1", "物业管理", "东湖区城关街道"],
        ["A-002", days_ago(2, 14), "12345热线", "夜间施工噪音扰民", "工地夜间施工，噪音很大。", "停止夜间施工",
         "李四", "", "13900139000", "", "", "010202", "990102001"],
        ["A-003", days_ago(1), "网上信访", "拖欠工资", "某公司拖欠三个月工资。", "支付工资",
         "王五、赵六", VALID_ID2, "", "", "3", "劳动和社会保障/劳动关系/拖欠工资", "东湖区"],
    ]


def bad_id_message(value: str = "110105194912310021") -> str:
    """The validator's own message for an ID number with a wrong check digit (the importer passes it on)."""
    with pytest.raises(ApplicationError) as exc:
        validate_id_number(value, "petitioner_id_number")
    return exc.value.message


def csv_bytes(rows, headers=HEADERS, encoding="utf-8-sig") -> bytes:
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS, title_row: str | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    if title_row:
        ws.append([title_row])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- headers -------------------------------------------------------------------------------------

def test_common_chinese_ledger_headers_are_matched():
    headers = ["序号", "来信来访日期", "信访形式", "事由", "主要内容", "诉求", "信访人", "身份证号码", "联系电话",
               "家庭住址", "人数", "问题分类", "问题属地", "原编号", "被反映人", "办结时间", "备注"]
    m = match_headers(headers)
    assert m == {
        "external_id": "原编号", "received_at": "来信来访日期", "channel": "信访形式", "title": "事由",
        "content": "主要内容", "demands": "诉求", "category": "问题分类", "problem_region": "问题属地",
        "headcount": "人数", "accused_person": "被反映人", "petitioner_name": "信访人",
        "petitioner_id_number": "身份证号码", "petitioner_phone": "联系电话", "petitioner_address": "家庭住址",
        "closed_at": "办结时间",
    }
    # 办结时间 is the close (a history column), not the received time; 序号 is not an external number,
    # 被反映人 is not the petitioner
    assert "序号" not in m.values() and "备注" not in m.values()


@pytest.mark.parametrize(("header", "field"), [
    ("登记日期", "received_at"), ("收到时间", "received_at"), ("来信来访日期", "received_at"),
    ("*收到时间（必填）", "received_at"), ("标题", "title"), ("事由", "title"), ("内容", "content"),
    ("反映内容", "content"), ("主要内容", "content"), ("诉求", "demands"), ("姓名", "petitioner_name"),
    ("信访人", "petitioner_name"), ("信访人姓名", "petitioner_name"), ("身份证号", "petitioner_id_number"),
    ("电话", "petitioner_phone"), ("联系电话", "petitioner_phone"), ("地址", "petitioner_address"),
    ("人数", "headcount"), ("信访形式", "channel"), ("渠道", "channel"), ("分类", "category"),
    ("问题属地", "problem_region"), ("编号", "external_id"), ("原编号", "external_id"),
    ("信访人联系电话", "petitioner_phone"), ("被反映人姓名", "accused_person"), ("title", "title"),
    ("received_at", "received_at"), ("petitioner_name", "petitioner_name"), ("信访人身份证号", "petitioner_id_number"),
])
def test_header_aliases(header, field):
    assert match_headers(["甲", header]) == {field: header}


def test_explicit_mapping_wins_and_unknowns_are_refused():
    headers = ["日期", "事由", "情况说明", "姓名"]
    explicit = parse_mapping_args(["content=情况说明", "title=事由", "received_at=日期"])
    assert match_headers(headers, explicit) == {"received_at": "日期", "title": "事由", "content": "情况说明",
                                                "petitioner_name": "姓名"}
    # an empty header unmaps an automatically matched column
    assert "petitioner_name" not in match_headers(headers, parse_mapping_args(["petitioner_name="]))
    with pytest.raises(ApplicationError, match="找不到列“备注”"):
        match_headers(headers, {"content": "备注"})
    with pytest.raises(ApplicationError, match="未知的字段：subject"):
        parse_mapping_args(["subject=事由"])
    with pytest.raises(ApplicationError, match="字段=表头"):
        parse_mapping_args(["title"])


def test_header_row_below_a_title_row_and_spreadsheet_row_numbers():
    data = xlsx_bytes([good_rows()[0], [None] * 13, good_rows()[1]], title_row="2026年东湖区信访登记台账")
    table = read_table(data, "台账.xlsx")
    assert table.header_row == 2 and table.headers[:3] == ["原编号", "来信来访日期", "信访形式"]
    assert [n for n, _v in table.rows] == [3, 5]  # the blank row 4 is skipped, numbers stay as in Excel


# ---- dates ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("2026-03-02", (2026, 3, 2, 0, 0)),
    ("2026/3/2", (2026, 3, 2, 0, 0)),
    ("2026.3.2", (2026, 3, 2, 0, 0)),
    ("2026年3月2日", (2026, 3, 2, 0, 0)),
    ("２０２６年３月２日", (2026, 3, 2, 0, 0)),
    ("20260302", (2026, 3, 2, 0, 0)),
    ("2026-03-02 14:30", (2026, 3, 2, 14, 30)),
    ("2026/3/2 9:05:30", (2026, 3, 2, 9, 5)),
    ("2026年3月2日14时30分", (2026, 3, 2, 14, 30)),
    ("2026年3月2日 下午2:30", (2026, 3, 2, 14, 30)),
    ("2026-03-02T06:30:00Z", (2026, 3, 2, 14, 30)),
    (dt.datetime(2026, 3, 2, 14, 30), (2026, 3, 2, 14, 30)),
    (dt.date(2026, 3, 2), (2026, 3, 2, 0, 0)),
    (46083, (2026, 3, 2, 0, 0)),  # an Excel serial date
    (46083.5, (2026, 3, 2, 12, 0)),
    ("46083", (2026, 3, 2, 0, 0)),
])
def test_dates_in_many_forms(value, expected):
    when = parse_when(value, SH)
    local = when.astimezone(SH)
    assert (local.year, local.month, local.day, local.hour, local.minute) == expected


def test_naive_times_are_shanghai_time():
    when = parse_when("2026-03-02 08:00", SH)
    assert when.utcoffset() == dt.timedelta(hours=8)
    assert when.astimezone(dt.UTC) == dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("value", ["明天", "2026-13-01", "3/2", "2026-02-30", "", True, dt.time(9, 30)])
def test_bad_dates(value):
    with pytest.raises(ValueError):
        parse_when(value, SH)


# ---- one row -------------------------------------------------------------------------------------

class FakeLookups(Lookups):
    """No database: categories and regions by code only."""

    def category(self, text):
        return (text, text, "") if text.isdigit() else (None, "", f"内容分类不存在：{text}")

    def region(self, text):
        return (text, text, "") if text.isdigit() else (None, "", f"问题属地不存在：{text}")

    def unit(self, text):
        return None, "", f"被反映单位不存在：{text}"


def parse_one(headers, values, **kw):
    parser = RowParser(headers, match_headers(headers), lookups=FakeLookups(), **kw)
    return parser.parse(2, values)


@pytest.mark.parametrize(("raw", "code"), [
    ("来信", "letter"), ("来访", "visit"), ("来电", "phone"), ("网上信访", "online"), ("12345热线", "hotline"),
    ("12345", "hotline"), ("上级转交办", "transfer_in"), ("传真", "fax"), ("电子邮件", "email"), ("letter", "letter"),
    (" 来访 ", "visit"), ("市长信箱", "online"),
])
def test_channel_values_map_to_codes(raw, code):
    row = parse_one(["收到时间", "信访形式", "标题", "内容", "姓名"], ["2026-03-02", raw, "标题", "内容", "张三"])
    assert row.fields["channel"] == code


def test_unknown_channel_and_default_channel():
    headers = ["收到时间", "信访形式", "标题", "内容", "姓名"]
    with pytest.raises(RowInvalid) as exc:
        parse_one(headers, ["2026-03-02", "飞鸽传书", "标题", "内容", "张三"])
    (error,) = exc.value.errors
    assert error.row == 2 and error.column == "信访形式" and "无法识别的信访形式：飞鸽传书" in error.message
    row = parse_one(headers, ["2026-03-02", "", "标题", "内容", "张三"], default_channel="visit")
    assert row.fields["channel"] == "visit"
    with pytest.raises(RowInvalid):
        parse_one(headers, ["2026-03-02", "", "标题", "内容", "张三"])


def test_row_values_are_converted():
    headers = ["收到时间", "信访形式", "事由", "反映内容", "信访人", "身份证号", "电话", "人数", "性质", "诉求类型",
               "是否紧急", "是否匿名", "涉法涉诉", "原编号"]
    row = parse_one(headers, [dt.datetime(2026, 3, 2, 9, 30), "来访", "标题", "内容", "张三等6人", VALID_ID.lower(),
                              13800138000, None, "检举控告类", "举报", "是", "否", "√", 12345.0])
    f = row.fields
    assert f["received_at"] == dt.datetime(2026, 3, 2, 9, 30, tzinfo=SH)
    assert f["headcount"] == 6 and f["nature"] == "accusation" and f["demand_type"] == "report"
    assert f["is_urgent"] is True and f["is_anonymous"] is False and f["is_litigation"] is True
    assert f["external_id"] == "12345"
    (person,) = row.petitioners
    assert (person.name, person.id_number, person.phone) == ("张三", VALID_ID, "13800138000")
    assert row.display["id_number"] == "110105********002X" and row.display["petitioners"] == "张*"


def test_control_characters_are_dropped(users):
    """NUL and other control characters (xlsx `_x0000_` escapes) never reach the database."""
    row = parse_one(HEADERS, ["C-1", "2026-03-02", "来信", "标题\x01", "内容\x00\x7f第二段\n第三行", "", "张三\x0b",
                              "", "", "", "", "", ""])
    assert row.fields["title"] == "标题" and row.fields["content"] == "内容第二段\n第三行"
    assert row.petitioners[0].name == "张三"
    data = csv_bytes([["C-1", days_ago(1), "来信", "标题\x01", "内容\x7f", "", "张三\x0b", "", "", "", "", "", ""]])
    assert _import(users, data).created == 1
    assert Petition.objects.get().content == "内容"


def test_anonymous_and_several_petitioners():
    headers = ["收到时间", "信访形式", "标题", "内容", "姓名"]
    row = parse_one(headers, ["2026-03-02", "来信", "标题", "内容", "匿名"])
    assert row.fields["is_anonymous"] is True and row.petitioners == []
    row = parse_one(headers, ["2026-03-02", "来访", "标题", "内容", "王五、赵六"])
    assert [p.name for p in row.petitioners] == ["王五", "赵六"]


def test_title_from_content_when_the_ledger_has_no_title_column():
    row = parse_one(["收到时间", "信访形式", "反映内容", "姓名"],
                    ["2026-03-02", "来信", "幸福小区物业违规收取停车费。业主多次反映无果。", "张三"])
    assert row.fields["title"] == "幸福小区物业违规收取停车费"


def test_every_error_of_a_row_is_reported_in_chinese_with_its_column():
    headers = ["收到时间", "信访形式", "标题", "反映内容", "姓名", "身份证号", "联系电话", "人数", "分类", "是否紧急"]
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%d")
    with pytest.raises(RowInvalid) as exc:
        parse_one(headers, [future, "来信", "", "", "", "110105194912310021", "12", "0", "火星", "也许"])
    got = {(e.column, e.message) for e in exc.value.errors}
    assert got == {
        ("收到时间", "收到时间不能晚于当前时间。"),
        ("标题", "请填写标题。"),
        ("反映内容", "请填写反映内容。"),
        ("姓名", "请至少填写一名信访人，或标记为匿名。"),
        ("人数", "人数应为正整数。"),
        ("分类", "内容分类不存在：火星"),
        ("是否紧急", "“是否紧急”应填“是”或“否”：也许"),
    }
    with pytest.raises(RowInvalid) as exc:
        parse_one(headers, ["2026-03-02", "来信", "标题", "内容", "张三", "110105194912310021", "12", "1", "", ""])
    got = {(e.column, e.message) for e in exc.value.errors}
    assert got == {("身份证号", bad_id_message()),
                   ("联系电话", "电话号码无效：请填写11位手机号或带区号的固定电话。")}


def test_an_id_number_stored_as_an_excel_number_gets_a_hint():
    with pytest.raises(RowInvalid) as exc:
        parse_one(["收到时间", "信访形式", "标题", "内容", "姓名", "身份证号"],
                  ["2026-03-02", "来信", "标题", "内容", "张三", 1.10105194912310e17])
    assert "文本格式" in exc.value.errors[0].message


def test_formula_and_error_cells():
    headers = ["收到时间", "信访形式", "标题", "内容", "姓名"]
    with pytest.raises(RowInvalid) as exc:
        parse_one(headers, ["2026-03-02", "来信", FormulaWithoutValue("=A1&B1"), "#REF!", "张三"])
    messages = {e.column: e.message for e in exc.value.errors}
    assert "公式" in messages["标题"] and "=A1&B1" in messages["标题"]
    assert "#REF!" in messages["内容"]
    assert len(exc.value.errors) == 2  # no second "请填写…" for the same cell


# ---- files ---------------------------------------------------------------------------------------

def test_gbk_csv_is_read():
    rows = good_rows()
    for encoding in ("gbk", "gb18030", "utf-8-sig", "utf-8", "utf-16"):
        table = read_table(csv_bytes(rows, encoding=encoding), "台账.csv")
        assert table.headers == HEADERS, encoding
        assert table.rows[0][1][3] == "小区物业违规收取停车费"
        assert [n for n, _v in table.rows] == [2, 3, 4]


def test_tab_separated_csv():
    text = "收到时间\t标题\t反映内容\t姓名\n2026-03-02\t标题\t内容\t张三\n"
    table = read_table(text.encode("gbk"), "a.csv")
    assert table.headers == ["收到时间", "标题", "反映内容", "姓名"] and len(table.rows) == 1


def test_xlsx_cells_keep_their_types_and_formulas_without_results_are_flagged():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "收到时间", "信访形式", "标题", "反映内容", "姓名"])
    ws.append(["=ROW()-1", dt.datetime(2026, 3, 2, 9, 30), "来信", "标题一", "内容", "张三"])
    ws.append(["=ROW()-1", dt.datetime(2026, 3, 3), "来访", '=CONCAT("标","题")', "内容", "李四"])
    buf = io.BytesIO()
    wb.save(buf)
    table = read_table(buf.getvalue(), "a.xlsx")
    assert table.rows[0][1][1] == dt.datetime(2026, 3, 2, 9, 30)
    assert isinstance(table.rows[1][1][3], FormulaWithoutValue)
    parser = RowParser(table.headers, match_headers(table.headers), lookups=FakeLookups())
    parser.parse(2, table.rows[0][1])  # the 序号 formula is in a column not imported
    with pytest.raises(RowInvalid) as exc:
        parser.parse(3, table.rows[1][1])
    assert exc.value.errors[0].column == "标题" and "公式" in exc.value.errors[0].message


def test_a_preview_reads_only_the_first_rows_of_a_big_sheet():
    from openpyxl import Workbook

    wb = Workbook(write_only=True)  # written without <dimension>, like many exported files
    ws = wb.create_sheet("台账")
    ws.append(["说明：本表由系统导出"])
    ws.append(HEADERS)
    for i in range(300):
        ws.append([f"N{i}", "2026-03-02", "来信", f"标题{i}", "内容", "", "张三", "", "", "", "", "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    head, counts = _xlsx_head(data, 20)
    assert counts == {"xl/worksheets/sheet1.xml": 302} and len(head) < len(data)
    table = read_table(data, "big.xlsx", limit=5)
    assert table.sheet == "台账" and table.header_row == 2 and not table.complete
    assert [n for n, _v in table.rows] == [3, 4, 5, 6, 7] and table.size_estimate == 300
    whole = read_table(data, "big.xlsx")
    assert whole.complete and len(whole.rows) == 300 and whole.rows[-1][0] == 302


def _zip(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "a.xlsx", "文件是空的"),
    (b"%PDF-1.4 something", "a.pdf", "不支持的文件类型：pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "a.xls", "旧版 Excel"),
    (b"just text, not a workbook", "a.xlsx", "不是有效的 .xlsx"),
    (_zip({"word/document.xml": "<w/>"}), "a.xlsx", "无法读取Excel文件"),
    (b"PK\x03\x04broken zip", "a.xlsx", "无法读取Excel文件"),
    ("2026-03-02,来信,停车收费,物业乱收停车费,张三\n2026-03-03,来访,噪音,夜间施工,李四\n".encode(), "a.csv",
     "未找到表头行"),
    (b"\n\n,,,\n", "a.csv", "文件中没有数据"),
    (b"\x00\x01\x02\x03binary", "a.csv", "二进制"),
    (b"\xff\xfe\x00", "a.csv", "编码"),
])
def test_unusable_files_give_a_clear_message(data, name, message):
    with pytest.raises(ApplicationError, match=message):
        read_table(data, name)


def test_row_limit(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 5)
    rows = [good_rows()[0]] * 6
    with pytest.raises(ApplicationError, match="最多5行"):
        read_table(csv_bytes(rows), "a.csv")
    with pytest.raises(ApplicationError, match="最多5行"):
        read_table(xlsx_bytes(rows), "a.xlsx")
    assert len(read_table(csv_bytes(rows[:5]), "a.csv").rows) == 5


# ---- validate and commit: all rows or none -------------------------------------------------------

def _import(users, data, name="台账.csv", mapping=None, channel=""):
    table = read_table(data, name, explicit_headers=(mapping or {}).values())
    m = match_headers(table.headers, mapping)
    user = users["demo_clerk"]
    unit = resolve_unit(user, None)
    return import_table(table, m, actor=user, unit=unit, default_channel=channel)


def _counts():
    return (Petition.objects.count(), Petitioner.objects.count(), AuditEntry.objects.count(),
            PetitionEvent.objects.count(), Deadline.objects.count(), NumberSequence.objects.filter(last__gt=0).count())


def test_a_good_file_creates_every_petition_with_events_and_deadlines(users):
    before = _counts()
    result = _import(users, xlsx_bytes(good_rows()), "台账.xlsx")
    assert result.errors == [] and result.created == 3 and result.total == 3
    petitions = list(Petition.objects.order_by("seq"))
    assert [p.external_id for p in petitions] == ["A-001", "A-002", "A-003"]
    assert [p.channel for p in petitions] == ["letter", "hotline", "online"]
    assert result.numbers[0] == petitions[0].number and result.numbers[-1] == petitions[-1].number
    first = petitions[0]
    assert first.receiving_unit.code == "DH-XF" and first.clerk.username == "demo_clerk"
    assert first.category.code == "010101" and first.problem_region.code == "990102001"
    assert timezone.localtime(first.received_at).strftime("%Y-%m-%d %H:%M") == days_ago(3)
    assert petitions[1].category.code == "010202" and petitions[2].category.code == "020101"
    assert petitions[2].headcount == 3 and petitions[2].petitioner_links.count() == 2
    for p in petitions:
        assert p.status == "registered" and p.due_on is not None
        assert set(p.deadlines.values_list("kind", flat=True)) >= {"route", "accept"}
        assert list(p.events.values_list("action", flat=True)) == ["register"]
        assert p.accesses.filter(unit__code="DH-XF").exists()
    assert AuditEntry.objects.filter(action="petition.register").count() - before[2] == 3
    zhang = Petitioner.objects.get(name="张三")
    assert zhang.id_number == VALID_ID and VALID_ID not in zhang.id_number_enc  # encrypted at rest
    assert audit_verify().ok


def test_one_bad_row_reports_exactly_that_row_and_creates_nothing(users):
    rows = good_rows()
    rows[1][7] = "110105194912310021"  # wrong check digit, spreadsheet row 3
    before = _counts()
    result = _import(users, csv_bytes(rows, encoding="gbk"))
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "身份证号", bad_id_message())]
    assert result.created == 0
    assert _counts() == before  # no petition, petitioner, audit row, event, deadline or number used


def test_errors_of_every_row_are_reported_together(users):
    rows = good_rows()
    rows[0][1] = "去年"  # row 2
    rows[2][2] = "飞鸽传书"  # row 4
    rows[2][11] = "不存在的分类"
    result = _import(users, csv_bytes(rows))
    assert [(e.row, e.column) for e in result.errors] == [(2, "来信来访日期"), (4, "信访形式"), (4, "分类")]
    assert Petition.objects.count() == 0


def test_a_failure_midway_rolls_everything_back(users, monkeypatch):
    from xinfang.workflow import services

    real = services.petition_register
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "petition_register", flaky)
    before = _counts()
    with pytest.raises(RuntimeError):
        _import(users, csv_bytes(good_rows()))
    assert len(calls) == 3 and _counts() == before


def test_a_refusal_by_the_service_at_commit_is_reported_and_rolls_back(users):
    data = csv_bytes(good_rows())
    table = read_table(data, "a.csv")
    mapping = match_headers(table.headers)
    user = users["demo_clerk"]
    unit = resolve_unit(user, None)
    checked = rows_validate(table, mapping, unit=unit)
    assert checked.errors == [] and len(checked.rows) == 3
    Category.objects.filter(code="010202").update(is_active=False)  # changed between check and commit
    before = _counts()
    result = rows_commit(checked.rows, mapping, actor=user, unit=unit)
    assert [(e.row, e.column, e.message) for e in result.errors] == [(3, "分类", "内容分类不存在：010202")]
    assert result.created == 0 and _counts() == before


def test_the_same_ledger_is_not_imported_twice(users):
    assert _import(users, csv_bytes(good_rows())).created == 3
    result = _import(users, csv_bytes(good_rows()))
    assert [e.row for e in result.errors] == [2, 3, 4]
    assert "已导入过" in result.errors[0].message and Petition.objects.count() == 3
    rows = good_rows()
    rows[1][0] = rows[0][0] = "B-1"
    rows[2][0] = "B-2"
    result = _import(users, csv_bytes(rows))
    assert [(e.row, e.message) for e in result.errors] == [(3, "原编号“B-1”与第2行重复。")]


def test_no_data_rows_and_missing_columns(users):
    result = _import(users, csv_bytes([]))
    assert [e.message for e in result.errors] == ["文件中没有可导入的数据行（表头在第1行）。"]
    result = _import(users, "收到时间,标题,姓名\n2026-03-02,标题,张三\n".encode())
    assert [e.message for e in result.errors] == ["缺少必填列：反映内容（content）。",
                                                  "缺少“信访形式”列：请在文件中加入该列，或指定默认信访形式。"]


def test_only_clerks_may_import(users):
    with pytest.raises(ApplicationError, match="没有登记信访件的权限"):
        resolve_unit(users["demo_handler"], None)
    with pytest.raises(ApplicationError, match="不能以该单位名义登记"):
        resolve_unit(users["demo_clerk"], "XS-XF")


# ---- the background job --------------------------------------------------------------------------

def test_job_runs_through_django_tasks_after_commit(users, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    user = users["demo_clerk"]
    job = import_job_create(actor=user, filename="台账.xlsx", data=xlsx_bytes(good_rows()))
    assert job.state == ImportJob.State.PREVIEWED and job.mapping["title"] == "事由"
    stored = Path(job.file.path).read_bytes()
    assert VALID_ID.encode() not in stored and "张三".encode() not in stored  # the upload is encrypted
    preview = import_job_preview(job)
    assert [r["row"] for r in preview.rows] == [2, 3, 4] and all(r["ok"] for r in preview.rows)
    assert preview.rows[0]["channel"] == "来信" and preview.rows[0]["petitioners"] == "张*"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_job_start(actor=user, job=job)
    assert callbacks  # the job was enqueued after commit (then each registration's notices)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.created_count == 3
    assert job.processed_rows == job.total_rows == 3 and "已导入3件" in job.message
    assert not job.file and Petition.objects.count() == 3  # the uploaded ledger is deleted when done
    with pytest.raises(ApplicationError, match="已在进行或已完成"):
        import_job_start(actor=user, job=job)


def test_a_failed_job_keeps_the_report_and_can_run_again(users):
    from xinfang.imports.tasks import import_petitions_job

    user = users["demo_clerk"]
    rows = good_rows()
    rows[2][1] = "2026年13月1日"
    job = import_job_create(actor=user, filename="a.csv", data=csv_bytes(rows))
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
    assert import_petitions_job.call(job.pk) == {"created": 0, "errors": 1}
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and Petition.objects.count() == 0
    assert job.errors == [{"row": 4, "column": "来信来访日期", "field": "received_at",
                           "message": "日期不存在：2026年13月1日。"}]
    assert "共1处错误" in job.message and job.file  # kept: the mapping may be changed and run again
    assert import_petitions_job.call(job.pk) == {"skipped": True}  # only a queued job runs


def test_progress_is_reported_as_the_job_goes(users, monkeypatch):
    user = users["demo_clerk"]
    job = import_job_create(actor=user, filename="a.csv", data=csv_bytes(good_rows() * 1))
    seen = []
    real = progress.JobProgress.__call__

    def spy(self, phase, done, total):
        real(self, phase, done, total)
        fresh = ImportJob.objects.get(pk=job.pk)
        seen.append((phase, *progress.job_progress(fresh)[1:]))

    monkeypatch.setattr(progress.JobProgress, "__call__", spy)
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
    runner.import_job_run(job.pk)
    assert ("validate", 3, 3) in seen and ("write", 3, 3) in seen


def test_a_job_whose_worker_died_runs_again_once(users):
    """A worker killed mid-import leaves the job RUNNING with nothing written (rows and DONE commit
    together); the re-queued task imports it once; a finished job is never run again."""
    user = users["demo_clerk"]
    job = import_job_create(actor=user, filename="a.csv", data=csv_bytes(good_rows()))
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING, message="write")
    assert runner.import_job_run(job.pk)["created"] == 3
    job.refresh_from_db()
    assert (job.state, job.created_count) == (ImportJob.State.DONE, 3)
    assert runner.import_job_run(job.pk) == {"skipped": True}
    assert Petition.objects.count() == 3


def test_the_done_state_commits_with_the_rows(users, monkeypatch):
    user = users["demo_clerk"]
    job = import_job_create(actor=user, filename="a.csv", data=csv_bytes(good_rows()))
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
    seen = {}
    real = runner.rows_commit

    def spy(*args, before_commit=None, **kwargs):
        def check(result):
            before_commit(result)
            seen["state"] = ImportJob.objects.get(pk=job.pk).state  # inside the rows' transaction
            seen["petitions"] = Petition.objects.count()
        return real(*args, before_commit=check, **kwargs)

    monkeypatch.setattr(runner, "rows_commit", spy)
    runner.import_job_run(job.pk)
    assert seen == {"state": ImportJob.State.DONE, "petitions": 3}


def test_internal_error_marks_the_job_failed_without_a_trace(users, monkeypatch):
    user = users["demo_clerk"]
    job = import_job_create(actor=user, filename="a.csv", data=csv_bytes(good_rows()))
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
    monkeypatch.setattr(runner, "rows_commit", lambda *a, **k: 1 / 0)
    runner.import_job_run(job.pk)
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and "内部错误" in job.errors[0]["message"]
    assert Petition.objects.count() == 0


# ---- the command line ----------------------------------------------------------------------------

def test_command_imports_a_good_file(users, tmp_path):
    path = tmp_path / "台账.csv"
    path.write_bytes(csv_bytes(good_rows(), encoding="gbk"))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_petitions", str(path), "--user", "demo_clerk", stdout=out, stderr=err)
    assert "导入成功：共导入3件信访件" in out.getvalue()
    assert Petition.objects.count() == 3


def test_command_reports_errors_in_chinese_and_imports_nothing(users, tmp_path):
    rows = good_rows()
    rows[1][7] = "110105194912310021"
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="共1处错误（涉及1行），未导入任何信访件"):
        call_command("import_petitions", str(path), "--user", "demo_clerk", stdout=out, stderr=err)
    assert f"第3行“身份证号”列：{bad_id_message()}" in err.getvalue()
    assert Petition.objects.count() == 0 and Petitioner.objects.count() == 0


def test_command_mapping_channel_unit_and_dry_run(users, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text(f"日期,事项,情况,当事人\n{days_ago(1)},噪音,夜间施工,张三\n", encoding="utf-8")
    args = [str(path), "--user", "demo_clerk", "--column", "received_at=日期", "--column", "title=事项",
            "--column", "content=情况", "--column", "petitioner_name=当事人"]
    with pytest.raises(CommandError, match="信访形式"):
        call_command("import_petitions", *args, stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("import_petitions", *args, "--channel", "visit", "--unit", "DH-XF", "--dry-run",
                 stdout=out, stderr=io.StringIO())
    assert "校验通过：共1行，可导入1件（试运行，未写入）" in out.getvalue() and Petition.objects.count() == 0
    call_command("import_petitions", *args, "--channel", "来访", stdout=io.StringIO(), stderr=io.StringIO())
    p = Petition.objects.get()
    assert (p.title, p.content, p.channel) == ("噪音", "夜间施工", "visit")
    with pytest.raises(CommandError, match="找不到列“编号”"):
        call_command("import_petitions", str(path), "--user", "demo_clerk", "--column", "external_id=编号",
                     stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="没有登记信访件的权限"):
        call_command("import_petitions", *args, "--channel", "visit", "--user", "demo_handler",
                     stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="信访形式取值无效：飞鸽"):
        call_command("import_petitions", *args, "--channel", "飞鸽")
    with pytest.raises(CommandError, match="缺少必填列"):  # no --user: the system account `import` registers
        call_command("import_petitions", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_petitions", str(tmp_path / "none.csv"), "--user", "demo_clerk")


XINFANG = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "xinfang"
if not XINFANG.exists():
    XINFANG = Path(sys.executable).parent / "xinfang"


def _run(args, env, cwd):
    return subprocess.run([str(XINFANG), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_real_xinfang_command_against_a_throwaway_database(tmp_path):
    """`xinfang import petitions FILE --column …` through the installed script, on its own SQLite file."""
    assert XINFANG.exists(), XINFANG
    db = Path("/tmp") / f"xf_import_{uuid.uuid4().hex}.sqlite3"
    env = {**os.environ, "XINFANG_DATABASE_URL": f"sqlite:///{db}", "XINFANG_HOME": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    try:
        r = _run(["migrate", "-v", "0"], env, tmp_path)
        assert r.returncode == 0, r.stderr
        r = _run(["shell", "-c", "from xinfang.org.demo import build_demo_org; build_demo_org()"], env, tmp_path)
        assert r.returncode == 0, r.stderr
        headers = ["登记日期", "来源", "事由", "情况", "信访人", "联系电话"]
        good = tmp_path / "good.csv"
        good.write_bytes(csv_bytes([[days_ago(2), "来访", "停车收费", "物业乱收费", "张三", "13800138000"],
                                    [days_ago(1), "来信", "道路破损", "路面坑洼", "李四", ""]],
                                   headers=headers, encoding="gbk"))
        bad = tmp_path / "bad.csv"
        bad.write_bytes(csv_bytes([[days_ago(2), "来访", "停车收费", "物业乱收费", "王五", "12"]],
                                  headers=headers, encoding="gbk"))
        mapping = ["--column", "title=事由", "--column", "content=情况", "--column", "channel=来源"]
        r = _run(["import", "petitions", str(bad), *mapping, "--user", "demo_clerk"], env, tmp_path)
        assert r.returncode != 0
        assert "第2行“联系电话”列：电话号码无效" in r.stderr and "未导入任何信访件" in r.stderr
        r = _run(["import", "petitions", str(good), *mapping, "--user", "demo_clerk"], env, tmp_path)
        assert r.returncode == 0, r.stderr
        assert "导入成功：共导入2件信访件" in r.stdout
        r = _run(["shell", "-c", "from xinfang.petitions.models import Petition, Petitioner; "
                  "print(Petition.objects.count(), Petitioner.objects.filter(name='王五').count(), "
                  "sorted(Petition.objects.values_list('title', flat=True)))"], env, tmp_path)
        assert r.stdout.strip().splitlines()[-1] == "2 0 ['停车收费', '道路破损']", r.stdout + r.stderr
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
