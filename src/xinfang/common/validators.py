"""Validation of Chinese identity numbers (GB 11643-1999) and phone numbers."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from .errors import ApplicationError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_SHORT_RE = re.compile(r"^(12345|110|120|119|122|12315|12333|12388|95\d{3,6})$")


def id_checksum(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def is_valid_id_number(value: str) -> bool:
    value = normalise_id_number(value)
    if not _ID_RE.match(value):
        return False
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return id_checksum(value[:17]) == value[17]


def validate_id_number(value: str, field: str = "id_number") -> str:
    value = normalise_id_number(value)
    if not is_valid_id_number(value):
        raise ApplicationError(_("身份证号码无效：应为18位，且校验位正确。"), "invalid", field)
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
