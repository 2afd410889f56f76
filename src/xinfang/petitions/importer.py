"""批量导入: petitions from legacy ledgers (xlsx / csv), all rows or none.

Two layers:

* a pure parser (no database): `read_table` turns the bytes of a file into a header row and data
  rows with their spreadsheet row numbers; `match_headers` maps the headers to fields (automatic
  matching of common Chinese ledger headers, overridden by an explicit FIELD=HEADER mapping);
  `RowParser` turns one row into the arguments of `petition_register`, or into Chinese errors.
  Look-ups of categories, regions and units go through a `Lookups` object passed in.
* services: `rows_validate` (every row, every error, no writes), `rows_commit` (one transaction,
  every row through `xinfang.workflow.services.petition_register`, all rolled back when any row
  fails), and the `ImportJob` services used by the workbench and the background task.

The importer lives in `petitions` (intake) but registers through `workflow` (numbers, deadlines,
events and audit rows must be real): that one call is imported lazily.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import itertools
import os
import re
import secrets
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.common import crypto
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.common.text import normalise
from xinfang.common.validators import validate_id_number, validate_phone
from xinfang.org.models import Region, Unit

from .choices import Channel, DemandType, Nature
from .models import Category, ImportJob, Petition
from .services import PetitionerInput

MAX_ROWS = 50_000  # data rows per file
MAX_BYTES = 50 * 1024 * 1024  # uploaded file
MAX_SHEET_XML = 600 * 1024 * 1024  # uncompressed worksheet XML (zip bombs)
MAX_COLUMNS = 200
HEADER_SCAN_ROWS = 10
MAX_STORED_ERRORS = 1000
PREVIEW_ROWS = 10
MAX_CONTENT = 50_000  # as the API (PetitionIn)
MAX_DEMANDS = 20_000

EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                "#SPILL!", "#CALC!"}


# ---- fields and their headers --------------------------------------------------------------------

@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: object  # lazy translation
    aliases: tuple[str, ...] = ()  # exact header names (after `header_key`)
    keywords: tuple[str, ...] = ()  # a header containing one of these (fallback)
    required: bool = False


FIELDS: dict[str, FieldSpec] = {f.name: f for f in (
    FieldSpec("external_id", gettext_lazy("原编号"),
              ("编号", "原编号", "原信访件编号", "信访件编号", "信访编号", "登记编号", "件号", "来信编号", "来访编号",
               "工单号", "工单编号", "案件编号", "受理编号", "外部编号"),
              ("原编号", "信访件编号", "登记编号", "工单号", "工单编号", "件号")),
    FieldSpec("received_at", gettext_lazy("收到时间"),
              ("收到时间", "收到日期", "来信来访日期", "来信来访时间", "登记日期", "登记时间", "来信日期", "来访日期",
               "来电日期", "来信时间", "来访时间", "来电时间", "信访日期", "信访时间", "收信日期", "收件日期",
               "接收时间", "接收日期", "反映时间", "反映日期", "投诉时间", "提交时间", "来件日期", "日期", "时间"),
              ("收到", "来信来访", "来信日期", "来访日期", "来电日期", "来信时间", "来访时间", "来电时间", "登记日期",
               "登记时间", "信访日期", "信访时间", "反映时间", "提交时间"),
              required=True),
    FieldSpec("channel", gettext_lazy("信访形式"),
              ("信访形式", "形式", "渠道", "信访渠道", "来源渠道", "信访方式", "方式", "登记方式", "信访类型"),
              ("信访形式", "渠道", "信访方式")),
    FieldSpec("title", gettext_lazy("标题"),
              ("标题", "事由", "信访事由", "主题", "信访标题", "问题标题", "诉求标题", "案由", "简要事由", "问题概要"),
              ("标题", "事由"), required=True),
    FieldSpec("content", gettext_lazy("反映内容"),
              ("内容", "反映内容", "主要内容", "信访内容", "反映问题", "主要问题", "问题描述", "具体内容", "来信内容",
               "来访内容", "来电内容", "详细内容", "内容摘要", "简要内容", "反映的主要问题", "信访事项", "诉求内容",
               "问题内容", "基本情况"),
              ("内容", "反映问题", "主要问题", "问题描述", "信访事项"), required=True),
    FieldSpec("demands", gettext_lazy("诉求"),
              ("诉求", "信访诉求", "主要诉求", "具体诉求", "诉求事项", "要求", "请求", "诉求及要求"),
              ("诉求", "要求")),
    FieldSpec("category", gettext_lazy("内容分类"),
              ("分类", "内容分类", "问题分类", "类别", "问题类别", "信访分类", "事项分类", "业务类别", "信访类别",
               "分类代码"),
              ("分类", "类别")),
    FieldSpec("nature", gettext_lazy("性质"), ("性质", "信访性质", "事项性质", "问题性质"), ("性质",)),
    FieldSpec("demand_type", gettext_lazy("诉求类型"),
              ("诉求类型", "诉求类别", "来电类型", "工单类型", "诉求种类"), ("诉求类",)),
    FieldSpec("problem_region", gettext_lazy("问题属地"),
              ("问题属地", "属地", "问题发生地", "发生地", "事发地", "事发地点", "问题所在地", "所属区域", "所属地区",
               "区域", "地区", "行政区划", "区划代码", "所属乡镇"),
              ("属地", "发生地", "所在地", "事发地")),
    FieldSpec("headcount", gettext_lazy("人数"),
              ("人数", "来访人数", "信访人数", "涉及人数", "人次", "来访人次"), ("人数",)),
    FieldSpec("accused_unit", gettext_lazy("被反映单位"),
              ("被反映单位", "被投诉单位", "被举报单位", "被反映对象单位"), ("被反映单位", "被投诉单位", "被举报单位")),
    FieldSpec("accused_person", gettext_lazy("被反映人"),
              ("被反映人", "被投诉人", "被举报人", "被反映对象", "被反映人姓名"), ("被反映人", "被投诉人", "被举报人")),
    FieldSpec("is_urgent", gettext_lazy("是否紧急"), ("紧急", "是否紧急", "紧急程度", "缓急"), ("紧急",)),
    FieldSpec("is_anonymous", gettext_lazy("是否匿名"), ("匿名", "是否匿名"), ("匿名",)),
    FieldSpec("is_litigation", gettext_lazy("涉法涉诉"), ("涉法涉诉", "是否涉法涉诉", "涉诉", "是否涉诉"),
              ("涉法", "涉诉")),
    FieldSpec("petitioner_name", gettext_lazy("信访人姓名"),
              ("姓名", "信访人", "信访人姓名", "来信人", "来访人", "来电人", "反映人", "投诉人", "联系人", "当事人",
               "来信来访人", "申请人", "信访人名称", "姓名或名称", "诉求人"),
              ("姓名", "信访人")),
    FieldSpec("petitioner_id_number", gettext_lazy("身份证号"),
              ("身份证号", "身份证号码", "公民身份号码", "证件号码", "证件号", "身份证", "身份证件号码"),
              ("身份证", "身份证号", "身份证号码", "证件号", "证件号码", "身份号码")),
    FieldSpec("petitioner_phone", gettext_lazy("联系电话"),
              ("电话", "联系电话", "手机", "手机号", "手机号码", "联系方式", "电话号码", "来电号码", "联系号码"),
              ("电话", "手机", "联系方式")),
    FieldSpec("petitioner_address", gettext_lazy("地址"),
              ("地址", "住址", "家庭住址", "联系地址", "通讯地址", "现住址", "户籍地址", "居住地址", "信访人地址"),
              ("地址", "住址")),
)}

# The order in which fields claim headers when several could match one header.
FIELD_ORDER = list(FIELDS)

_BRACKETS = re.compile(r"[（(\[【<《][^）)\]】>》]*[）)\]】>》]")
_HEADER_JUNK = re.compile(r"[\s*＊※:：!！?？_\-—·.。]+")


def header_key(text) -> str:
    """A header reduced for matching: NFKC, no spaces, marks or bracketed notes, lower case."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _BRACKETS.sub("", s)
    return _HEADER_JUNK.sub("", s).lower()


_EXACT: dict[str, str] = {}
for _f in FIELD_ORDER:
    _EXACT.setdefault(header_key(_f), _f)  # the API field name itself: petitioner_name, received_at
    for _a in FIELDS[_f].aliases:
        _EXACT.setdefault(header_key(_a), _f)


def field_for_header(header) -> tuple[str | None, bool]:
    """(field, exact) for one header: an exact alias, else the field with the longest keyword inside."""
    key = header_key(header)
    if not key:
        return None, False
    if key in _EXACT:
        return _EXACT[key], True
    # a keyword at the end weighs most: the head noun of a Chinese header comes last (信访人联系电话)
    best, best_score = None, 0
    for name in FIELD_ORDER:
        for kw in FIELDS[name].keywords:
            if kw in key:
                score = len(kw) + (10 if key.endswith(kw) else 0)
                if score > best_score:
                    best, best_score = name, score
    return best, False


def field_label(name: str) -> str:
    spec = FIELDS.get(name)
    return str(spec.label) if spec else name


# ---- reading files -------------------------------------------------------------------------------

class FormulaWithoutValue:
    """A formula cell whose result was never calculated (e.g. a file written by a script)."""

    def __init__(self, formula: str):
        self.formula = formula

    def __repr__(self):
        return f"FormulaWithoutValue({self.formula!r})"


@dataclass
class Table:
    headers: list[str]
    header_row: int  # row number of the header in the spreadsheet
    rows: list[tuple[int, list]]  # (spreadsheet row number, cell values)
    kind: str  # "xlsx" or "csv"
    sheet: str = ""
    complete: bool = True  # False when only the first rows were read (preview)
    size_estimate: int | None = None  # data rows, when known without reading everything

    @property
    def columns(self) -> list[str]:
        from openpyxl.utils import get_column_letter

        return [get_column_letter(i + 1) for i in range(len(self.headers))]


def _fail(message, fieldname: str = "file"):
    raise ApplicationError(message, "invalid", fieldname)


def sniff_kind(data: bytes, filename: str) -> str:
    ext = Path(filename or "").suffix.lower().lstrip(".")
    if data[:4] == b"PK\x03\x04":
        if ext in ("xlsx", "xlsm", "csv", "txt", ""):
            return "xlsx"
        _fail(_("不支持的文件类型：%(ext)s。请上传 .xlsx 或 .csv 文件。") % {"ext": ext})
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        _fail(_("这是旧版 Excel（.xls）或加密的文件，无法读取。请在 Excel/WPS 中“另存为” .xlsx 或 CSV 后再导入。"))
    if ext in ("csv", "txt"):
        return "csv"
    if ext in ("xlsx", "xlsm"):
        _fail(_("文件不是有效的 .xlsx 文件（可能已损坏，或只是改了扩展名）。"))
    _fail(_("不支持的文件类型：%(ext)s。请上传 .xlsx 或 .csv 文件。") % {"ext": ext or _("无扩展名")})
    return ""  # unreachable


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK/GB2312)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        _fail(_("无法识别文件编码：请将CSV保存为 UTF-8 或 GBK 编码。"))
    return ""


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _csv_rows(data: bytes) -> Iterable[tuple[int, list]]:
    text = decode_text(data)
    if "\x00" in text:
        _fail(_("文件不是文本格式的CSV（含有二进制内容）。请上传 .xlsx 或 .csv 文件。"))
    sample = text[:8192]
    delimiter = ","
    first = sample.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";", "，")}
    if counts[","] == 0 and max(counts.values()) > 0:
        delimiter = max(counts, key=counts.get)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, record in enumerate(reader, start=1):
            yield number, record[:MAX_COLUMNS]
    except csv.Error as exc:
        _fail(_("CSV文件格式错误（第%(row)d行附近）：%(error)s") % {"row": reader.line_num, "error": exc})


def _sheet_has_formulas(archive: zipfile.ZipFile, member: str) -> bool:
    with archive.open(member) as fh:
        tail = b""
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                return False
            block = tail + chunk
            if b"<f>" in block or b"<f " in block or b"<f/>" in block:
                return True
            tail = chunk[-8:]


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception:  # not a zip, or a damaged one
        _fail(_("无法读取Excel文件：文件可能已损坏，或不是 .xlsx 格式。"))
    for info in infos:
        if info.filename.startswith("xl/worksheets/") and info.file_size > MAX_SHEET_XML:
            _fail(_("文件过大：工作表解压后超过%(mb)d MB。请拆分后分批导入。") % {"mb": MAX_SHEET_XML >> 20})
    return archive


_XML_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"
_ROW_START = re.compile(rb"<" + _XML_NAME + rb"row[\s>/]")
_ROW_END = re.compile(rb"</" + _XML_NAME + rb"row>")
_ROOT = re.compile(rb"<(" + _XML_NAME + rb")worksheet[\s>]")


def _sheet_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, keep_rows: int) -> tuple[bytes, int]:
    """The sheet XML cut after `keep_rows` rows (closed again), and the number of rows in the whole sheet."""
    kept, cut, count, tail = b"", False, 0, b""
    with archive.open(info) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            buf = tail + chunk
            count += sum(1 for m in _ROW_START.finditer(buf) if m.end() > len(tail))
            tail = buf[-32:]
            if cut:
                continue
            kept += chunk
            ends = [m.end() for m in itertools.islice(_ROW_END.finditer(kept), keep_rows)]
            if len(ends) >= keep_rows:
                root = _ROOT.search(kept[:8192])
                prefix = root.group(1) if root else b""
                kept = kept[:ends[-1]] + b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"
                cut = True
    return kept, count


def _xlsx_head(data: bytes, keep_rows: int) -> tuple[bytes, dict[str, int]]:
    """A copy of the workbook holding only the first rows of each sheet, for a quick preview.

    openpyxl reads a whole sheet just to size it when the file has no <dimension> (files written by
    scripts often have none); a preview must not pay that for 50,000 rows on every page view.
    """
    archive = _open_zip(data)
    out, counts = io.BytesIO(), {}
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for info in archive.infolist():
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    head, counts[info.filename] = _sheet_head(archive, info, keep_rows)
                    z.writestr(info.filename, head)
                else:
                    z.writestr(info, archive.read(info))
    except ApplicationError:
        raise
    except Exception:  # a damaged member
        _fail(_("无法读取Excel文件：文件可能已损坏，或不是 .xlsx 格式。"))
    return out.getvalue(), counts


def _xlsx_sheets(data: bytes):
    """Open the workbook twice when it has formulas: values (cached results) and formulas."""
    import openpyxl

    archive = _open_zip(data)
    try:
        values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ApplicationError:
        raise
    except Exception:  # anything a malformed upload raises inside openpyxl or zipfile
        _fail(_("无法读取Excel文件：文件可能已损坏，或不是 .xlsx 格式。"))
    sheets = []
    for ws in values.worksheets:
        if getattr(ws, "sheet_state", "visible") != "visible" or not hasattr(ws, "iter_rows"):
            continue
        member = getattr(ws, "_worksheet_path", "")
        try:
            formulas = bool(member) and _sheet_has_formulas(archive, member)
        except Exception:
            formulas = False
        sheets.append((ws, formulas))
    if not sheets:
        _fail(_("Excel文件中没有可读取的工作表。"))
    return values, sheets


def _xlsx_rows(data: bytes, ws, has_formulas: bool) -> Iterable[tuple[int, list]]:
    import openpyxl

    formula_rows = None
    if has_formulas:
        try:
            fwb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            fws = fwb[ws.title]
            fws.reset_dimensions()
            formula_rows = fws.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        except Exception:
            formula_rows = None
    ws.reset_dimensions()  # a wrong <dimension> must not cut rows or columns off
    try:
        for number, row in enumerate(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            values = list(row)
            if formula_rows is not None:
                frow = next(formula_rows, ())
                for i, value in enumerate(values):
                    if value is None and i < len(frow):
                        f = frow[i]
                        text = getattr(f, "text", f)  # ArrayFormula has .text
                        if isinstance(text, str) and text.startswith("="):
                            values[i] = FormulaWithoutValue(text)
            yield number, values
    except ApplicationError:
        raise
    except Exception:
        _fail(_("读取Excel文件时出错：文件可能已损坏。"))


def _header_score(values: list) -> int:
    score = 0
    for v in values:
        if isinstance(v, str) and 0 < len(v.strip()) <= 20:
            name, exact = field_for_header(v)
            if name:
                score += 2 if exact else 1
    return score


def _clean_headers(values: list) -> list[str]:
    from openpyxl.utils import get_column_letter

    headers, seen = [], {}
    for i, v in enumerate(values):
        text = normalise(str(v)) if not _is_blank(v) and not isinstance(v, FormulaWithoutValue) else ""
        if isinstance(v, dt.datetime | dt.date):
            text = v.isoformat()
        if not text:
            text = _("（第%(col)s列）") % {"col": get_column_letter(i + 1)}
        if text in seen:
            seen[text] += 1
            text = f"{text}#{seen[text]}"
        else:
            seen[text] = 1
        headers.append(text[:100])
    while headers and values and len(headers) > 1 and _is_blank(values[len(headers) - 1]):
        headers.pop()
    return headers


def _find_header(first_rows: list[tuple[int, list]], explicit_headers: set[str]) -> int | None:
    """Index (in first_rows) of the header row: the row that looks most like column names."""
    best, best_score = None, 0
    for i, (_n, values) in enumerate(first_rows[:HEADER_SCAN_ROWS]):
        score = _header_score(values)
        if explicit_headers:
            keys = {header_key(v) for v in values if isinstance(v, str)}
            score += 3 * len({header_key(h) for h in explicit_headers} & keys)
        if score > best_score:
            best, best_score = i, score
    return best if best_score >= 3 else None


def read_table(data: bytes, filename: str, *, limit: int | None = None,
               explicit_headers: Iterable[str] = ()) -> Table:
    """Read an xlsx or csv file into a header row and its data rows.

    The header row is the row among the first few that looks most like column names (ledgers often
    start with a title row). `limit` stops an xlsx file after that many data rows (a preview; a
    CSV file is always read whole, it is cheap). Raises `ApplicationError` with a Chinese message for
    a file that cannot be used: wrong type, empty, no header row, too many rows.
    """
    if not data:
        _fail(_("文件是空的。"))
    if len(data) > MAX_BYTES:
        _fail(_("文件过大：不能超过%(mb)d MB。请拆分后分批导入。") % {"mb": MAX_BYTES >> 20})
    kind = sniff_kind(data, filename)
    explicit = {h for h in explicit_headers if h}
    if kind == "csv":
        sources = [("", _csv_rows(data), None)]
    else:
        counts: dict[str, int] = {}
        if limit is not None:
            data, counts = _xlsx_head(data, HEADER_SCAN_ROWS + limit + 2)
        _wb, sheets = _xlsx_sheets(data)
        sources = [(ws.title, _xlsx_rows(data, ws, formulas),
                    counts.get(getattr(ws, "_worksheet_path", "").lstrip("/")) or getattr(ws, "max_row", None))
                   for ws, formulas in sheets]
    stop = limit if kind == "xlsx" else None
    saw_data = False
    for sheet, rows_iter, estimate in sources:
        head: list[tuple[int, list]] = []
        for number, values in rows_iter:
            if any(not _is_blank(v) for v in values):
                head.append((number, values))
                if len(head) >= HEADER_SCAN_ROWS:
                    break
        if not head:
            continue
        saw_data = True
        at = _find_header(head, explicit)
        if at is None:
            continue
        header_number, header_values = head[at]
        headers = _clean_headers(header_values)
        body: list[tuple[int, list]] = []
        complete = True
        for number, values in itertools.chain(head[at + 1:], rows_iter):
            if all(_is_blank(v) for v in values):
                continue
            if stop is not None and len(body) >= stop:
                complete = False
                break
            if len(body) >= MAX_ROWS:
                _fail(_("文件超过单次导入上限：最多%(n)d行数据。请拆分后分批导入。") % {"n": MAX_ROWS})
            body.append((number, values))
        size = len(body)
        if not complete:
            size = max(estimate - header_number, len(body)) if estimate else None
        return Table(headers=headers, header_row=header_number, rows=body, kind=kind, sheet=sheet,
                     complete=complete, size_estimate=size)
    if not saw_data:
        _fail(_("文件中没有数据。"))
    _fail(_("未找到表头行：文件前%(n)d行中没有可识别的列名（如“标题”“反映内容”“收到时间”“姓名”）。"
            "请确认第一行是列名，或指定列映射。") % {"n": HEADER_SCAN_ROWS})
    return None  # unreachable


# ---- the column mapping --------------------------------------------------------------------------

def parse_mapping_args(items: Iterable[str]) -> dict[str, str]:
    """`["title=事由", "content=反映内容"]` -> {"title": "事由", ...}; an empty HEADER unmaps FIELD."""
    mapping: dict[str, str] = {}
    for item in items or ():
        if "=" not in item:
            _fail(_("列映射格式应为 字段=表头：%(item)s") % {"item": item}, "column")
        name, header = item.split("=", 1)
        name = name.strip()
        if name not in FIELDS:
            _fail(_("未知的字段：%(name)s。可用字段：%(names)s") % {"name": name, "names": ", ".join(FIELD_ORDER)},
                  "column")
        mapping[name] = header.strip()
    return mapping


def _column_index(headers: list[str], wanted: str) -> int | None:
    if wanted in headers:
        return headers.index(wanted)
    key = header_key(wanted)
    for i, h in enumerate(headers):
        if key and header_key(h) == key:
            return i
    if re.fullmatch(r"[A-Za-z]{1,3}", wanted):
        from openpyxl.utils import column_index_from_string

        i = column_index_from_string(wanted.upper()) - 1
        if 0 <= i < len(headers):
            return i
    return None


def match_headers(headers: list[str], explicit: dict[str, str] | None = None) -> dict[str, str]:
    """{field: header}: exact aliases first, then keywords; an explicit mapping wins.

    Raises `ApplicationError` when an explicit header is not in the file.
    """
    explicit = dict(explicit or {})
    taken: set[int] = set()
    mapping: dict[str, str] = {}
    for name, wanted in explicit.items():
        if not wanted:
            continue
        i = _column_index(headers, wanted)
        if i is None:
            _fail(_("找不到列“%(header)s”（字段 %(field)s）。文件中的列：%(headers)s") % {
                "header": wanted, "field": name, "headers": "、".join(headers)}, "column")
        if i in taken:
            _fail(_("列“%(header)s”被指定给了多个字段。") % {"header": headers[i]}, "column")
        mapping[name] = headers[i]
        taken.add(i)
    guesses = [(i, *field_for_header(h)) for i, h in enumerate(headers)]
    for want_exact in (True, False):
        for i, name, exact in guesses:
            if name is None or exact != want_exact or i in taken or name in mapping or name in explicit:
                continue
            mapping[name] = headers[i]
            taken.add(i)
    return {name: mapping[name] for name in FIELD_ORDER if name in mapping}


def mapping_problems(mapping: dict[str, str], default_channel: str = "") -> list[str]:
    """File-level problems of a mapping: required columns missing."""
    problems = []
    for name in ("received_at", "content"):
        if name not in mapping:
            problems.append(_("缺少必填列：%(label)s（%(field)s）。") % {"label": field_label(name), "field": name})
    if "channel" not in mapping and not default_channel:
        problems.append(_("缺少“信访形式”列：请在文件中加入该列，或指定默认信访形式。"))
    if "petitioner_name" not in mapping and "is_anonymous" not in mapping:
        problems.append(_("缺少“信访人姓名”列：每件信访须有信访人，匿名件须有“是否匿名”列。"))
    return problems


# ---- one row -------------------------------------------------------------------------------------

@dataclass
class RowError:
    row: int | None
    column: str
    message: str
    field: str = ""

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "field": self.field, "message": self.message}


@dataclass
class ParsedRow:
    row: int
    fields: dict  # keyword arguments of petition_register
    petitioners: list[PetitionerInput]
    display: dict = field(default_factory=dict)


class RowInvalid(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors


_CHANNELS = {
    Channel.LETTER: ("来信", "信件", "写信", "群众来信", "书信", "邮寄", "来件", "信"),
    Channel.VISIT: ("来访", "走访", "上访", "接访", "群众来访", "到访", "当面", "访"),
    Channel.PHONE: ("来电", "电话", "致电", "电话来访", "电"),
    Channel.ONLINE: ("网上信访", "网信", "网上", "网络", "网上投诉", "网络信访", "网上来信", "领导信箱", "市长信箱",
                     "书记信箱", "网站", "留言", "网上留言", "微信", "app", "小程序", "网"),
    Channel.EMAIL: ("电子邮件", "邮件", "电邮", "e-mail", "mail"),
    Channel.FAX: ("传真",),
    Channel.HOTLINE: ("12345", "12345热线", "热线", "市民热线", "政务服务热线", "便民热线", "政务热线", "12345政务服务便民热线"),
    Channel.TRANSFER_IN: ("上级转交办", "转交办", "交办", "转办", "上级交办", "上级转办", "转送", "上级转送", "上级转来"),
}
_NATURES = {
    Nature.SUGGESTION: ("建议意见", "建议", "意见", "建议意见类"),
    Nature.ACCUSATION: ("检举控告", "检举", "控告", "举报", "检举控告类"),
    Nature.APPEAL: ("申诉求决", "申诉", "求决", "申诉求决类"),
}
_DEMAND_TYPES = {
    DemandType.CONSULT: ("咨询",), DemandType.HELP: ("求助",), DemandType.COMPLAINT: ("投诉",),
    DemandType.REPORT: ("举报",), DemandType.SUGGEST: ("建议",), DemandType.THANKS: ("感谢", "表扬"),
    DemandType.OTHER: ("其他", "其它"),
}
_TRUE = {"是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "有", "紧急", "特急", "加急", "急", "匿名", "涉法涉诉",
         "涉诉", "涉法", "是的", "对"}
_FALSE = {"否", "n", "no", "false", "f", "0", "×", "✗", "✘", "无", "一般", "普通", "平件", "不", "非", "实名", "没有",
          "不是", "-", "/"}
_ANONYMOUS_NAMES = {"匿名", "无名氏", "匿名者", "不愿透露", "不详", "佚名"}


def _choice_table(table: dict, choices) -> dict[str, str]:
    out = {}
    for value, label in choices.choices:
        out[value.lower()] = value
        out[header_key(str(label))] = value
    for value, names in table.items():
        for n in names:
            out.setdefault(header_key(n), value)
    return out


def channel_code(text: str) -> str | None:
    """A channel code from a code or a Chinese name (来访, 12345热线, 网上信访 …); None when unknown."""
    table = _choice_table(_CHANNELS, Channel)
    return table.get(header_key(text)) or table.get((text or "").strip().lower())


_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
    r"(?:[\sT]*(?P<ampm>上午|下午|晚上|中午|凌晨|早上|am|pm)?\s*(?P<H>\d{1,2})\s*(?:[:：时点]\s*(?P<M>\d{1,2})?\s*分?"
    r"(?:\s*[:：]?\s*(?P<S>\d{1,2})(?:\.\d+)?\s*秒?)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)
_COMPACT_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:\s*(?P<H>\d{2}):?(?P<M>\d{2})(?::?(?P<S>\d{2}))?)?$")


class NoSuchDate(ValueError):
    """A well-formed date that is not in the calendar (2026年2月30日)."""


def parse_when(value, tz: dt.tzinfo) -> dt.datetime:
    """A received time from a cell: datetime/date cells, Excel serial numbers and the usual written
    forms (2026-03-02, 2026/3/2, 2026.3.2, 2026年3月2日, 20260302), with or without a time.
    Naive times are in `tz`. Raises ValueError."""
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=tz)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=tz)
    if isinstance(value, bool | dt.time):
        raise ValueError
    if isinstance(value, int | float):
        if isinstance(value, int) and 19000101 <= value <= 29991231:
            return parse_when(str(value), tz)
        if 1 <= value < 2958466:
            from openpyxl.utils.datetime import from_excel

            when = from_excel(value)
            if isinstance(when, dt.datetime):
                return when.replace(microsecond=0, tzinfo=tz)
        raise ValueError
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return parse_when(float(text), tz)
    m = _DATE_RE.match(text) or _COMPACT_RE.match(text)
    if not m:
        raise ValueError
    parts = m.groupdict()
    hour = int(parts.get("H") or 0)
    ampm = (parts.get("ampm") or "").lower()
    if ampm in ("下午", "晚上", "pm") and hour < 12:
        hour += 12
    if ampm == "中午" and hour < 6:
        hour += 12
    try:
        when = dt.datetime(int(parts["y"]), int(parts["m"]), int(parts["d"]), hour, int(parts.get("M") or 0),
                           int(parts.get("S") or 0))
    except ValueError as exc:
        raise NoSuchDate(str(exc)) from None
    offset = parts.get("tz")
    if offset:
        if offset.upper() == "Z":
            return when.replace(tzinfo=dt.UTC)
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        return when.replace(tzinfo=dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))))
    return when.replace(tzinfo=tz)


def cell_text(value) -> str:
    """The text of a cell: integral numbers without ".0", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S").removesuffix(" 00:00:00")
    if isinstance(value, dt.date):
        return value.isoformat()
    return _CONTROL.sub("", str(value)).strip()


# control characters (NUL, _x0000_ escapes in xlsx) that PostgreSQL refuses and no ledger means
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class Lookups:
    """Category, region and unit references by code or name; cached per value. DB-backed."""

    def __init__(self):
        self._cache: dict[tuple[str, str], tuple[str | None, str, str]] = {}

    # each returns (code or None, display name, error message)
    def category(self, text: str):
        return self._cached("category", text, self._category)

    def region(self, text: str):
        return self._cached("region", text, self._region)

    def unit(self, text: str):
        return self._cached("unit", text, self._unit)

    def _cached(self, kind, text, fn):
        key = (kind, text)
        if key not in self._cache:
            self._cache[key] = fn(text)
        return self._cache[key]

    @staticmethod
    def _squash(text: str) -> str:
        return re.sub(r"[\s/／\\>＞\-—·|、,，]+", "", unicodedata.normalize("NFKC", text))

    def _category(self, text: str):
        qs = Category.objects.filter(is_active=True).select_related("parent", "parent__parent")
        found = qs.filter(code=text).first()
        if found is None and text.isdigit() and len(text) % 2 == 1:
            found = qs.filter(code="0" + text).first()  # Excel dropped the leading zero
        if found is not None:
            return found.code, found.full_name(), ""
        candidates = list(qs.filter(name=text))
        parts = [p for p in re.split(r"\s*[/／\\>＞|]\s*|\s*[-—]\s*", unicodedata.normalize("NFKC", text)) if p]
        if not candidates and len(parts) > 1:
            # a path such as 城乡建设/住房保障与房地产/物业管理 (names may hold a "/" themselves)
            tails = {"/".join(parts[i:]) for i in range(len(parts))} | set(parts)
            candidates = list(qs.filter(name__in=tails))
            want = self._squash(text)
            candidates = [c for c in candidates if self._squash(c.full_name()).endswith(want)]
        if len(candidates) == 1:
            return candidates[0].code, candidates[0].full_name(), ""
        if not candidates:
            return None, "", _("内容分类不存在：%(code)s") % {"code": text}
        return None, "", _("内容分类“%(name)s”对应多个分类（%(list)s），请填写分类代码或完整名称。") % {
            "name": text, "list": "；".join(f"{c.code} {c.full_name()}" for c in candidates[:5])}

    def _region(self, text: str):
        found = Region.objects.filter(code=text).first()
        if found is not None:
            return found.code, found.full_name(), ""
        want = self._squash(text)
        names = list(Region.objects.filter(name=text).select_related("parent"))
        if not names:
            # a longer form: the last names in the chain, e.g. 东湖区城关街道 or 示范市/东湖区
            tail = Region.objects.filter(name__in=self._tails(want))
            names = [r for r in tail if self._squash(r.full_name()).endswith(want)]
        if len(names) == 1:
            return names[0].code, names[0].full_name(), ""
        if not names:
            return None, "", _("问题属地不存在：%(code)s") % {"code": text}
        return None, "", _("问题属地“%(name)s”对应多个区划（%(list)s），请填写区划代码或带上级名称。") % {
            "name": text, "list": "；".join(f"{r.code} {r.full_name()}" for r in names[:5])}

    @staticmethod
    def _tails(text: str) -> list[str]:
        return [text[i:] for i in range(len(text)) if len(text) - i >= 2][:40]

    def _unit(self, text: str):
        found = Unit.objects.filter(code=text).first()
        if found is None:
            matches = list(Unit.objects.filter(name=text)[:3]) or list(Unit.objects.filter(short_name=text)[:3])
            if len(matches) > 1:
                return None, "", _("被反映单位“%(name)s”对应多个单位，请填写单位代码。") % {"name": text}
            found = matches[0] if matches else None
        if found is None:
            return None, "", _("被反映单位不存在：%(code)s") % {"code": text}
        return found.code, found.name, ""


class RowParser:
    """Turn one data row into the arguments of `petition_register`, or raise `RowInvalid`."""

    def __init__(self, headers: list[str], mapping: dict[str, str], *, lookups: Lookups,
                 default_channel: str = "", tz: dt.tzinfo | None = None, now: dt.datetime | None = None):
        self.headers = headers
        self.mapping = mapping
        self.index = {name: headers.index(h) for name, h in mapping.items() if h in headers}
        self.lookups = lookups
        self.default_channel = default_channel
        self.tz = tz or ZoneInfo(settings.TIME_ZONE)
        self.now = now or timezone.now()
        self.channels = _choice_table(_CHANNELS, Channel)
        self.natures = _choice_table(_NATURES, Nature)
        self.demand_types = _choice_table(_DEMAND_TYPES, DemandType)

    def column(self, name: str) -> str:
        return self.mapping.get(name, "")

    def raw(self, values: list, name: str):
        i = self.index.get(name)
        if i is None or i >= len(values):
            return None
        return values[i]

    def is_empty(self, values: list) -> bool:
        return all(_is_blank(self.raw(values, name)) for name in self.index)

    def parse(self, number: int, values: list) -> ParsedRow:
        row = _Row(self, number, values)
        out: dict = {}
        display: dict = {}
        self._received_at(row, out, display)
        self._channel(row, out, display)
        # content, title, demands
        content = row.text("content")
        row.require("content", content, _("请填写反映内容。"))
        if "title" in self.index:
            title = normalise(row.text("title"))
            row.require("title", title, _("请填写标题。"))
        else:
            title = derive_title(content)
        if len(title) > 200:
            row.err("title", _("标题不能超过200个字。"))
        if len(content) > MAX_CONTENT:
            row.err("content", _("反映内容过长：不能超过%(n)d个字。") % {"n": MAX_CONTENT})
        if len(row.text("demands")) > MAX_DEMANDS:
            row.err("demands", _("诉求过长：不能超过%(n)d个字。") % {"n": MAX_DEMANDS})
        out.update(title=title, content=content, demands=row.text("demands"))
        display.update(title=title, content=content, demands=out["demands"])
        # references by code or name
        for name, fn in (("category", self.lookups.category), ("problem_region", self.lookups.region),
                         ("accused_unit", self.lookups.unit)):
            value = row.text(name)
            if value:
                code, shown, message = fn(value)
                if code is None:
                    row.err(name, message)
                else:
                    out[name], display[name] = code, shown
        for name, table, choices in (("nature", self.natures, Nature), ("demand_type", self.demand_types, DemandType)):
            value = row.text(name)
            if value:
                key = header_key(value)
                code = table.get(key) or table.get(key.removesuffix("类"))
                if code is None:
                    row.err(name, _("%(label)s取值无效：%(value)s") % {"label": field_label(name), "value": value[:20]})
                else:
                    out[name], display[name] = code, str(choices(code).label)
        out["accused_person"] = normalise(row.text("accused_person"))[:64]
        external_id = normalise(row.text("external_id"))
        if len(external_id) > 64:
            row.err("external_id", _("原编号过长：不能超过64个字符。"))
        out["external_id"] = display["external_id"] = external_id[:64]
        for name in ("is_urgent", "is_anonymous", "is_litigation"):
            if name in self.index:
                out[name] = row.boolean(name)
        people, implied = self._petitioners(row, out)
        headcount = implied
        value = row.raw("headcount")
        if isinstance(value, FormulaWithoutValue):
            row.text("headcount")
        elif not _is_blank(value):
            headcount = _positive_int(value)
            if headcount is None or headcount > 100000:
                row.err("headcount", _("人数应为正整数。"))
                headcount = None
        if headcount is not None:
            if headcount < len(people):
                row.err("headcount", _("人数不能少于登记的信访人数量。"))
            out["headcount"] = headcount
        display["headcount"] = headcount or max(len(people), 1)
        display["petitioners"] = "、".join(crypto.mask_name(p.name) for p in people)
        display["id_number"] = crypto.mask_id_number(people[0].id_number) if people and people[0].id_number else ""
        display["phone"] = crypto.mask_phone(people[0].phone) if people and people[0].phone else ""
        display["flags"] = [str(FIELDS[n].label) for n in ("is_urgent", "is_anonymous", "is_litigation") if out.get(n)]
        if row.errors:
            raise RowInvalid(row.errors)
        return ParsedRow(row=number, fields=out, petitioners=people, display=display)

    def _received_at(self, row: _Row, out: dict, display: dict):
        if "received_at" not in self.index:
            return
        value = row.raw("received_at")
        if isinstance(value, FormulaWithoutValue) or (isinstance(value, str) and value.strip() in EXCEL_ERRORS):
            row.text("received_at")
            return
        if _is_blank(value):
            row.err("received_at", _("请填写收到时间。"))
            return
        try:
            when = parse_when(value, self.tz)
        except NoSuchDate:
            row.err("received_at", _("日期不存在：%(value)s。") % {"value": cell_text(value)[:40]})
            return
        except (ValueError, OverflowError):
            row.err("received_at", _("无法识别的日期：%(value)s。可用格式如 2026-03-02、2026/3/2、2026年3月2日，可带时间。")
                    % {"value": cell_text(value)[:40]})
            return
        if when > self.now + dt.timedelta(minutes=5):
            row.err("received_at", _("收到时间不能晚于当前时间。"))
        elif when.year < 2000:
            row.err("received_at", _("收到时间过早。"))
        else:
            out["received_at"] = when
            display["received_at"] = timezone.localtime(when, self.tz).strftime("%Y-%m-%d %H:%M")

    def _channel(self, row: _Row, out: dict, display: dict):
        value = row.text("channel")
        if value:
            code = self.channels.get(header_key(value)) or self.channels.get(value.lower())
            if code is None:
                row.err("channel", _("无法识别的信访形式：%(value)s。可填：%(list)s") % {
                    "value": value[:20], "list": "、".join(str(label) for _v, label in Channel.choices)})
                return
            out["channel"] = code
        elif self.default_channel:
            out["channel"] = self.default_channel
        elif not any(e.field == "channel" for e in row.errors):
            row.err("channel", _("请填写信访形式（本行为空，且未指定默认信访形式）。"))
            return
        else:
            return
        display["channel"] = str(Channel(out["channel"]).label)

    def _petitioners(self, row: _Row, out: dict) -> tuple[list[PetitionerInput], int | None]:
        """The petitioners of a row, and a headcount implied by "张三等5人"."""
        name = normalise(row.text("petitioner_name"))
        implied = None
        if name in _ANONYMOUS_NAMES:
            out["is_anonymous"] = True
            name = ""
        m = re.fullmatch(r"(.+?)等(\d+)?(?:人|名)", name)
        if m:
            name = m.group(1)
            implied = int(m.group(2)) if m.group(2) else None
        names = [n.strip() for n in re.split(r"[、，,;；]+", name) if n.strip()] if name else []
        id_raw = row.raw("petitioner_id_number")
        id_number = row.text("petitioner_id_number").replace(" ", "")
        phones = row.text("petitioner_phone")
        phone = re.split(r"[/、，,;；\s]+", phones)[0] if phones else ""
        address = normalise(row.text("petitioner_address"))[:200]
        if not names:
            if not out.get("is_anonymous"):
                row.require("petitioner_name", "", _("请至少填写一名信访人，或标记为匿名。"))
            elif id_number or phone:
                row.err("petitioner_name", _("填写了身份证号或电话，但没有信访人姓名。"))
            return [], implied
        if any(len(n) > 64 for n in names):
            row.err("petitioner_name", _("信访人姓名过长。"))
        if id_number:
            try:
                id_number = validate_id_number(id_number, "petitioner_id_number")
            except ApplicationError as exc:
                message = exc.message
                if isinstance(id_raw, int | float):
                    message += _("（该单元格是数字格式，Excel 只保留15位有效数字，身份证号后几位已丢失：请把该列设为文本格式后重新填写。）")
                row.err("petitioner_id_number", message)
        if phone:
            try:
                phone = validate_phone(phone, "petitioner_phone")
            except ApplicationError as exc:
                row.err("petitioner_phone", exc.message)
        people = [PetitionerInput(name=names[0], id_number=id_number, phone=phone, address=address)]
        people += [PetitionerInput(name=n) for n in names[1:]]
        if len({p.name for p in people}) != len(people):
            row.err("petitioner_name", _("同一信访人被重复登记。"))
        return people, implied


class _Row:
    """One row being parsed: its cells by field and the errors found so far."""

    def __init__(self, parser: RowParser, number: int, values: list):
        self.parser, self.number, self.values = parser, number, values
        self.errors: list[RowError] = []

    def raw(self, name: str):
        return self.parser.raw(self.values, name)

    def err(self, name: str, message) -> None:
        self.errors.append(RowError(self.number, self.parser.column(name), str(message), name))

    def require(self, name: str, value, message) -> None:
        """An error for an empty required value, unless the cell already has one (a formula, #REF!)."""
        if not value and not any(e.field == name for e in self.errors):
            self.err(name, message)

    def text(self, name: str) -> str:
        value = self.raw(name)
        if isinstance(value, FormulaWithoutValue):
            if not any(e.field == name for e in self.errors):
                self.err(name, _("单元格是没有计算结果的公式（%(f)s）：请在 Excel/WPS 中打开并保存文件，"
                                 "或把公式转为数值后再导入。") % {"f": value.formula[:60]})
            return ""
        if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
            if not any(e.field == name for e in self.errors):
                self.err(name, _("单元格是 Excel 错误值 %(v)s，请更正后再导入。") % {"v": value.strip()})
            return ""
        return cell_text(value)

    def boolean(self, name: str) -> bool:
        value = self.raw(name)
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        shown = self.text(name)
        key = header_key(shown)
        if not key or key in _FALSE:
            return False
        if key in _TRUE:
            return True
        self.err(name, _("“%(label)s”应填“是”或“否”：%(value)s") % {
            "label": self.parser.column(name) or field_label(name), "value": shown[:20]})
        return False


def _positive_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 1 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 1 else None
    m = re.fullmatch(r"\s*(\d+)\s*(?:人次|人|名|位)?\s*", unicodedata.normalize("NFKC", str(value)))
    if not m:
        return None
    n = int(m.group(1))
    return n if n >= 1 else None


def derive_title(content: str, limit: int = 30) -> str:
    """A title for ledgers without one: the first sentence of the content, at most `limit` characters."""
    text = normalise(content)
    first = re.split(r"[。！？!?\n；;]", text, maxsplit=1)[0].strip()
    first = first or text
    return first if len(first) <= limit else first[:limit - 1] + "…"


# ---- validate and commit -------------------------------------------------------------------------

@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)  # tracking numbers of the created petitions
    rows: list[ParsedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


Progress = Callable[[str, int, int], None]  # (phase, done, total)


def register_units(user) -> list[Unit]:
    """The units in which `user` may register petitions (the `register` move of the transition table)."""
    from xinfang.org.jurisdiction import memberships
    from xinfang.workflow.rules import roles_for
    from xinfang.workflow.transitions import TABLE

    roles = roles_for(TABLE["register"])
    seen: dict[int, Unit] = {}
    for m in memberships(user):
        if m.role in roles:
            seen.setdefault(m.unit_id, m.unit)
    return list(seen.values())


def resolve_unit(user, unit_code: str | None) -> Unit:
    units = register_units(user)
    if not units:
        raise ApplicationError(_("您没有登记信访件的权限。"), "illegal_transition")
    if not unit_code:
        return units[0]
    for u in units:
        if u.code == unit_code:
            return u
    raise ApplicationError(_("您不能以该单位名义登记：%(code)s") % {"code": unit_code}, "invalid", "unit")


def rows_validate(table: Table, mapping: dict[str, str], *, unit: Unit, default_channel: str = "",
                  progress: Progress | None = None, lookups: Lookups | None = None) -> ImportResult:
    """Check every row without writing anything; every error of every row is reported."""
    result = ImportResult()
    if default_channel and default_channel not in Channel.values:
        result.errors.append(RowError(None, "", _("信访形式取值无效：%(value)s") % {"value": default_channel},
                                      "channel"))
        return result
    for problem in mapping_problems(mapping, default_channel):
        result.errors.append(RowError(None, "", problem))
    if result.errors:
        return result
    parser = RowParser(table.headers, mapping, lookups=lookups or Lookups(), default_channel=default_channel)
    seen_ids: dict[str, int] = {}
    rows = [(n, v) for n, v in table.rows if not parser.is_empty(v)]
    result.total = len(rows)
    if not rows:
        result.errors.append(RowError(None, "", _("文件中没有可导入的数据行（表头在第%(row)d行）。") % {
            "row": table.header_row}))
        return result
    tick = _ticker(progress, "validate", result.total)
    for i, (number, values) in enumerate(rows, start=1):
        try:
            parsed = parser.parse(number, values)
        except RowInvalid as exc:
            result.errors.extend(exc.errors)
        else:
            result.rows.append(parsed)
        ext_raw = parser.raw(values, "external_id")
        ext = "" if isinstance(ext_raw, FormulaWithoutValue) else normalise(cell_text(ext_raw))[:64]
        if ext:
            if ext in seen_ids:
                result.errors.append(RowError(number, mapping.get("external_id", ""), _(
                    "原编号“%(id)s”与第%(row)d行重复。") % {"id": ext, "row": seen_ids[ext]}, "external_id"))
            else:
                seen_ids[ext] = number
        tick(i)
    # the same ledger imported twice: external numbers already stored for this unit
    if seen_ids:
        ids = list(seen_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for ext, number in Petition.objects.filter(receiving_unit=unit, external_id__in=chunk).values_list(
                    "external_id", "number"):
                result.errors.append(RowError(seen_ids[ext], mapping.get("external_id", ""), _(
                    "原编号“%(id)s”已导入过（信访件 %(number)s），请勿重复导入。") % {"id": ext, "number": number},
                    "external_id"))
    result.errors.sort(key=lambda e: (e.row or 0,))
    return result


def _ticker(progress: Progress | None, phase: str, total: int, every: float = 0.5):
    last = [0.0]

    def tick(done: int):
        if progress is None:
            return
        now = time.monotonic()
        if done >= total or now - last[0] >= every:
            last[0] = now
            progress(phase, done, total)

    return tick


class _Rollback(Exception):
    pass


_SERVICE_FIELDS = {"petitioners": "petitioner_name"}


def _service_field(name: str | None) -> str:
    if not name:
        return ""
    m = re.match(r"petitioners\[\d+\]\.(\w+)", name)
    if m:
        return {"name": "petitioner_name", "id_number": "petitioner_id_number", "phone": "petitioner_phone",
                "address": "petitioner_address"}.get(m.group(1), "petitioner_name")
    return _SERVICE_FIELDS.get(name, name)


def rows_commit(rows: list[ParsedRow], mapping: dict[str, str], *, actor, unit: Unit,
                progress: Progress | None = None, dry_run: bool = False) -> ImportResult:
    """Register every row in ONE transaction through `petition_register`; any failure rolls back all.

    A row the service refuses is reported (with the service's message) and the other rows are still
    tried, each in its own savepoint, so that every refusal is reported at once; then everything is
    rolled back. Any other exception rolls back everything and propagates.
    """
    from xinfang.workflow.services import petition_register  # upward on purpose: see the module doc

    result = ImportResult(total=len(rows))
    tick = _ticker(progress, "write", len(rows))
    try:
        with transaction.atomic():
            for i, parsed in enumerate(rows, start=1):
                try:
                    with transaction.atomic():
                        petition, _code = petition_register(actor=actor, unit=unit, petitioners=parsed.petitioners,
                                                            issue_receipt=False, **parsed.fields)
                except ApplicationError as exc:
                    name = _service_field(exc.field)
                    result.errors.append(RowError(parsed.row, mapping.get(name, ""), exc.message, name))
                else:
                    result.created += 1
                    if len(result.numbers) < 2 or i == len(rows):
                        result.numbers.append(petition.number)
                tick(i)
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        if not dry_run or result.errors:
            result.created = 0
            result.numbers = []
    return result


def import_table(table: Table, mapping: dict[str, str], *, actor, unit: Unit, default_channel: str = "",
                 progress: Progress | None = None, dry_run: bool = False) -> ImportResult:
    """Validate every row; when no row has an error, register them all in one transaction."""
    checked = rows_validate(table, mapping, unit=unit, default_channel=default_channel, progress=progress)
    if checked.errors:
        checked.rows = []
        return checked
    done = rows_commit(checked.rows, mapping, actor=actor, unit=unit, progress=progress, dry_run=dry_run)
    done.total = checked.total
    return done


# ---- import jobs (the workbench) -----------------------------------------------------------------

_SEAL = b"XFI1"


def _file_key() -> bytes:
    return bytes.fromhex(crypto.keyed_hash("import-file", "import-file-key"))


def seal(data: bytes) -> bytes:
    """Uploaded ledgers hold personal data: stored encrypted (AES-GCM), like every personal field."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return _SEAL + nonce + AESGCM(_file_key()).encrypt(nonce, data, None)


def unseal(blob: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not blob.startswith(_SEAL):
        raise ApplicationError(_("导入文件已损坏或已被删除，请重新上传。"), "invalid", "file")
    try:
        return AESGCM(_file_key()).decrypt(blob[4:16], blob[16:], None)
    except Exception:  # a wrong key or a damaged file
        raise ApplicationError(_("导入文件已损坏或已被删除，请重新上传。"), "invalid", "file") from None


def job_data(job: ImportJob) -> bytes:
    if not job.file:
        raise ApplicationError(_("导入文件已删除，请重新上传。"), "invalid", "file")
    try:
        with job.file.open("rb") as fh:
            return unseal(fh.read())
    except (FileNotFoundError, OSError):
        raise ApplicationError(_("导入文件已删除，请重新上传。"), "invalid", "file") from None


def import_job_get(user, job_id) -> ImportJob:
    """A job its creator (or a superuser) may see; any other answers 404."""
    try:
        pk = int(job_id)
    except (TypeError, ValueError):
        raise NotFound(_("导入任务不存在。")) from None
    qs = ImportJob.objects.select_related("unit", "created_by")
    if not getattr(user, "is_superuser", False):
        qs = qs.filter(created_by_id=getattr(user, "pk", None))
    job = qs.filter(pk=pk).first()
    if job is None:
        raise NotFound(_("导入任务不存在。"))
    return job


def import_jobs_of(user, limit: int = 20) -> list[ImportJob]:
    return list(ImportJob.objects.filter(created_by_id=user.pk).select_related("unit")[:limit])


def import_job_create(*, actor, filename: str, data: bytes, unit_code: str | None = None,
                      channel: str = "", mapping: dict[str, str] | None = None) -> ImportJob:
    """Upload: check the file can be read and has a header row, store it encrypted, guess the mapping."""
    unit = resolve_unit(actor, unit_code)
    if channel and channel not in Channel.values:
        raise ApplicationError(_("信访形式取值无效：%(value)s") % {"value": channel}, "invalid", "channel")
    name = Path((filename or "").replace("\\", "/")).name[:200] or "upload"
    table = read_table(data, name, limit=PREVIEW_ROWS, explicit_headers=(mapping or {}).values())
    guessed = match_headers(table.headers, mapping)
    ext = "xlsx" if table.kind == "xlsx" else "csv"
    job = ImportJob(created_by=actor, unit=unit, filename=name, channel=channel, mapping=guessed,
                    state=ImportJob.State.PREVIEWED, total_rows=table.size_estimate or 0)
    job.file.save(f"{secrets.token_hex(12)}.{ext}.enc", ContentFile(seal(data)), save=False)
    job.save()
    return job


@dataclass
class Preview:
    table: Table
    mapping: dict[str, str]
    problems: list[str]
    rows: list[dict]
    columns: list[dict]


def import_job_preview(job: ImportJob, *, mapping: dict[str, str] | None = None, limit: int = PREVIEW_ROWS) -> Preview:
    """The first rows as they will be stored, with their errors, under `mapping` (default: the job's)."""
    data = job_data(job)
    mapping = dict(job.mapping if mapping is None else mapping)
    table = read_table(data, job.filename, limit=limit, explicit_headers=mapping.values())
    mapping = {k: v for k, v in mapping.items() if v in table.headers}
    problems = mapping_problems(mapping, job.channel)
    parser = RowParser(table.headers, mapping, lookups=Lookups(), default_channel=job.channel)
    rows = []
    for number, values in table.rows[:limit]:
        if parser.is_empty(values):
            continue
        try:
            parsed = parser.parse(number, values)
            rows.append({"row": number, "ok": True, **parsed.display, "errors": []})
        except RowInvalid as exc:
            rows.append({"row": number, "ok": False, "errors": [e.as_dict() for e in exc.errors]})
    by_header = {h: f for f, h in mapping.items()}
    first = table.rows[0][1] if table.rows else []
    columns = []
    for i, (letter, header) in enumerate(zip(table.columns, table.headers, strict=True)):
        sample = first[i] if i < len(first) else None
        shown = "" if isinstance(sample, FormulaWithoutValue) else cell_text(sample)
        kind = by_header.get(header) or field_for_header(header)[0]
        mask = _MASKS.get(kind)
        if mask and shown:
            shown = mask(shown)
        columns.append({"index": i, "letter": letter, "header": header, "field": by_header.get(header, ""),
                        "sample": shown[:40]})
    return Preview(table=table, mapping=mapping, problems=problems, rows=rows, columns=columns)


# personal data on screens is masked (DESIGN §5), in the column samples too
_MASKS = {
    "petitioner_name": crypto.mask_name,
    "petitioner_id_number": lambda v: crypto.mask_id_number(v) if len(v) >= 15 else crypto.mask_phone(v),
    "petitioner_phone": crypto.mask_phone,
    "petitioner_address": crypto.mask_address,
}


def mapping_from_columns(headers: list[str], chosen: dict[int, str]) -> dict[str, str]:
    """The mapping from the workbench form: column index -> field (or "" for not imported)."""
    mapping: dict[str, str] = {}
    for i, name in sorted(chosen.items()):
        if not name:
            continue
        if name not in FIELDS:
            raise ApplicationError(_("未知的字段：%(name)s") % {"name": name}, "invalid", "mapping")
        if not 0 <= i < len(headers):
            continue
        if name in mapping:
            raise ApplicationError(_("“%(label)s”被指定给了多列：%(a)s、%(b)s。每个字段只能对应一列。") % {
                "label": field_label(name), "a": mapping[name], "b": headers[i]}, "invalid", "mapping")
        mapping[name] = headers[i]
    return {name: mapping[name] for name in FIELD_ORDER if name in mapping}


def import_job_update(*, actor, job: ImportJob, mapping: dict[str, str] | None = None,
                      channel: str | None = None) -> ImportJob:
    if job.state in (ImportJob.State.QUEUED, ImportJob.State.RUNNING, ImportJob.State.DONE):
        raise ApplicationError(_("该导入任务已开始或已完成，不能再修改。"), "conflict")
    if channel is not None:
        if channel and channel not in Channel.values:
            raise ApplicationError(_("信访形式取值无效：%(value)s") % {"value": channel}, "invalid", "channel")
        job.channel = channel
    if mapping is not None:
        job.mapping = mapping
    if job.state == ImportJob.State.UPLOADED:
        job.state = ImportJob.State.PREVIEWED
    job.save(update_fields=["channel", "mapping", "state"])
    return job


def import_job_start(*, actor, job: ImportJob) -> ImportJob:
    """Queue the job; the background task runs after this transaction commits."""
    from .tasks import import_petitions_job

    resolve_unit(actor, job.unit.code)  # still allowed to register there
    with transaction.atomic():
        started = ImportJob.objects.filter(pk=job.pk, state__in=[
            ImportJob.State.UPLOADED, ImportJob.State.PREVIEWED, ImportJob.State.FAILED]).update(
            state=ImportJob.State.QUEUED, processed_rows=0, created_count=0, errors=[], message="",
            finished_at=None)
        if not started:
            raise ApplicationError(_("该导入任务已在进行或已完成。"), "conflict")
        job_id = job.pk
        transaction.on_commit(lambda: import_petitions_job.enqueue(job_id))
    job.refresh_from_db()
    return job


# progress of the write phase: it runs inside one long transaction, so the job row cannot show it
# on SQLite; a small file beside the uploads carries it (on PostgreSQL a second connection writes
# the job row directly).

def _progress_path(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{job_id}.txt"


def job_progress(job: ImportJob) -> tuple[str, int, int]:
    """(phase, done, total) for the progress bar; phase is "queued", "validate", "write" or "finished"."""
    if job.state == ImportJob.State.QUEUED:
        return "queued", 0, job.total_rows
    if job.state != ImportJob.State.RUNNING:
        return "finished", job.processed_rows, job.total_rows
    phase = "write" if job.message == "write" else "validate"
    done = job.processed_rows
    if phase == "write":
        with contextlib.suppress(OSError, ValueError):
            done = max(done, int(_progress_path(job.pk).read_text().strip() or 0))
    return phase, min(done, job.total_rows), job.total_rows


class _JobProgress:
    def __init__(self, job_id: int):
        self.job_id = job_id
        self.side = None
        # A second connection sees the job row only when the caller holds no transaction of its own
        # (the worker holds none); otherwise it could wait on the caller's row lock.
        self.use_side = connection.vendor == "postgresql" and not connection.in_atomic_block

    def __call__(self, phase: str, done: int, total: int):
        if phase == "validate":
            ImportJob.objects.filter(pk=self.job_id).update(processed_rows=done, total_rows=total, message="validate")
            return
        if self.use_side:
            try:
                if self.side is None:
                    self.side = connection.copy()
                    with self.side.cursor() as cur:
                        cur.execute("SET lock_timeout = '1s'")
                with self.side.cursor() as cur:
                    table = connection.ops.quote_name(ImportJob._meta.db_table)
                    cur.execute(f"UPDATE {table} SET processed_rows = %s WHERE id = %s", [done, self.job_id])
                return
            except Exception:  # progress is best effort: fall back to the file
                self.use_side = False
        path = _progress_path(self.job_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(str(done))
            os.replace(tmp, path)
        except OSError:
            pass

    def close(self):
        if self.side is not None:
            self.side.close()
        with contextlib.suppress(OSError):
            _progress_path(self.job_id).unlink(missing_ok=True)


def import_job_run(job_id: int) -> dict:
    """The background job: validate every row, then write them all in one transaction, or none."""
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, message="validate", processed_rows=0)
    if not claimed:
        return {"skipped": True}
    job = ImportJob.objects.select_related("unit", "created_by").get(pk=job_id)
    progress = _JobProgress(job.pk)
    errors: list[RowError] = []
    result = ImportResult()
    try:
        actor = job.created_by
        if actor is None or not actor.is_active:
            raise ApplicationError(_("导入人的账号已停用。"), "invalid")
        unit = resolve_unit(actor, job.unit.code)
        data = job_data(job)
        table = read_table(data, job.filename, explicit_headers=job.mapping.values())
        mapping = {k: v for k, v in job.mapping.items() if v in table.headers}
        checked = rows_validate(table, mapping, unit=unit, default_channel=job.channel, progress=progress)
        if checked.errors:
            result, errors = checked, checked.errors
        else:
            ImportJob.objects.filter(pk=job.pk).update(message="write", processed_rows=0,
                                                       total_rows=checked.total)
            result = rows_commit(checked.rows, mapping, actor=actor, unit=unit, progress=progress)
            result.total = checked.total
            errors = result.errors
    except ApplicationError as exc:
        errors = [RowError(None, "", exc.message)]
    except Exception:  # a bug or a database failure: nothing was committed
        import logging

        logging.getLogger(__name__).exception("import job %s failed", job_id)
        errors = [RowError(None, "", _("导入过程中发生内部错误，全部未导入。请联系系统管理员。"))]
    finally:
        progress.close()
    if not errors and result.created == 0:
        errors = [RowError(None, "", _("文件中没有可导入的数据行。"))]
    ok = not errors
    fields = {
        "state": ImportJob.State.DONE if ok else ImportJob.State.FAILED,
        "processed_rows": result.total if ok else 0,
        "total_rows": result.total,
        "created_count": result.created if ok else 0,
        "errors": [e.as_dict() for e in errors[:MAX_STORED_ERRORS]],
        "message": _summary(result, errors),
        "finished_at": timezone.now(),
    }
    ImportJob.objects.filter(pk=job_id).update(**fields)
    if ok:
        job.file.delete(save=False)  # the data now lives in the database, encrypted where personal
        ImportJob.objects.filter(pk=job_id).update(file="")
    return {"created": fields["created_count"], "errors": len(errors)}


def _summary(result: ImportResult, errors: list[RowError]) -> str:
    if errors:
        rows = len({e.row for e in errors if e.row is not None})
        text = _("共%(n)d处错误（涉及%(rows)d行），全部未导入。请修改文件后重新上传。") % {"n": len(errors), "rows": rows}
        if len(errors) > MAX_STORED_ERRORS:
            text += _("（仅列出前%(m)d处）") % {"m": MAX_STORED_ERRORS}
        return text
    text = _("已导入%(n)d件信访件。") % {"n": result.created}
    if result.numbers:
        text += _("编号 %(first)s 至 %(last)s。") % {"first": result.numbers[0], "last": result.numbers[-1]}
    return text


def error_report_lines(errors: Iterable) -> list[str]:
    """Chinese lines of a per-row error report (for the command line)."""
    lines = []
    for e in errors:
        e = e.as_dict() if isinstance(e, RowError) else e
        where = _("第%(row)d行") % {"row": e["row"]} if e.get("row") else _("文件")
        if e.get("column"):
            where += _("“%(col)s”列") % {"col": e["column"]}
        lines.append(f"{where}：{e['message']}")
    return lines
