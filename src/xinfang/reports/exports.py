"""Spreadsheet exports (xlsx, what offices open).

Rules every export follows (DESIGN §5):

- rows come from a selector that already applies the user's jurisdiction;
- petitioners appear masked (张*), anonymous petitions say so, and an accuser's identity is left
  out entirely for anyone outside the handling chain (S22 Art 30);
- every text cell that a spreadsheet would read as a formula (starting with = + - @, or a tab or
  carriage return) is prefixed with a quote, and characters xlsx cannot hold are removed;
- the workbook is written in openpyxl's write-only mode, row by row, to a temporary file that
  spills to disk, so memory stays flat whatever the size.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from xinfang.common import crypto
from xinfang.petitions.choices import Channel, Nature, Status, VisitKind, WarningLevel
from xinfang.petitions.selectors import accuser_hidden

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
        (_("标题"), 36, lambda u, p: p.title),
        (_("反映内容"), 60, lambda u, p: p.content),
        (_("诉求"), 30, lambda u, p: p.demands),
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
    ws = wb.create_sheet(title=_("信访件"))
    for i, (_header, width, _fn) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append([safe_cell(h) for h, _w, _f in columns])
    rows = 0
    truncated = False
    for petition in qs.iterator(chunk_size=500):
        if rows >= max_rows:
            truncated = True
            break
        ws.append([safe_cell(fn(user, petition)) for _h, _w, fn in columns])
        rows += 1
    info = wb.create_sheet(title=_("说明"))
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 60
    for label, value in _info_rows(user, title, criteria, rows, truncated, max_rows):
        info.append([safe_cell(label), safe_cell(value)])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    wb.save(out)
    out.seek(0)
    return out, rows, truncated


def _info_rows(user, title, criteria, rows, truncated, max_rows) -> Iterable[tuple[str, object]]:
    yield _("导出内容"), title or _("信访件查询结果")
    yield _("导出时间"), timezone.now()
    yield _("导出人"), getattr(user, "username", "")
    yield _("件数"), rows
    if truncated:
        yield _("提示"), _("结果超过%(n)d件，仅导出前%(n)d件；请缩小查询范围。") % {"n": max_rows}
    for label, value in criteria:
        yield _("条件：%(label)s") % {"label": label}, value
    yield _("个人信息"), _("信访人姓名已脱敏；检举控告类信访件对承办链条以外的人员不显示信访人。")
