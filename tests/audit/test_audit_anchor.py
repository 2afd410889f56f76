"""Finding 1 of issue 9: signed heads kept outside the database (`xinfang audit anchor [--append FILE]`)
and `xinfang audit verify --anchor FILE`, which catches rows deleted and re-chained even by someone
holding the key."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from test_audit_keyed_chain import AUDIT_KEY, _entries, rechain

from xinfang.audit import keys
from xinfang.audit.models import AuditEntry
from xinfang.audit.services import audit_verify

XINFANG = Path(sys.executable).with_name("xinfang")


@pytest.fixture
def audit_key(settings):
    settings.AUDIT_KEY = AUDIT_KEY


def _anchor(path=None) -> str:
    out = StringIO()
    call_command("audit_anchor", *(["--append", str(path)] if path else []), stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def _verify(path) -> str:
    out = StringIO()
    call_command("audit_verify", "--anchor", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_anchor_prints_one_signed_line(db, audit_key):
    _entries(3)
    line = _anchor()
    assert "\n" not in line
    head = AuditEntry.objects.get(seq=3)
    assert line.startswith("xinfang-audit-anchor v1 seq=3 ") and f"hash={head.hash}" in line and " at=" in line
    assert " sig=" in line


def test_an_untouched_chain_passes(db, audit_key, tmp_path):
    anchors = tmp_path / "anchors.txt"
    _entries(4)
    _anchor(anchors)
    _entries(3, start=4)
    _anchor(anchors)
    assert len(anchors.read_text().splitlines()) == 2
    _entries(2, start=7)  # rows after the last anchor are fine
    out = _verify(anchors)
    assert "审计链完整" in out and "锚点 2 个均有效" in out


def _delete_and_rechain(*seqs: int) -> None:
    """Delete rows, close the gap in the numbering and re-chain everything with the audit key itself
    (an insider who also holds the key): the plain chain check then passes."""
    AuditEntry.objects.filter(seq__in=seqs).delete()
    for new_seq, row in enumerate(AuditEntry.objects.order_by("seq"), start=1):
        if row.seq != new_seq:
            AuditEntry.objects.filter(pk=row.pk).update(seq=new_seq)
    rechain(1, keys.SCHEME_HMAC, key=AUDIT_KEY)


def test_deleting_two_rows_and_rechaining_fails_naming_the_anchored_sequence(db, audit_key, tmp_path):
    anchors = tmp_path / "anchors.txt"
    _entries(6)
    _anchor(anchors)  # seq=6
    _entries(4, start=6)
    _anchor(anchors)  # seq=10
    _delete_and_rechain(3, 4)
    assert audit_verify().ok  # the chain alone no longer shows it
    with pytest.raises(CommandError) as info:
        _verify(anchors)
    assert "seq=6" in str(info.value) and "第 1 行" in str(info.value)

    lone = tmp_path / "last.txt"  # the last anchor alone: its row is gone altogether
    lone.write_text(anchors.read_text().splitlines()[1] + "\n")
    with pytest.raises(CommandError) as info:
        _verify(lone)
    assert "seq=10" in str(info.value) and "已不存在" in str(info.value)


@pytest.mark.parametrize("field", ["hash", "seq", "at", "sig"])
def test_a_tampered_anchor_line_fails(db, audit_key, tmp_path, field):
    _entries(5)
    first = _anchor()
    row3 = AuditEntry.objects.get(seq=3)
    forged = {
        "hash": first.replace(f"hash={AuditEntry.objects.get(seq=5).hash}", "hash=" + "a" * 64),
        "seq": first.replace("seq=5", "seq=3").replace(AuditEntry.objects.get(seq=5).hash, row3.hash),
        "at": first.replace(" at=20", " at=19"),
        "sig": first[:-1] + ("0" if first[-1] != "0" else "1"),
    }[field]
    assert forged != first
    anchors = tmp_path / "anchors.txt"
    anchors.write_text(first + "\n" + forged + "\n")
    with pytest.raises(CommandError) as info:
        _verify(anchors)
    assert "第 2 行" in str(info.value) and "签名无效" in str(info.value)


def test_an_anchor_signed_with_another_key_fails(db, settings, tmp_path):
    settings.AUDIT_KEY = AUDIT_KEY
    _entries(2)
    anchors = tmp_path / "anchors.txt"
    settings.AUDIT_KEY = keys.DEV_AUDIT_KEY  # e.g. forged with the published development key
    _anchor(anchors)
    settings.AUDIT_KEY = AUDIT_KEY
    with pytest.raises(CommandError, match="签名无效"):
        _verify(anchors)


def test_bad_anchor_files_get_a_clear_error(db, audit_key, tmp_path):
    _entries(2)
    with pytest.raises(CommandError, match="无法读取锚点文件"):
        _verify(tmp_path / "missing.txt")
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\n")
    with pytest.raises(CommandError, match="第 1 行不是有效的锚点"):
        _verify(junk)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n# nothing yet\n")
    with pytest.raises(CommandError, match="没有锚点"):
        _verify(empty)
    huge = tmp_path / "huge.txt"
    huge.write_text(_anchor().replace("seq=2", "seq=9999999999999999999") + "\n")
    with pytest.raises(CommandError, match="第 1 行"):
        _verify(huge)
    with pytest.raises(CommandError, match="无法写入锚点文件"):
        _anchor(tmp_path / "no-such-dir" / "a.txt")


def _run(env, *args, check=True):
    result = subprocess.run([str(XINFANG), *args], env=env, capture_output=True, text=True, timeout=600,
                            cwd=env["XINFANG_HOME"])
    if check:
        assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def test_the_console_script_with_the_audit_key_set(tmp_path):
    """The real `xinfang audit anchor --append` and `xinfang audit verify [--anchor]` on a SQLite file;
    a row edited and re-chained with the public algorithm makes `audit verify` exit non-zero."""
    db_file = tmp_path / "audit.sqlite3"
    env = {**os.environ, "XINFANG_DATABASE_URL": f"sqlite:///{db_file}", "XINFANG_HOME": str(tmp_path),
           "XINFANG_AUDIT_KEY": AUDIT_KEY, "PYTHONUNBUFFERED": "1"}
    _run(env, "migrate", "-v", "0")
    _run(env, "shell", "-c", "from xinfang.audit.services import audit_record\n"
                             "for i in range(6): audit_record(actor=None, action='test.event', data={'i': i})")
    anchors = tmp_path / "anchors.txt"
    printed = _run(env, "audit", "anchor", "--append", str(anchors)).stdout.strip()
    assert printed == anchors.read_text().strip() and "seq=6" in printed
    ok = _run(env, "audit", "verify", "--anchor", str(anchors))
    assert "审计链完整" in ok.stdout and "开发密钥" not in ok.stdout + ok.stderr

    # the public algorithm, applied to the file directly
    import hashlib
    import json

    with sqlite3.connect(db_file) as db:
        rows = db.execute("SELECT seq, at, actor_id, actor, action, object_type, object_id, data "
                          "FROM audit_auditentry ORDER BY seq").fetchall()
        prev = db.execute("SELECT hash FROM audit_auditentry WHERE seq = 2").fetchone()[0]
        for seq, at, actor_id, actor, action, object_type, object_id, data in rows[2:]:
            data = json.loads(data)
            if seq == 3:
                data = {"i": 99}
            at_iso = at.replace(" ", "T") + ("" if "+" in at else "+00:00")
            body = json.dumps([prev, seq, at_iso, actor_id, actor, action, object_type, object_id, data],
                              ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            digest = hashlib.sha256(body.encode()).hexdigest()
            db.execute("UPDATE audit_auditentry SET data = ?, prev_hash = ?, hash = ?, scheme = 'sha256' "
                       "WHERE seq = ?", [json.dumps(data), prev, digest, seq])
            prev = digest
        db.execute("UPDATE audit_audithead SET seq = 6, hash = ?", [prev])
    broken = _run(env, "audit", "verify", check=False)
    assert broken.returncode != 0 and "seq=3" in broken.stderr, broken.stderr
    broken = _run(env, "audit", "verify", "--anchor", str(anchors), check=False)
    assert broken.returncode != 0 and "seq=3" in broken.stderr
