"""Many processes on one PostgreSQL database (docs/deploy.md): two web servers (gunicorn with the production
configuration file, each its own process group and port, as two machines behind a load balancer would be)
and two job workers share one database; clients register concurrently through both servers, for two
receiving units and two years. Afterwards every registration got its 201, the tracking numbers of each
unit and year are unique and gap-free (1…n, and the sequence row says n), every queued job ran exactly
once (one claim each, all successful) and every registration's 登记回执 was issued once.

Runs when the suite runs on PostgreSQL (XINFANG_DATABASE_URL=postgres://…), in a database of its own;
everything listens on 127.0.0.1 only, and the client loop is bounded in count and time. About a minute of
real processes: `make test-slow` (XINFANG_SLOW_TESTS=1) runs it."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from live_server import scratch_postgres, wait_answering

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.environ.get("XINFANG_SLOW_TESTS"), reason="slow: make test-slow")]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CONF = ROOT / "src" / "xinfang" / "config" / "gunicorn.conf.py"
REGISTRATIONS = 160  # in all, spread over both servers, two clerks (units) and two years
CLIENTS = 8
MAX_SECONDS = 120

SETUP = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from xinfang.org.demo import build_demo_org
from xinfang.api.tokens import token_create
org = build_demo_org()
print(json.dumps({u: token_create(user=org.users[u], name="many") for u in ("demo_clerk", "demo_clerk2")}))
"""

QUEUE = """
import django, json
django.setup()
from django_tasks_db.models import DBTaskResult
print(json.dumps(DBTaskResult.objects.exclude(status__in=["SUCCESSFUL", "FAILED"]).count()))
"""

CHECK = """
import django, json
django.setup()
from django_tasks_db.models import DBTaskResult
from xinfang.petitions.models import NumberSequence, Petition
from xinfang.reports.models import IssuedDocument
from xinfang.workflow.models import PetitionEvent
out = {"numbers": {}, "sequences": {}, "jobs": [], "receipts": {}, "events": 0}
for unit, year, seq, number in Petition.objects.values_list("receiving_unit__code", "year", "seq", "number"):
    out["numbers"].setdefault(f"{unit}/{year}", []).append([seq, number])
for unit, year, last in NumberSequence.objects.values_list("unit__code", "year", "last"):
    out["sequences"][f"{unit}/{year}"] = last
for status, workers, path in DBTaskResult.objects.values_list("status", "worker_ids", "task_path"):
    out["jobs"].append([status, workers, path])
events = list(PetitionEvent.objects.filter(action="register").values_list("pk", flat=True))
out["events"] = len(events)
for event_id, kind in IssuedDocument.objects.filter(event_id__in=events).values_list("event_id", "kind"):
    out["receipts"].setdefault(str(event_id), []).append(kind)
print(json.dumps(out))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(env, *args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=env["XINFANG_HOME"], capture_output=True, text=True, timeout=timeout)


def _body(seq: int, last_year: bool) -> dict:
    now = dt.datetime.now().astimezone()
    received = now.replace(year=now.year - 1, month=6, day=15) if last_year else now
    return {"channel": "visit", "received_at": received.isoformat(timespec="seconds"),
            "title": f"多进程登记第{seq}件", "content": f"幸福小区{seq}号楼物业公司违规收取地面停车费。",
            "demands": "请求退还。", "category": "010101", "nature": "appeal", "headcount": 1,
            "petitioners": [{"name": f"多进程{seq}", "phone": f"138{seq:08d}"}]}


class Processes:
    def __init__(self, env: dict, logs: Path):
        self.env, self.logs, self.procs = env, logs, {}

    def spawn(self, name: str, args: list[str], **extra_env):
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (kept for the process)
        self.procs[name] = subprocess.Popen(args, env={**self.env, **extra_env}, cwd=self.env["XINFANG_HOME"],
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def web(self, name: str, port: int):
        self.spawn(name, [str(BIN / "gunicorn"), "-c", str(CONF), "xinfang.config.wsgi"],
                   XINFANG_BIND=f"127.0.0.1:{port}", XINFANG_WEB_WORKERS="2", XINFANG_WEB_THREADS="2",
                   XINFANG_ACCESS_LOG="")

    def wait_web(self, name: str, port: int, token: str):
        wait_answering(port, token, self.procs[name], lambda: (self.logs / f"{name}.log").read_text(),
                       seconds=90, what=name)

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)


def many_run(tmp_path: Path, database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_") and k != "PYTEST_VERSION"}
    env.update(XINFANG_HOME=str(tmp_path), XINFANG_DATABASE_URL=database_url, XINFANG_DEMO="1",
               XINFANG_DEBUG="0", XINFANG_ALLOWED_HOSTS="127.0.0.1", DJANGO_SETTINGS_MODULE="xinfang.config.settings",
               XINFANG_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT / "src"))
    (tmp_path / "var").mkdir(exist_ok=True)
    setup = _run(env, str(BIN / "python"), "-c", SETUP)
    assert setup.returncode == 0, setup.stderr[-3000:]
    tokens = json.loads(setup.stdout.strip().splitlines()[-1])
    ports = {"web1": _free_port(), "web2": _free_port()}
    procs = Processes(env, tmp_path)
    answers: list[tuple[int, str]] = []  # (status, number or error) of every request
    lock = threading.Lock()
    counter = [0]
    try:
        for name, port in ports.items():
            procs.web(name, port)
        for name in ("worker1", "worker2"):
            procs.spawn(name, [str(BIN / "xinfang"), "worker", "--poll", "0.2"])
        for name, port in ports.items():
            procs.wait_web(name, port, tokens["demo_clerk"])
        started = time.monotonic()

        def client(i: int):
            while time.monotonic() - started < MAX_SECONDS:
                with lock:
                    if counter[0] >= REGISTRATIONS:
                        return
                    counter[0] += 1
                    seq = counter[0]
                port = ports["web1" if seq % 2 else "web2"]
                token = tokens["demo_clerk" if (seq // 2) % 2 else "demo_clerk2"]
                req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/petitions", method="POST",
                                             data=json.dumps(_body(seq, last_year=seq % 3 == 0)).encode(),
                                             headers={"Authorization": f"Bearer {token}",
                                                      "Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        got = (r.status, json.loads(r.read())["number"])
                except urllib.error.HTTPError as exc:
                    got = (exc.code, exc.read()[:300].decode(errors="replace"))
                except OSError as exc:
                    got = (0, repr(exc))
                with lock:
                    answers.append(got)

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(MAX_SECONDS + 60)
        # the workers drain the queue (one 登记回执 job per registration)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            left = _run(env, str(BIN / "python"), "-c", QUEUE)
            assert left.returncode == 0, left.stderr[-2000:]
            if json.loads(left.stdout.strip().splitlines()[-1]) == 0:
                break
            time.sleep(1)
    finally:
        procs.stop()
    check = _run(env, str(BIN / "python"), "-c", CHECK)
    assert check.returncode == 0, check.stderr[-3000:]
    state = json.loads(check.stdout.strip().splitlines()[-1])
    state["answers"] = answers
    return state


def _check(state: dict) -> None:
    answers = state["answers"]
    failed = [a for a in answers if a[0] != 201]
    assert not failed, f"{len(failed)} of {len(answers)} registrations failed: {failed[:5]}"
    assert len(answers) == REGISTRATIONS
    acknowledged = [number for _status, number in answers]
    assert len(set(acknowledged)) == len(acknowledged), "a tracking number was given twice"
    numbers = state["numbers"]
    assert len(numbers) == 4, f"expected two units × two years: {sorted(numbers)}"
    for key, rows in numbers.items():
        seqs = sorted(seq for seq, _number in rows)
        assert seqs == list(range(1, len(seqs) + 1)), f"{key}: duplicate or skipped numbers {seqs}"
        assert len({n for _seq, n in rows}) == len(rows), f"{key}: duplicate tracking numbers"
        assert state["sequences"][key] == len(seqs), f"{key}: the sequence says {state['sequences'][key]}"
    assert sum(len(rows) for rows in numbers.values()) == REGISTRATIONS
    jobs = state["jobs"]
    assert len(jobs) >= REGISTRATIONS, f"only {len(jobs)} jobs queued"
    twice = [j for j in jobs if len(j[1]) != 1]
    assert not twice, f"jobs claimed more or less than once: {twice[:5]}"
    assert all(status == "SUCCESSFUL" for status, _w, _p in jobs), {s for s, _w, _p in jobs}
    assert state["events"] == REGISTRATIONS
    assert len(state["receipts"]) == REGISTRATIONS, "a 登记回执 is missing"
    assert all(len(kinds) == len(set(kinds)) for kinds in state["receipts"].values()), "a notice was issued twice"


def test_two_web_servers_two_workers_postgresql(tmp_path):
    with scratch_postgres("xf_many") as url:
        state = many_run(tmp_path, url)
    _check(state)
