"""Validation of Chinese identity numbers (GB 11643-1999) and phone numbers.

An ID number is checked in the order a clerk can fix it: its characters, its length, the region
code (the province, GB/T 2260), the birth date, then the check digit; each problem has its own
message. The intake page checks as the clerk types with the same rules and the same messages
(`ID_MESSAGES`, `ID_PROVINCES`, handed to web/static/web/intake.js).
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import ApplicationError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_ID_CHARS_RE = re.compile(r"^\d{0,17}[\dX]?$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_SHORT_RE = re.compile(r"^(12345|110|120|119|122|12315|12333|12388|95\d{3,6})$")

# The provincial codes of GB/T 2260 that start resident ID numbers, and 81/82/83 of the residence
# permits of Hong Kong, Macao and Taiwan residents. Numbers starting with 9 are the 2023 permanent
# residence ID cards of foreigners (same check digit); the demo's invented 示范省 uses 99 too.
ID_PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
    "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83"})
ID_EARLIEST_BIRTH = dt.date(1900, 1, 1)

# One message per problem, in the order they are checked; "length" takes %(n)d, the length typed.
ID_MESSAGES = {
    "chars": gettext_lazy("身份证号码只能由数字组成，最后一位可以是X。"),
    "length": gettext_lazy("身份证号码应为18位，当前为%(n)d位。"),
    "region": gettext_lazy("身份证号码中的地区码无效，请核对前两位。"),
    "birth": gettext_lazy("身份证号码中的出生日期无效，请核对第7至14位。"),
    "check": gettext_lazy("身份证号码校验位错误，请核对最后一位。"),
}


def id_checksum(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def id_region_known(value: str) -> bool:
    """Whether the first two digits are a province of GB/T 2260 (or a permit prefix, see above)."""
    return value[:2] in ID_PROVINCES or value[:1] == "9"


def id_birth_date(value: str) -> dt.date | None:
    """The birth date in digits 7-14, when it is a real date between 1900 and today."""
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    return born if ID_EARLIEST_BIRTH <= born <= timezone.localdate() else None


def id_number_problem(value: str) -> str:
    """What is wrong with an ID number: "" when it is valid, else a key of `ID_MESSAGES`."""
    value = normalise_id_number(value)
    if not _ID_CHARS_RE.match(value):
        return "chars"
    if len(value) != 18:
        return "length"
    if not id_region_known(value):
        return "region"
    if id_birth_date(value) is None:
        return "birth"
    if id_checksum(value[:17]) != value[17]:
        return "check"
    return ""


def id_number_message(value: str) -> str:
    """The message for what is wrong with an ID number ("" when it is valid)."""
    problem = id_number_problem(value)
    if not problem:
        return ""
    return str(ID_MESSAGES[problem]) % {"n": len(normalise_id_number(value))} if problem == "length" \
        else str(ID_MESSAGES[problem])


def is_valid_id_number(value: str) -> bool:
    value = normalise_id_number(value)
    return bool(_ID_RE.match(value)) and not id_number_problem(value)


def validate_id_number(value: str, field: str = "id_number") -> str:
    """The normalised ID number, or ApplicationError with the message of its first problem."""
    value = normalise_id_number(value)
    message = id_number_message(value)
    if message:
        raise ApplicationError(message, "invalid", field)
    return value


def normalise_phone(value: str) -> str:
    value = (value or "").strip().replace(" ", "").replace("（", "(").replace("）", ")")
    value = value.replace("(", "").replace(")", "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def validate_phone(value: str, field: str = "phone") -> str:
    value = normalise_phone(value)
    if not (_MOBILE_RE.match(value) or _LANDLINE_RE.match(value) or _SHORT_RE.match(value)):
        raise ApplicationError(_("电话号码无效：请填写11位手机号或带区号的固定电话。"), "invalid", field)
    return value
