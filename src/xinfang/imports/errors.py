"""Errors of an import, each tied to a spreadsheet row and column, and their Chinese report lines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass
class RowError:
    row: int | None  # spreadsheet row number; None for a problem of the whole file
    column: str  # the header of the column in the file
    message: str
    field: str = ""

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "field": self.field, "message": self.message}


class RowInvalid(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors


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
