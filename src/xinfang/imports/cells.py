"""One cell to a value: dates (many written forms, Excel serials), text, yes/no, and the Chinese names
ledgers use for channels, natures and demand types. No database."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils import timezone

from xinfang.petitions.choices import Channel, DemandType, Nature

from .fields import header_key

EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                "#SPILL!", "#CALC!"}

CHANNELS = {
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
NATURES = {
    Nature.SUGGESTION: ("建议意见", "建议", "意见", "建议意见类"),
    Nature.ACCUSATION: ("检举控告", "检举", "控告", "举报", "检举控告类"),
    Nature.APPEAL: ("申诉求决", "申诉", "求决", "申诉求决类"),
}
DEMAND_TYPES = {
    DemandType.CONSULT: ("咨询",), DemandType.HELP: ("求助",), DemandType.COMPLAINT: ("投诉",),
    DemandType.REPORT: ("举报",), DemandType.SUGGEST: ("建议",), DemandType.THANKS: ("感谢", "表扬"),
    DemandType.OTHER: ("其他", "其它"),
}
TRUE = {"是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "有", "紧急", "特急", "加急", "急", "匿名", "涉法涉诉",
         "涉诉", "涉法", "是的", "对"}
FALSE = {"否", "n", "no", "false", "f", "0", "×", "✗", "✘", "无", "一般", "普通", "平件", "不", "非", "实名", "没有",
          "不是", "-", "/"}
ANONYMOUS_NAMES = {"匿名", "无名氏", "匿名者", "不愿透露", "不详", "佚名"}


def choice_table(table: dict, choices) -> dict[str, str]:
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
    table = choice_table(CHANNELS, Channel)
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


def positive_int(value) -> int | None:
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


# spaces a pasted or scraped text carries: tabs, full-width spaces (U+3000), NBSP, zero-width spaces, BOMs
_SPACES = re.compile(r"[ \t\u3000\u00a0\u2000-\u200b\u202f\u205f\ufeff]+")


def tidy_text(text: str) -> str:
    """A long text (反映内容, 诉求) as stored: line ends unified, every run of spaces (tab, U+3000,
    NBSP …) folded to one, each line trimmed, blank lines dropped; paragraphs kept. Message-board
    exports start with tab/newline junk and indent with full-width spaces."""
    if not text:
        return ""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)
