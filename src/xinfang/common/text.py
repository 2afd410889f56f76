"""Chinese text normalisation, and masking of the identifiers typed into free text."""

import functools
import re
import unicodedata
from collections.abc import Iterable

_WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


def normalise(text: str | None) -> str:
    """NFKC (full-width to half-width), every kind of space folded to one, trimmed."""
    if not text:
        return ""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def clean(text: str | None) -> str:
    """For stored text: every kind of space folded to one, trimmed; characters kept as typed
    (full-width Chinese punctuation such as ：stays)."""
    if not text:
        return ""
    return _WS.sub(" ", text).strip()


def has_bad_characters(text: str) -> bool:
    """NUL and unpaired surrogates: neither database can store them faithfully."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def clean_text(value, field: str, label: str, *, required: bool, max_len: int) -> str:
    """A text field of a service's input, stripped: refused (ApplicationError "invalid" naming `field`)
    when it is not text, holds characters no database stores, is missing though `required`, or is
    longer than `max_len`."""
    from django.utils.translation import gettext as _

    from .errors import ApplicationError

    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApplicationError(_("%(label)s应为文本。") % {"label": label}, "invalid", field)
    value = value.strip()
    if has_bad_characters(value):
        raise ApplicationError(_("%(label)s含有无法保存的字符。") % {"label": label}, "invalid", field)
    if required and not value:
        raise ApplicationError(_("请填写%(label)s。") % {"label": label}, "invalid", field)
    if len(value) > max_len:
        raise ApplicationError(_("%(label)s不能超过%(n)d个字。") % {"label": label, "n": max_len}, "invalid", field)
    return value


# ---- identifiers in free text (accusers' identities, DESIGN §5) ---------------------------------

_D = "[0-9\uff10-\uff19]"  # ASCII and full-width digits (typed text may hold either)
_SEP = "[ \u3000\uff0d-]"  # between digit groups: a space or a hyphen (also full-width)
_ALNUM = "0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_IDENTIFIERS = re.compile(
    rf"(?<![{_ALNUM}])(?:"  # never inside a longer run of letters or digits
    # 18-character ID number (6 + 8 + 4 with optional separators; the last may be X)
    rf"(?P<id18>[1-9\uff11-\uff19]{_D}{{5}}{_SEP}?{_D}{{8}}{_SEP}?{_D}{{3}}[0-9Xx\uff10-\uff19\uff38\uff58])"
    # the old 15-digit ID number
    rf"|(?P<id15>[1-9\uff11-\uff19]{_D}{{14}})"
    # mobile: 1[3-9]x xxxx xxxx (3-4-4, optional separators), optional +86 / 0086 / 86 / (+86) prefix
    rf"|(?P<mobile_prefix>(?:[+\uff0b]|00)?86{_SEP}?|[(\uff08][+\uff0b]?86[)\uff09]{_SEP}?)?"
    rf"(?P<mobile>[1\uff11][3-9\uff13-\uff19]{_D}{_SEP}?{_D}{{4}}{_SEP}?{_D}{{4}})"
    # landline: area code 010 / 02x / 0xxx (optionally in brackets), 7 or 8 digits, optional extension
    rf"|(?P<area>[(\uff08]?[0\uff10](?:[1\uff11][0\uff10]|[2\uff12]{_D}|[3-9\uff13-\uff19]{_D}{{2}})[)\uff09]?)"
    rf"{_SEP}?"
    rf"(?P<local>[1-9\uff11-\uff19]{_D}{{2,3}}{_SEP}?{_D}{{4}})"
    rf"(?P<ext>(?:[-\uff0d]|转|分机){_D}{{1,6}})?"
    rf")(?![{_ALNUM}])")


def _digits(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum())


def _mask_match(match: re.Match) -> str:
    from .crypto import mask_id_number, mask_phone

    if match["id18"] or match["id15"]:
        return mask_id_number(_digits(match[0]).upper())
    if match["mobile"]:
        prefix = match["mobile_prefix"] or ""
        return prefix + mask_phone(_digits(match["mobile"]))
    local = _digits(match["local"])
    sep = match[0][len(match["area"]):match.start("local") - match.start()]
    return match["area"] + sep + "*" * (len(local) - 4) + local[-4:] + (match["ext"] or "")


@functools.lru_cache(maxsize=256)
def _names_re(names: tuple[str, ...]) -> re.Pattern | None:
    # longest first, so 欧阳娜娜 is masked whole before a shorter name inside it
    usable = sorted({n for n in names if len(n) >= 2}, key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in usable)) if usable else None


def mask_identifiers(text: str | None, names: Iterable[str] = ()) -> str:
    """`text` with the personal identifiers typed into it masked the way screens mask petitioner fields
    (DESIGN §5): mainland ID numbers (18 characters, the last may be X, and the old 15-digit ones) as
    110101********1234, mobile numbers (with or without +86, spaces or hyphens between the digits) as
    138****8000, landlines as 010-****5678, and each of `names` (the petitioners' names, two characters
    or more) where it appears verbatim as 张*. Other numbers (petition numbers such as XF-2026-000123,
    dates, amounts) stay as they are. A pure function: nothing stored changes."""
    if not text:
        return text or ""
    from .crypto import mask_name

    text = _IDENTIFIERS.sub(_mask_match, text)
    pattern = _names_re(tuple(n.strip() for n in names if n and n.strip()))
    if pattern is not None:
        text = pattern.sub(lambda m: mask_name(m[0]), text)
    return text
