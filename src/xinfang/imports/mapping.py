"""Which column fills which field: automatic matching of the headers, an explicit FIELD=HEADER
mapping (command line), the workbench's per-column choice, and the file-level problems of a mapping."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError

from .fields import FIELD_ORDER, FIELDS, field_for_header, field_label, header_key


def _fail(message):
    raise ApplicationError(message, "invalid", "column")


def parse_mapping_args(items: Iterable[str]) -> dict[str, str]:
    """`["title=事由", "content=反映内容"]` -> {"title": "事由", ...}; an empty HEADER unmaps FIELD."""
    mapping: dict[str, str] = {}
    for item in items or ():
        if "=" not in item:
            _fail(_("列映射格式应为 字段=表头：%(item)s") % {"item": item})
        name, header = item.split("=", 1)
        name = name.strip()
        if name not in FIELDS:
            _fail(_("未知的字段：%(name)s。可用字段：%(names)s") % {"name": name, "names": ", ".join(FIELD_ORDER)})
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
                "header": wanted, "field": name, "headers": "、".join(headers)})
        if i in taken:
            _fail(_("列“%(header)s”被指定给了多个字段。") % {"header": headers[i]})
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


def board_shaped(mapping: dict[str, str]) -> bool:
    """A message-board export (留言详情, 留言主题 …): its rows came in online."""
    return any(header_key(mapping.get(name, "")).startswith("留言") for name in ("content", "title"))
