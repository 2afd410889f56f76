"""One data row to the arguments of `petition_register` (and, with history columns, of
`petition_history_apply`), or every Chinese error of the row with its column."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common import crypto
from xinfang.common.errors import ApplicationError
from xinfang.common.text import normalise
from xinfang.common.validators import validate_id_number, validate_phone
from xinfang.petitions.choices import Channel, DemandType, Nature
from xinfang.petitions.services import PetitionerInput

from . import limits
from .cells import (
    ANONYMOUS_NAMES,
    CHANNELS,
    DEMAND_TYPES,
    EXCEL_ERRORS,
    FALSE,
    NATURES,
    TRUE,
    NoSuchDate,
    cell_text,
    choice_table,
    parse_when,
    positive_int,
    tidy_text,
)
from .errors import RowError, RowInvalid
from .fields import FIELDS, HISTORY_FIELDS, field_label, header_key
from .handling import History, history_parse
from .lookups import Lookups
from .reading import FormulaWithoutValue, is_blank


@dataclass
class ParsedRow:
    row: int
    fields: dict  # keyword arguments of petition_register
    petitioners: list[PetitionerInput]
    display: dict = field(default_factory=dict)
    history: History | None = None  # how far a legacy case got (None: registered only)


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
        self.channels = choice_table(CHANNELS, Channel)
        self.natures = choice_table(NATURES, Nature)
        self.demand_types = choice_table(DEMAND_TYPES, DemandType)

    def column(self, name: str) -> str:
        return self.mapping.get(name, "")

    def raw(self, values: list, name: str):
        i = self.index.get(name)
        if i is None or i >= len(values):
            return None
        return values[i]

    def is_empty(self, values: list) -> bool:
        return all(is_blank(self.raw(values, name)) for name in self.index)

    def parse(self, number: int, values: list) -> ParsedRow:
        row = Row(self, number, values)
        out: dict = {}
        display: dict = {}
        self._received_at(row, out, display)
        self._channel(row, out, display)
        # content, title, demands
        content = tidy_text(row.text("content"))
        demands = tidy_text(row.text("demands"))
        row.require("content", content, _("请填写反映内容。"))
        if "title" in self.index:
            title = normalise(row.text("title"))
            row.require("title", title, _("请填写标题。"))
        else:
            title = derive_title(content)
        if len(title) > 200:
            row.err("title", _("标题不能超过200个字。"))
        if len(content) > limits.MAX_CONTENT:
            row.err("content", _("反映内容过长：不能超过%(n)d个字。") % {"n": limits.MAX_CONTENT})
        if len(demands) > limits.MAX_DEMANDS:
            row.err("demands", _("诉求过长：不能超过%(n)d个字。") % {"n": limits.MAX_DEMANDS})
        out.update(title=title, content=content, demands=demands)
        display.update(title=title, content=content, demands=out["demands"])
        # references by code or name
        for name, fn in (("category", self.lookups.category), ("problem_region", self.lookups.region),
                         ("accused_unit", self.lookups.unit)):
            value = row.text(name)
            if value:
                code, shown, message = fn(value)
                if code is None:
                    row.err(name, message)
                elif code:  # "" : a label the lenient look-up leaves unclassified
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
        elif not is_blank(value):
            headcount = positive_int(value)
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
        history = history_parse(row, out, display) if any(n in self.index for n in HISTORY_FIELDS) else None
        if row.errors:
            raise RowInvalid(row.errors)
        return ParsedRow(row=number, fields=out, petitioners=people, display=display, history=history)

    def _received_at(self, row: Row, out: dict, display: dict):
        if "received_at" not in self.index:
            return
        when = row.when("received_at")
        if when is None:
            row.require("received_at", None, _("请填写收到时间。"))
            return
        out["received_at"] = when
        display["received_at"] = timezone.localtime(when, self.tz).strftime("%Y-%m-%d %H:%M")

    def _channel(self, row: Row, out: dict, display: dict):
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

    def _petitioners(self, row: Row, out: dict) -> tuple[list[PetitionerInput], int | None]:
        """The petitioners of a row, and a headcount implied by "张三等5人"."""
        name = normalise(row.text("petitioner_name"))
        implied = None
        if name in ANONYMOUS_NAMES:
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


class Row:
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

    def when(self, name: str) -> dt.datetime | None:
        """The instant in a date cell, None when blank or wrong (with its error: unreadable, not in the
        calendar, in the future, before 2000)."""
        value = self.raw(name)
        if isinstance(value, FormulaWithoutValue) or (isinstance(value, str) and value.strip() in EXCEL_ERRORS):
            self.text(name)  # reports the cell
            return None
        if is_blank(value):
            return None
        try:
            when = parse_when(value, self.parser.tz)
        except NoSuchDate:
            self.err(name, _("日期不存在：%(value)s。") % {"value": cell_text(value)[:40]})
            return None
        except (ValueError, OverflowError):
            self.err(name, _("无法识别的日期：%(value)s。可用格式如 2026-03-02、2026/3/2、2026年3月2日，可带时间。")
                     % {"value": cell_text(value)[:40]})
            return None
        if when > self.parser.now + dt.timedelta(minutes=5):
            self.err(name, _("%(label)s不能晚于当前时间。") % {"label": field_label(name)})
        elif when.year < 2000:
            self.err(name, _("%(label)s过早。") % {"label": field_label(name)})
        else:
            return when
        return None

    def boolean(self, name: str) -> bool:
        value = self.raw(name)
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        shown = self.text(name)
        key = header_key(shown)
        if not key or key in FALSE:
            return False
        if key in TRUE:
            return True
        self.err(name, _("“%(label)s”应填“是”或“否”：%(value)s") % {
            "label": self.parser.column(name) or field_label(name), "value": shown[:20]})
        return False


def derive_title(content: str, limit: int = 30) -> str:
    """A title for ledgers without one: the first sentence of the content, at most `limit` characters."""
    text = normalise(content)
    first = re.split(r"[。！？!?\n；;]", text, maxsplit=1)[0].strip()
    first = first or text
    return first if len(first) <= limit else first[:limit - 1] + "…"
