"""`xinfang audit verify`: passes on intact data, names the first altered or removed row."""

import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from xinfang.audit.models import AuditEntry

XINFANG = Path(sys.executable).with_name("xinfang")


@pytest.fixture
def demo_data(db):
    call_command("demo", "--petitions", "15", "--seed", "9", stdout=StringIO())
    assert AuditEntry.objects.count() > 20


def _verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_verify_passes_on_demo_data(demo_data):
    output = _verify()
    assert "审计链完整" in output and str(AuditEntry.objects.count()) in output


def test_verify_names_an_altered_row(demo_data):
    _verify()
    with connection.cursor() as cursor:
        cursor.execute("""UPDATE audit_auditentry SET data = '{"to": "closed"}' WHERE seq = 5""")
    with pytest.raises(CommandError) as info:
        _verify()
    assert "seq=5" in str(info.value) and "篡改" in str(info.value)


def test_verify_names_an_altered_actor(demo_data):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor = 'someone_else' WHERE seq = 12")
    with pytest.raises(CommandError, match="seq=12"):
        _verify()


def test_verify_names_a_deleted_row(demo_data):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 7")
    with pytest.raises(CommandError) as info:
        _verify()
    assert "seq=7" in str(info.value) and "缺失" in str(info.value)


def test_verify_notices_the_last_row_deleted(demo_data):
    last = AuditEntry.objects.order_by("-seq").first().seq
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [last])
    with pytest.raises(CommandError, match=f"seq={last}"):
        _verify()


def test_verify_notices_a_rewritten_chain_link(demo_data):
    # a forger who recomputes one row's hash still breaks the link to the next row
    row = AuditEntry.objects.get(seq=3)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET hash = %s WHERE seq = 3", ["f" * 64])
    with pytest.raises(CommandError, match="seq=3"):
        _verify()
    assert row.hash != "f" * 64


def _run(env, *args, check=True):
    result = subprocess.run([str(XINFANG), *args], env=env, capture_output=True, text=True, timeout=600,
                            cwd=env["XINFANG_HOME"])
    if check:
        assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def test_console_script_on_a_sqlite_file(tmp_path):
    """The real `xinfang` script: migrate, demo, verify, token, corrupt, verify again, worker."""
    db_file = tmp_path / "cli.sqlite3"
    env = {**os.environ, "XINFANG_DATABASE_URL": f"sqlite:///{db_file}", "XINFANG_HOME": str(tmp_path),
           "PYTHONUNBUFFERED": "1"}
    assert str(db_file).startswith("/")  # sqlite:////abs/path
    _run(env, "migrate", "-v", "0")
    demo = _run(env, "demo", "--petitions", "30")
    assert "xinfang-demo-2026" in demo.stdout
    verify = _run(env, "audit", "verify")
    assert "审计链完整" in verify.stdout

    token = _run(env, "token", "create", "demo_clerk", "--name", "cli").stdout.strip().splitlines()[-1]
    assert token.startswith("xf_")

    with sqlite3.connect(db_file) as db:
        db.execute("""UPDATE audit_auditentry SET data = '{"forged": true}' WHERE seq = 5""")
    broken = _run(env, "audit", "verify", check=False)
    assert broken.returncode != 0
    assert "seq=5" in broken.stderr

    with sqlite3.connect(db_file) as db:
        # the demo queued a notice job per timeline event; running them is tested in test_cli_worker.py
        # and would only make this test slow
        db.execute("DELETE FROM django_tasks_database_dbtaskresult")
    once = _run(env, "worker", "--once")
    assert "时限检查" in once.stdout

    # the looping worker stops cleanly on SIGTERM
    proc = subprocess.Popen([str(XINFANG), "worker", "--interval", "30"], env=env, cwd=env["XINFANG_HOME"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert "后台任务进程已启动" in first, proc.stderr.read() if proc.poll() is not None else first
        sweep = proc.stdout.readline()  # the first sweep follows the start line
        assert "时限检查" in sweep, sweep
        proc.terminate()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "已停止" in out
