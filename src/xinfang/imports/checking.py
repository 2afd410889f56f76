"""Checking a file: every row parsed, every error of every row reported, nothing written."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from xinfang.common.text import normalise
from xinfang.org.models import Unit
from xinfang.petitions.choices import Channel
from xinfang.petitions.models import Petition

from .cells import cell_text
from .errors import RowError, RowInvalid
from .lookups import Lookups
from .mapping import mapping_problems
from .progress import Progress, ticker
from .reading import FormulaWithoutValue, Table
from .rows import ParsedRow, RowParser


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
    tick = ticker(progress, "validate", result.total)
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
