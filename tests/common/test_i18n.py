"""The English catalogue (locale/en/LC_MESSAGES/django.po): complete, placeholder-safe and in use.

The UI is Chinese first: msgids are the Chinese source strings, English is the second language. These tests
check the committed .po (every entry translated, nothing fuzzy, placeholders kept), that the compiled catalogue
really switches strings, that only the language cookie (not Accept-Language) switches the staff UI, and that no
string marked in the source is missing from the .po (re-extracted with makemessages into a temporary copy).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

import xinfang

PKG = Path(xinfang.__file__).resolve().parent
PO = PKG / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

# %(name)s, %(n)d, %(s).1f, %s ... and str.format's {name}; "%%" is a literal percent sign.
PY_FORMAT = re.compile(r"%(?:\((\w+)\))?[#0\- +]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa])")
BRACE_FORMAT = re.compile(r"(?<!\{)\{(\w*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


# ---- a small .po reader (stdlib only) --------------------------------------------------------------

def read_po(path: Path) -> list[dict]:
    """Entries as dicts: msgctxt, msgid, msgid_plural, msgstr or msgstr_plural ({n: str}), flags, obsolete.

    Entries are separated by blank lines, as makemessages (msgmerge) writes them."""
    entries = []
    for block in re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8").strip()):
        entry, key = {"flags": set(), "obsolete": False, "msgstr_plural": {}}, None
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#~"):
                entry["obsolete"] = True
                line = line[2:].strip()
            if line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
                continue
            if not line or line.startswith("#"):
                continue
            m = re.match(r'(msgctxt|msgid_plural|msgid|msgstr\[(\d+)\]|msgstr)\s+(".*")$', line)
            if m:
                key = int(m.group(2)) if m.group(2) else m.group(1)
                text = ast.literal_eval(m.group(3))
            elif line.startswith('"') and key is not None:
                text = ast.literal_eval(line)
            else:
                raise AssertionError(f"unexpected line in {path.name}: {raw!r}")
            if isinstance(key, int):
                entry["msgstr_plural"][key] = entry["msgstr_plural"].get(key, "") + text
            else:
                entry[key] = entry.get(key, "") + text
        if "msgid" in entry:
            entries.append(entry)
    return entries


def _entries():
    assert PO.exists(), f"missing {PO}; run makemessages -l en"
    entries = read_po(PO)
    assert entries and entries[0]["msgid"] == "", "the .po must start with its header"
    return entries[0], entries[1:]


def _label(e: dict) -> str:
    return (f"[{e['msgctxt']}] " if e.get("msgctxt") else "") + e["msgid"]


def _placeholders(text: str, flags: set[str]) -> set[tuple[str, str]]:
    found = set()
    if "python-format" in flags:
        found |= {(m.group(1) or "", m.group(2)) for m in PY_FORMAT.finditer(text.replace("%%", ""))}
    if "python-brace-format" in flags:
        found |= {(m.group(1), "{}") for m in BRACE_FORMAT.finditer(text)}
    return found


# ---- (a) complete, (b) placeholders ---------------------------------------------------------------------

def test_po_header_is_english_with_two_plural_forms():
    header, _entries_ = _entries()
    assert "Language: en\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]
    assert "charset=UTF-8" in header["msgstr"]
    assert "fuzzy" not in header["flags"]


def test_every_entry_is_translated_and_none_is_fuzzy_or_obsolete():
    _header, entries = _entries()
    assert len(entries) > 1000  # the whole UI, not a stub
    untranslated = []
    for e in entries:
        if "msgid_plural" in e:
            forms = e["msgstr_plural"]
            if sorted(forms) != [0, 1] or not all(v.strip() for v in forms.values()):
                untranslated.append(_label(e))
        elif not e.get("msgstr", "").strip():
            untranslated.append(_label(e))
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:20]}"
    fuzzy = [_label(e) for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries: {fuzzy[:20]}"
    obsolete = [_label(e) for e in entries if e["obsolete"]]
    assert not obsolete, f"obsolete entries (run makemessages --no-obsolete): {obsolete[:20]}"


def test_translations_are_english():
    _header, entries = _entries()
    han = re.compile(r"[\u4e00-\u9fff]")
    # Chinese kept on purpose: examples of values the user must type or paste in Chinese.
    allowed = re.compile(r"(?<![A-Za-z])'[^']*'|\d{4}年\d+月\d+日|休/班")
    offenders = []
    for e in entries:
        for text in [e.get("msgstr", "")] + list(e["msgstr_plural"].values()):
            if han.search(allowed.sub("", text)):
                offenders.append((_label(e), text))
    assert not offenders, offenders[:10]


def test_no_ascii_double_quotes_in_translations():
    """{% translate %} does not escape: an ASCII " would end an HTML attribute such as placeholder="…"."""
    _header, entries = _entries()
    bad = [_label(e) for e in entries
           if '"' not in e["msgid"] and any('"' in t for t in [e.get("msgstr", ""), *e["msgstr_plural"].values()])]
    assert not bad, bad[:10]


def test_every_msgstr_keeps_the_placeholders_of_its_msgid():
    _header, entries = _entries()
    bad = []
    for e in entries:
        flags = e["flags"]
        if "msgid_plural" in e:
            pairs = [(e["msgid"], e["msgstr_plural"].get(0, "")), (e["msgid_plural"], e["msgstr_plural"].get(1, ""))]
        else:
            pairs = [(e["msgid"], e["msgstr"])]
        for src, dst in pairs:
            if _placeholders(src, flags) != _placeholders(dst, flags):
                bad.append((src, dst))
            # A msgid that has no python-format flag must not gain one in English.
            if "python-format" not in flags and "%(" in dst and "%(" not in src:
                bad.append((src, dst))
    assert not bad, bad[:10]


# ---- (c) the compiled catalogue is used -----------------------------------------------------------------

@pytest.fixture(scope="module")
def compiled():
    """The .mo is git-ignored and built by `make messages`; build it here when it is missing or stale."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        msgfmt = shutil.which("msgfmt")
        if not msgfmt:
            pytest.fail("django.mo is missing or stale and msgfmt is not installed: run `make messages`")
        subprocess.run([msgfmt, "--check-format", "-o", str(MO), str(PO)], check=True)
        from django.utils.translation.reloader import translation_file_changed

        translation_file_changed(sender=None, file_path=MO)  # drop Django's cached catalogues
    return MO


def test_key_strings_translate_to_english_and_stay_chinese_by_default(compiled):
    from django.utils.translation import gettext, ngettext, pgettext

    from xinfang.common.errors import ApplicationError
    from xinfang.common.validators import validate_id_number
    from xinfang.petitions.choices import Status

    with translation.override("en"):
        assert gettext("登记") == "Register"
        assert gettext("工作台") == "Workbench"
        assert gettext("信访人") == "Petitioner"
        assert str(Status.REGISTERED.label) == "Registered"
        assert ngettext("共 %(n)s 件", "共 %(n)s 件", 1) % {"n": 1} == "1 petition"
        assert ngettext("共 %(n)s 件", "共 %(n)s 件", 3) % {"n": 3} == "3 petitions"
        assert pgettext("long date", "Y年n月j日") == "F j, Y"
        with pytest.raises(ApplicationError) as err:
            validate_id_number("110105194912310021")  # wrong check digit
        assert err.value.message == ("The check digit of the ID card number is wrong; "
                                     "please check the last character.")
        with pytest.raises(ApplicationError) as err:
            validate_id_number("11010519491231002")  # 17 characters: the placeholder is filled in English too
        assert err.value.message == "An ID card number must have 18 characters; this one has 17."
    with translation.override("zh-hans"):
        assert gettext("登记") == "登记"
        assert str(Status.REGISTERED.label) == "已登记"
        with pytest.raises(ApplicationError) as err:
            validate_id_number("110105194912310021")
        assert err.value.message == "身份证号码校验位错误，请核对最后一位。"


# ---- (d) the staff UI: Chinese unless the user chose -----------------------------------------------------

@pytest.mark.django_db
def test_login_page_follows_the_language_cookie_not_accept_language(client, compiled):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html and "Password" in html and "Petition System" in html
    assert "登录" not in html and "密码" not in html
    assert page.headers["Content-Language"] == "en"

    client.cookies.clear()
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "登录" in html and "密码" in html
    assert "Log in" not in html
    assert page.headers["Content-Language"] == "zh-hans"


# ---- (e) nothing marked in the source is missing from the .po ------------------------------------------

def test_every_marked_string_in_the_source_has_an_entry(tmp_path):
    """Re-extract the msgids with makemessages into a copy of the package and compare with the committed .po.

    Fails when a developer marks a new string (or changes one) without running makemessages and translating:
        cd src/xinfang && django-admin makemessages -l en --no-obsolete --no-location \\
            --ignore=migrations --ignore='*/migrations/*'
    then translate the new entries in locale/en/LC_MESSAGES/django.po.
    """
    if not shutil.which("xgettext"):
        pytest.skip("xgettext (gettext) is not installed")
    copy = tmp_path / "xinfang"
    shutil.copytree(PKG, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale", "static"))
    (copy / "locale").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}  # only ./locale is written
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-obsolete", "--no-location",
                    "--ignore=migrations", "--ignore=*/migrations/*", "-v", "0"],
                   cwd=copy, env=env, check=True, capture_output=True, timeout=120)
    fresh = read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")[1:]
    _header, committed = _entries()
    have = {(e.get("msgctxt"), e["msgid"], e.get("msgid_plural")) for e in committed}
    missing = [_label(e) for e in fresh if (e.get("msgctxt"), e["msgid"], e.get("msgid_plural")) not in have]
    assert not missing, (f"{len(missing)} marked strings have no English entry; run makemessages -l en and "
                         f"translate them: {missing[:30]}")
