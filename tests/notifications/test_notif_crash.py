"""Must-show of issue 10 (jobs and notifications), with real `xinfang worker` processes on the test
database:

- a worker killed with SIGKILL in the middle of a batch of notifications, then restarted: every due
  notification is delivered, each message id exactly once;
- on PostgreSQL, two workers drain a batch of 1,000 jobs and no job runs twice; the two enqueue one
  sweep for the slot they both found due.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django_tasks import task
from django_tasks_db.models import DBTaskResult

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@task()
def record_run(value: int, path: str) -> int:
    """A job that writes one line per run (O_APPEND: lines of several processes never mix)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{value} {os.getpid()}\n".encode())
    finally:
        os.close(fd)
    return value


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = quote(s["USER"] or "", safe="") + (f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{quote(s['NAME'], safe='')}"


def _start_worker(tmp_path: Path, name: str, *args, env_extra=None) -> subprocess.Popen:
    env = dict(os.environ, XINFANG_DATABASE_URL=_database_url(), XINFANG_HOME=str(tmp_path), PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
               **(env_extra or {}))
    log_path = tmp_path / f"{name}.log"
    log = open(log_path, "w+", encoding="utf-8")  # noqa: SIM115 - the process owns it
    proc = subprocess.Popen([str(Path(sys.executable).with_name("xinfang")), "worker", "--interval", "3600",
                             "--poll", "0.2", *args], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    proc.log_path = log_path
    deadline = time.monotonic() + 60
    while "后台任务进程已启动" not in log_path.read_text(encoding="utf-8"):
        assert proc.poll() is None, log_path.read_text(encoding="utf-8")
        assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.1)
    return proc


def _wait(predicate, seconds: float, what: str, *procs):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            logs = "\n".join(p.log_path.read_text(encoding="utf-8") for p in procs)
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        time.sleep(0.1)


def _stop(procs):
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


BATCH = 300


def test_a_worker_killed_mid_batch_then_restarted_delivers_each_notification_once(org, tmp_path):
    from xinfang.notifications.models import Dispatch, LoggedMessage
    from xinfang.notifications.services import notify, preferences_set
    from xinfang.notifications.tasks import send_dispatches

    handler = org.users["demo_handler"]
    preferences_set(user=handler, choices={"escalation": (True, True)}, phone="13912345678",
                    email="handler@example.gov.cn")
    for n in range(BATCH // 2):  # two dispatches each (SMS, e-mail); the sending job is queued once
        notify(recipients=[handler], kind="escalation", title=f"超期升级第{n}件")
    assert Dispatch.objects.count() == BATCH
    assert DBTaskResult.objects.filter(task_path=send_dispatches.module_path, status="READY").count() == 1
    slow = {"XINFANG_NOTIFY_TEST_DELAY": "0.02", "XINFANG_NOTIFY_LEASE_SECONDS": "2"}
    procs = []
    try:
        first = _start_worker(tmp_path, "first", "--lease", "2", env_extra=slow)
        procs.append(first)
        _wait(lambda: LoggedMessage.objects.count() >= 40, 120, "the first worker to send some", first)
        first.send_signal(signal.SIGKILL)  # mid-batch: no handler runs, nothing is cleaned up
        first.wait(10)
        sent_before = LoggedMessage.objects.count()
        assert sent_before < BATCH, "the batch finished before the kill: slow the sender down"
        job = DBTaskResult.objects.get(task_path=send_dispatches.module_path, status="RUNNING")  # left behind

        second = _start_worker(tmp_path, "second", "--lease", "2", env_extra=slow)
        procs.append(second)
        _wait(lambda: not Dispatch.objects.exclude(status="sent").exists(), 180, "every dispatch sent", second)
        log = second.log_path.read_text(encoding="utf-8")
        assert "接管了" in log  # the dead worker's job was taken over after its lease expired
        job.refresh_from_db()
        assert len(job.worker_ids) == 2

        ids = list(Dispatch.objects.values_list("message_id", flat=True))
        logged = Counter(LoggedMessage.objects.values_list("message_id", flat=True))
        assert len(ids) == BATCH and set(logged) == set(ids)
        assert max(logged.values()) == 1 and sum(logged.values()) == BATCH  # exactly once each
        assert not Dispatch.objects.filter(status="failed").exists()
    finally:
        _stop(procs)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("XINFANG_SLOW_TESTS"), reason="slow: make test-slow")
def test_two_workers_on_postgresql_run_each_of_1000_jobs_once(org, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("two workers claiming in parallel need PostgreSQL's row locks (SKIP LOCKED); "
                    "SQLite serialises writers")
    from xinfang.common.sweeps import sweep_job

    runs = tmp_path / "runs.txt"
    procs = []
    try:
        procs.append(_start_worker(tmp_path, "a"))
        procs.append(_start_worker(tmp_path, "b"))
        results = [record_run.enqueue(n, str(runs)) for n in range(1000)]
        ids = [r.id for r in results]
        _wait(lambda: not DBTaskResult.objects.filter(pk__in=ids, status__in=("READY", "RUNNING")).exists(), 600,
              "1,000 jobs done", *procs)
        assert DBTaskResult.objects.filter(pk__in=ids, status="SUCCESSFUL").count() == 1000
        lines = [line.split() for line in runs.read_text().splitlines()]
        per_job = Counter(int(v) for v, _pid in lines)
        assert sorted(per_job) == list(range(1000)) and max(per_job.values()) == 1  # none ran twice
        pids = Counter(pid for _v, pid in lines)
        assert len(pids) == 2, pids  # both worked the batch
        for row in DBTaskResult.objects.filter(pk__in=ids):
            assert len(row.worker_ids) == 1
        # both found the sweep's first slot due at start: one of them enqueued it
        assert DBTaskResult.objects.filter(task_path=sweep_job.module_path).count() == 1
    finally:
        _stop(procs)
