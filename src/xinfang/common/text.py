"""Chinese text normalisation."""

import re
import unicodedata

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
