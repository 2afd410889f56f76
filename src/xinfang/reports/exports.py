"""Spreadsheet exports (xlsx, what offices open).

Rules every export follows (DESIGN §5):

- rows come from a selector that already applies the user's jurisdiction;
- petitioners appear masked (张*), anonymous petitions say so, and an accuser's identity is left
  out entirely for anyone outside the handling chain (S22 Art 30);
- every text cell that a spreadsheet would read as a formula (starting with = + - @, or a tab or
  carriage return) is prefixed with a quote, and characters xlsx cannot hold are removed;
- the workbook is written in openpyxl's write-only mode, row by row, to a temporary file that
  spills to disk, so memory stays flat whatever the size;
- a 说明 sheet says what was exported, when, by whom, how many rows and on which conditions.

`petitions_xlsx` writes petitions; `table_xlsx` and `tables_xlsx` write any other list or table of
the web UI (one sheet per table), from rows the page's own selector gave and the caller masked.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.utils import get_column_letter

from xinfang.common import crypto
from xinfang.petitions.choices import Channel, Nature, Status, VisitKind, WarningLevel
from xinfang.petitions.selectors import accuser_hidden, petition_texts
from xinfang.workflow.selectors import staff_name

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CELL_MAX = 32767  # characters an xlsx cell can hold
EXPORT_MAX_ROWS = 100_000


YES = "是"  # a flag column's mark (the header says what it means)


def safe_cell(value):
    """A value safe to put in a cell: strings never start a formula and hold no illegal characters."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, int | float | dt.date):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(FORMULA_START):
        text = "'" + text
    return text[:CELL_MAX]


def petitioner_label(user, petition) -> str:
    """Masked names of the petition's petitioners as this user may see them in an export."""
    if petition.is_anonymous:
        return _("匿名")
    if accuser_hidden(user, petition):
        return _("（检举控告人信息不予显示）")
    names = [crypto.mask_name(link.petitioner.name) for link in petition.petitioner_links.all()]
    return "、".join(n for n in names if n)


def _texts(user, petition):
    """The petition's free texts as this user may see them (identifiers masked outside an
    accusation's handling chain, S22 Art 30), worked out once per row."""
    texts = getattr(petition, "_export_texts", None)
    if texts is None:
        texts = petition._export_texts = petition_texts(user, petition)
    return texts


def _labels(choices) -> dict[str, str]:
    """value -> translated label, resolved once (Model.get_FOO_display re-translates on every call)."""
    return {value: str(label) for value, label in choices}


def petition_columns() -> list[tuple[str, int, object]]:
    """(header, column width, value function) of the petition export."""
    channel, kind, nature = _labels(Channel.choices), _labels(VisitKind.choices), _labels(Nature.choices)
    status, level = _labels(Status.choices), _labels(WarningLevel.choices)
    return [
        (_("信访件编号"), 22, lambda u, p: p.number),
        (_("收到时间"), 18, lambda u, p: p.received_at),
        (_("信访形式"), 10, lambda u, p: channel.get(p.channel, p.channel)),
        (_("来访类型"), 8, lambda u, p: kind.get(p.visit_kind, p.visit_kind)),
        (_("人数"), 6, lambda u, p: p.headcount),
        (_("标题"), 36, lambda u, p: _texts(u, p).title),
        (_("反映内容"), 60, lambda u, p: _texts(u, p).content),
        (_("诉求"), 30, lambda u, p: _texts(u, p).demands),
        (_("内容分类"), 16, lambda u, p: p.category.name if p.category_id else ""),
        (_("性质"), 12, lambda u, p: nature.get(p.nature, p.nature)),
        (_("问题属地"), 14, lambda u, p: p.problem_region.name if p.problem_region_id else ""),
        (_("信访人"), 16, petitioner_label),
        (_("登记单位"), 22, lambda u, p: p.receiving_unit.name),
        (_("承办单位"), 22, lambda u, p: p.handling_unit.name if p.handling_unit_id else ""),
        (_("状态"), 10, lambda u, p: status.get(p.status, p.status)),
        (_("到期日"), 12, lambda u, p: p.due_on),
        (_("预警等级"), 10, lambda u, p: level.get(p.warning_level, p.warning_level)),
        (_("紧急"), 6, lambda u, p: p.is_urgent),
        (_("越级"), 6, lambda u, p: p.is_escalated),
        (_("涉法涉诉"), 8, lambda u, p: p.is_litigation),
        (_("匿名"), 6, lambda u, p: p.is_anonymous),
        (_("重复信访"), 8, lambda u, p: p.repeat_of_id is not None),
    ]


def petitions_xlsx(user, qs, *, criteria: Sequence[tuple[str, str]] = (), title: str = "",
                   max_rows: int = EXPORT_MAX_ROWS):
    """Write the petitions of `qs` (already scoped to `user`) to an xlsx file.

    Returns (file object positioned at 0, number of rows written, truncated?)."""
    qs = qs.select_related("receiving_unit", "handling_unit", "category", "problem_region") \
        .prefetch_related("petitioner_links__petitioner")
    columns = petition_columns()
    wb = Workbook(write_only=True)
    rows, truncated = _write_sheet(wb, _("信访件"), [(h, w) for h, w, _f in columns],
                                   ([fn(user, p) for _h, _w, fn in columns] for p in qs.iterator(chunk_size=500)),
                                   max_rows)
    _write_info(wb, _info_rows(
        user, title or _("信访件查询结果"), criteria, [(_("件数"), rows)],
        [_("结果超过%(n)d件，仅导出前%(n)d件；请缩小查询范围。") % {"n": max_rows}] if truncated else [],
        [(_("个人信息"), _("信访人姓名已脱敏；检举控告类信访件对承办链条以外的人员不显示信访人。")),
         (_("个人信息"), _("检举控告类信访件对承办链条以外的人员：标题、内容和诉求中的身份证号、电话号码和信访人姓名已脱敏。"))]))
    return _saved(wb), rows, truncated


# ---- any table -----------------------------------------------------------------------------------

Header = tuple[str, int] | tuple[str, int, str]  # (header, column width[, number format of its numbers])
RATE_FORMAT = "0.0"  # rates and means: numbers shown with one decimal


@dataclass
class Sheet:
    """One table of a workbook: its sheet name, headers and rows (any iterable, read once)."""

    title: str
    headers: Sequence[Header]
    rows: Iterable[Sequence]


def table_xlsx(user, *, title: str, headers: Sequence[Header], rows: Iterable[Sequence],
               criteria: Sequence[tuple[str, object]] = (), notes: Sequence[str] = (), sheet_title: str = "",
               max_rows: int = EXPORT_MAX_ROWS):
    """One table (rows already scoped to `user` and masked by the caller) as an xlsx file: Chinese
    headers, the header row frozen, every cell through `safe_cell`, and the 说明 sheet.

    Returns (file object positioned at 0, number of rows written, truncated?)."""
    return tables_xlsx(user, title=title, sheets=[Sheet(sheet_title or title, headers, rows)], criteria=criteria,
                       notes=notes, max_rows=max_rows)


def tables_xlsx(user, *, title: str, sheets: Sequence[Sheet], criteria: Sequence[tuple[str, object]] = (),
                notes: Sequence[str] = (), max_rows: int = EXPORT_MAX_ROWS):
    """Several tables, one sheet each, and the 说明 sheet. Returns (file, rows of all sheets, truncated?)."""
    wb = Workbook(write_only=True)
    counts, truncated, names = [], False, {_("说明")}
    for sheet in sheets:
        name = _sheet_name(sheet.title, names)
        n, cut = _write_sheet(wb, name, sheet.headers, sheet.rows, max_rows)
        counts.append((_("行数") if len(sheets) == 1 else _("行数：%(sheet)s") % {"sheet": name}, n))
        truncated = truncated or cut
    warnings = [_("结果超过%(n)d行，仅导出前%(n)d行；请缩小查询范围。") % {"n": max_rows}] if truncated else []
    _write_info(wb, _info_rows(user, title, criteria, counts, warnings, notes))
    return _saved(wb), sum(n for _l, n in counts), truncated


# ---- shared by every export ----------------------------------------------------------------------

SHEET_NAME_MAX = 31
_SHEET_NAME_BAD = re.compile(r"[\\/*?:\[\]]")


def _sheet_name(title: str, used: set[str]) -> str:
    """A valid, unused sheet name (at most 31 characters, none of \\ / * ? : [ ])."""
    base = _SHEET_NAME_BAD.sub("", ILLEGAL_CHARACTERS_RE.sub("", str(title))).strip("' ")[:SHEET_NAME_MAX] \
        or _("表")
    name, i = base, 1
    while name in used:
        i += 1
        suffix = f"({i})"
        name = base[:SHEET_NAME_MAX - len(suffix)] + suffix
    used.add(name)
    return name


def _write_sheet(wb: Workbook, title: str, headers: Sequence[Header], rows: Iterable[Sequence],
                 max_rows: int) -> tuple[int, bool]:
    """Append a sheet: widths, the frozen header row, then the rows. Returns (rows written, truncated?)."""
    ws = wb.create_sheet(title=title)
    formats = {}
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = header[1]
        if len(header) > 2 and header[2]:
            formats[i - 1] = header[2]
    ws.freeze_panes = "A2"
    ws.append([safe_cell(h[0]) for h in headers])
    count = 0
    for row in rows:
        if count >= max_rows:
            return count, True
        cells = [safe_cell(v) for v in row]
        for i, fmt in formats.items():
            if i < len(cells) and isinstance(cells[i], int | float) and not isinstance(cells[i], bool):
                cell = WriteOnlyCell(ws, value=cells[i])
                cell.number_format = fmt
                cells[i] = cell
        ws.append(cells)
        count += 1
    return count, False


def _write_info(wb: Workbook, info: Iterable[tuple[str, object]]) -> None:
    ws = wb.create_sheet(title=_("说明"))
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 60
    for label, value in info:
        ws.append([safe_cell(label), safe_cell(value)])


def _saved(wb: Workbook):
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    wb.save(out)
    out.seek(0)
    return out


def _info_rows(user, title: str, criteria: Iterable[tuple[str, object]], counts: Iterable[tuple[str, int]],
               warnings: Iterable[str] = (), notes: Iterable[str | tuple[str, str]] = ()) \
        -> Iterable[tuple[str, object]]:
    """The 说明 sheet: what was exported, when, by whom, how many rows, on which conditions, and the
    notes (plain text, or (label, text))."""
    yield _("导出内容"), title
    yield _("导出时间"), timezone.now()
    yield _("导出人"), staff_name(user)
    yield from counts
    for text in warnings:
        yield _("提示"), text
    for label, value in criteria:
        yield _("条件：%(label)s") % {"label": label}, value
    for note in notes:
        yield note if isinstance(note, tuple) else (_("说明"), note)
