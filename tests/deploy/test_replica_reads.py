"""Read-replica routing (docs/deploy.md, issue 13), with real processes on PostgreSQL.

A "replica" is made as a copy of the primary (CREATE DATABASE … TEMPLATE) and then left behind: what is
registered afterwards exists on the primary only. One server runs with XINFANG_DATABASE_REPLICA_URL
naming that copy, a second one without it. A petition registered through the first server is written to
the primary (its detail page, which never reads the replica, finds it; so does the second server's
search), while that server's search list and KPI report, which read the replica, do not count it yet.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from live_server import scratch_postgres, wait_answering

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.environ.get("XINFANG_SLOW_TESTS"), reason="slow: make test-slow")]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CONF = ROOT / "src" / "xinfang" / "config" / "gunicorn.conf.py"
WORD = "紫藤花架"  # in no demo text

SETUP = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from xinfang.org.demo import build_demo_org
from xinfang.api.tokens import token_create
org = build_demo_org()
print(json.dumps({u: token_create(user=org.users[u], name="replica") for u in ("demo_clerk", "demo_analyst")}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(port: int, token: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="POST" if body else "GET",
                                 data=json.dumps(body).encode() if body else None,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {"error": exc.read()[:500].decode(errors="replace")}


def _received(kpis: dict) -> int:
    return kpis["total"]["volume"]["items"]


def test_reports_and_search_read_the_replica(tmp_path):
    with scratch_postgres("xf_primary") as primary, scratch_postgres("xf_replica") as replica:
        env = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_") and k != "PYTEST_VERSION"}
        env.update(XINFANG_HOME=str(tmp_path), XINFANG_DATABASE_URL=primary, XINFANG_DEMO="1", XINFANG_DEBUG="0",
                   XINFANG_ALLOWED_HOSTS="127.0.0.1", DJANGO_SETTINGS_MODULE="xinfang.config.settings",
                   XINFANG_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT / "src"))
        (tmp_path / "var").mkdir(exist_ok=True)
        setup = subprocess.run([str(BIN / "python"), "-c", SETUP], env=env, cwd=tmp_path, capture_output=True,
                               text=True, timeout=600)
        assert setup.returncode == 0, setup.stderr[-3000:]
        tokens = json.loads(setup.stdout.strip().splitlines()[-1])
        # the replica: a copy of the primary as it is now (no connection to the primary is open)
        base, _, replica_name = replica.rpartition("/")
        admin = ["psql", f"{base}/postgres", "-q", "-c"]
        subprocess.run([*admin, f"DROP DATABASE {replica_name}"], check=True, capture_output=True)
        subprocess.run([*admin, f"CREATE DATABASE {replica_name} TEMPLATE {primary.rpartition('/')[2]}"],
                       check=True, capture_output=True)

        ports = {"routed": _free_port(), "primary_only": _free_port()}
        procs = {}
        try:
            for name, port in ports.items():
                extra = {"XINFANG_DATABASE_REPLICA_URL": replica} if name == "routed" else {}
                log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (kept for the process)
                procs[name] = subprocess.Popen(
                    [str(BIN / "gunicorn"), "-c", str(CONF), "xinfang.config.wsgi"],
                    env={**env, **extra, "XINFANG_BIND": f"127.0.0.1:{port}", "XINFANG_WEB_WORKERS": "1",
                         "XINFANG_WEB_THREADS": "2", "XINFANG_ACCESS_LOG": ""},
                    cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            for name, port in ports.items():
                wait_answering(port, tokens["demo_clerk"], procs[name],
                               lambda n=name: (tmp_path / f"{n}.log").read_text(), seconds=90, what=name)
            routed, direct = ports["routed"], ports["primary_only"]
            clerk, analyst = tokens["demo_clerk"], tokens["demo_analyst"]
            year = dt.date.today().year
            kpis = f"/api/v1/reports/kpis?date_from={year}-01-01&date_to={year}-12-31"
            status, before = _call(routed, analyst, kpis)
            assert status == 200, before

            status, created = _call(routed, clerk, "/api/v1/petitions", {
                "channel": "visit", "received_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "title": f"{WORD}倒塌", "content": f"小区{WORD}倒塌，无人维修。", "demands": "请求维修。",
                "category": "010101", "nature": "appeal", "headcount": 1,
                "petitioners": [{"name": "复制测试", "phone": "13800000001"}]})
            assert status == 201, created
            # written to the primary: read back by the page that never reads the replica, and by the other server
            status, detail = _call(routed, clerk, f"/api/v1/petitions/{created['id']}")
            assert status == 200 and detail["number"] == created["number"]
            search = "/api/v1/petitions?" + urllib.parse.urlencode({"q": WORD})
            status, found = _call(direct, clerk, search)
            assert status == 200 and [p["number"] for p in found["results"]] == [created["number"]], found
            status, direct_kpis = _call(direct, analyst, kpis)
            assert status == 200 and _received(direct_kpis) == _received(before) + 1, (before, direct_kpis)
            # the routed server's search and reports read the replica, which has not seen it
            status, missing = _call(routed, clerk, search)
            assert status == 200 and missing["results"] == [], missing
            status, after = _call(routed, analyst, kpis)
            assert status == 200 and _received(after) == _received(before), (before, after)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs.values():
                proc.wait(timeout=30)
