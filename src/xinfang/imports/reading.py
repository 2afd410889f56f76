"""Reading a ledger file: the bytes of an xlsx or csv file to a header row and data rows with their
spreadsheet row numbers. No database; a file that cannot be used raises `ApplicationError` with a
Chinese message."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.common.text import normalise

from . import limits
from .fields import field_for_header, header_key


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


def is_blank(value) -> bool:
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
            yield number, record[:limits.MAX_COLUMNS]
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
        if info.filename.startswith("xl/worksheets/") and info.file_size > limits.MAX_SHEET_XML:
            _fail(_("文件过大：工作表解压后超过%(mb)d MB。请拆分后分批导入。") % {"mb": limits.MAX_SHEET_XML >> 20})
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
            formula_rows = fws.iter_rows(values_only=True, max_col=limits.MAX_COLUMNS)
        except Exception:
            formula_rows = None
    ws.reset_dimensions()  # a wrong <dimension> must not cut rows or columns off
    try:
        for number, row in enumerate(ws.iter_rows(values_only=True, max_col=limits.MAX_COLUMNS), start=1):
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
        text = normalise(str(v)) if not is_blank(v) and not isinstance(v, FormulaWithoutValue) else ""
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
    while headers and values and len(headers) > 1 and is_blank(values[len(headers) - 1]):
        headers.pop()
    return headers


def _find_header(first_rows: list[tuple[int, list]], explicit_headers: set[str]) -> int | None:
    """Index (in first_rows) of the header row: the row that looks most like column names."""
    best, best_score = None, 0
    for i, (_n, values) in enumerate(first_rows[:limits.HEADER_SCAN_ROWS]):
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
    if len(data) > limits.MAX_BYTES:
        _fail(_("文件过大：不能超过%(mb)d MB。请拆分后分批导入。") % {"mb": limits.MAX_BYTES >> 20})
    kind = sniff_kind(data, filename)
    explicit = {h for h in explicit_headers if h}
    if kind == "csv":
        sources = [("", _csv_rows(data), None)]
    else:
        counts: dict[str, int] = {}
        if limit is not None:
            data, counts = _xlsx_head(data, limits.HEADER_SCAN_ROWS + limit + 2)
        _wb, sheets = _xlsx_sheets(data)
        sources = [(ws.title, _xlsx_rows(data, ws, formulas),
                    counts.get(getattr(ws, "_worksheet_path", "").lstrip("/")) or getattr(ws, "max_row", None))
                   for ws, formulas in sheets]
    stop = limit if kind == "xlsx" else None
    saw_data = False
    for sheet, rows_iter, estimate in sources:
        head: list[tuple[int, list]] = []
        for number, values in rows_iter:
            if any(not is_blank(v) for v in values):
                head.append((number, values))
                if len(head) >= limits.HEADER_SCAN_ROWS:
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
            if all(is_blank(v) for v in values):
                continue
            if stop is not None and len(body) >= stop:
                complete = False
                break
            if len(body) >= limits.MAX_ROWS:
                _fail(_("文件超过单次导入上限：最多%(n)d行数据。请拆分后分批导入。") % {"n": limits.MAX_ROWS})
            body.append((number, values))
        size = len(body)
        if not complete:
            size = max(estimate - header_number, len(body)) if estimate else None
        return Table(headers=headers, header_row=header_number, rows=body, kind=kind, sheet=sheet,
                     complete=complete, size_estimate=size)
    if not saw_data:
        _fail(_("文件中没有数据。"))
    _fail(_("未找到表头行：文件前%(n)d行中没有可识别的列名（如“标题”“反映内容”“收到时间”“姓名”）。"
            "请确认第一行是列名，或指定列映射。") % {"n": limits.HEADER_SCAN_ROWS})
    return None  # unreachable
