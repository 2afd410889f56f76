"""A killed worker no longer leaves jobs RUNNING forever (issue 9, finding 8): a claimed job carries a
lease renewed by a heartbeat; once it expires, the job goes back to the queue and another worker runs
it, and running it again issues nothing twice."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from xinfang.common import jobs
from xinfang.common.models import JobLease

HERE = Path(__file__).resolve().parent
RAN: list[int] = []


@task()
def counted(value: int) -> int:
    RAN.append(value)
    return value


@task()
def issue_then_hang(event_id: int, marker: str) -> int:
    """Issues the event's notices, then (the first time only) hangs until the test kills the worker:
    the worst moment to die, after the notice was stored and before the job was marked done."""
    from xinfang.reports.notices.services import notices_for_event

    docs = notices_for_event(event_id)
    path = Path(marker)
    if not path.exists():
        path.write_text(str(os.getpid()))
        time.sleep(300)
    return len(docs)


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    import django_tasks_db.management.commands.db_worker as db_worker

    from xinfang.workflow.management.commands import worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)


def _worker(*args) -> str:
    out = StringIO()
    call_command("worker", *args, stdout=out)
    return out.getvalue()


def _running(result, *, worker_id: str, started: dt.datetime, lease_until: dt.datetime | None, attempts=1):
    row = DBTaskResult.objects.get(pk=result.id)
    row.status, row.started_at = "RUNNING", started
    row.worker_ids = [f"dead-{n}" for n in range(attempts - 1)] + [worker_id]
    row.save()
    if lease_until is not None:
        JobLease.objects.create(task=row, worker_id=worker_id, expires_at=lease_until)
    return row


def test_jobs_of_a_dead_worker_run_again_and_live_ones_are_left_alone(db):
    RAN.clear()
    now = timezone.now()
    expired = _running(counted.enqueue(1), worker_id="dead", started=now - dt.timedelta(minutes=5),
                       lease_until=now - dt.timedelta(seconds=1))
    legacy = _running(counted.enqueue(2), worker_id="old-worker", started=now - dt.timedelta(minutes=5),
                      lease_until=None)  # claimed by a worker from before leases: no lease row
    alive = _running(counted.enqueue(3), worker_id="alive", started=now - dt.timedelta(minutes=5),
                     lease_until=now + dt.timedelta(seconds=60))  # its worker renews the lease
    young = _running(counted.enqueue(4), worker_id="starting", started=now, lease_until=None)
    hopeless = _running(counted.enqueue(5), worker_id="dead", started=now - dt.timedelta(minutes=5),
                        lease_until=now - dt.timedelta(seconds=1), attempts=jobs.MAX_ATTEMPTS)

    output = _worker("--once", "--lease", "60")
    assert "接管了 2 个" in output and "1 个多次中断" in output
    assert sorted(RAN) == [1, 2]  # each exactly once
    for row in (expired, legacy):
        row.refresh_from_db()
        assert row.status == "SUCCESSFUL" and len(row.worker_ids) == 2  # the dead worker's claim, then ours
    for row in (alive, young):
        row.refresh_from_db()
        assert row.status == "RUNNING" and len(row.worker_ids) == 1
    hopeless.refresh_from_db()
    assert hopeless.status == "FAILED" and hopeless.exception_class_path == jobs.LEASE_LOST_PATH
    assert set(JobLease.objects.values_list("task_id", flat=True)) == {alive.pk}  # finished jobs hold none
    assert "接管" not in _worker("--once")


def test_a_claimed_job_holds_a_lease_while_it_runs(db, monkeypatch):
    seen = []
    result = counted.enqueue(9)
    original = jobs.leases_take  # a draining worker claims a batch of jobs, each with its lease

    def spy(claimed, worker_id, seconds):
        original(claimed, worker_id, seconds)
        for job in claimed:
            lease = JobLease.objects.get(task_id=job.pk)
            seen.append((lease.worker_id, (lease.expires_at - timezone.now()).total_seconds()))

    monkeypatch.setattr(jobs, "leases_take", spy)
    _worker("--once", "--lease", "30")
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "SUCCESSFUL"
    assert seen and seen[0][0] == row.worker_ids[-1] and 25 < seen[0][1] <= 30
    assert not JobLease.objects.filter(task_id=result.id).exists()  # dropped when the job ended


@pytest.mark.parametrize("lease", ["0", "-5", "nan", "100000"])
def test_bad_lease_is_refused(db, lease):
    with pytest.raises(CommandError):
        _worker("--once", "--lease", lease)


# ---- real processes, SIGKILL -------------------------------------------------------------------

pytestmark_real = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = quote(s["USER"] or "", safe="") + (f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{quote(s['NAME'], safe='')}"


def _start_worker(tmp_path: Path, name: str, *args) -> subprocess.Popen:
    env = dict(os.environ, XINFANG_DATABASE_URL=_database_url(), XINFANG_HOME=str(tmp_path), PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])))
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
        time.sleep(0.2)


@pytestmark_real
def test_a_job_of_a_killed_worker_completes_exactly_once(org, register, tmp_path, settings):
    from xinfang.reports.models import IssuedDocument
    from xinfang.reports.tasks import issue_notices
    from xinfang.workflow.models import PetitionEvent

    settings.MEDIA_ROOT = str(tmp_path / "var" / "media")  # where the workers (XINFANG_HOME=tmp_path) store
    p, _code = register(title="小区停车收费")
    event = next(e for e in PetitionEvent.objects.filter(petition=p) if "登记回执" in (e.data or {}).get("documents", []))
    DBTaskResult.objects.filter(task_path=issue_notices.module_path).delete()  # this test's job issues it
    marker = tmp_path / "first-attempt"
    job = issue_then_hang.enqueue(event.pk, str(marker))
    procs = []
    try:
        first = _start_worker(tmp_path, "first", "--lease", "3")
        procs.append(first)
        _wait(marker.exists, 90, "the first worker to issue the notice and hang", first)
        row = DBTaskResult.objects.get(pk=job.id)
        assert row.status == "RUNNING" and JobLease.objects.get(task_id=job.id).worker_id == row.worker_ids[0]
        assert IssuedDocument.objects.filter(event_id=event.pk, kind="receipt").count() == 1

        # a second worker leaves the job alone while the first is alive: its heartbeat renews the lease
        second = _start_worker(tmp_path, "second")
        procs.append(second)
        time.sleep(6)  # twice the lease
        row.refresh_from_db()
        assert row.status == "RUNNING" and len(row.worker_ids) == 1, second.log_path.read_text(encoding="utf-8")

        first.send_signal(signal.SIGKILL)  # dies mid-job: no handler, nothing cleaned up
        first.wait(10)
        _wait(lambda: DBTaskResult.objects.get(pk=job.id).status not in ("READY", "RUNNING"), 90,
              "the second worker to take the job over", second)
        row.refresh_from_db()
        log = second.log_path.read_text(encoding="utf-8")
        assert row.status == "SUCCESSFUL", log + row.traceback
        assert len(row.worker_ids) == 2 and row.worker_ids[0] != row.worker_ids[1]
        assert "接管了 1 个" in log
        # exactly once in effect: one 登记回执 for the event, issued with its frozen content (the worker
        # leaves the PDF and DOCX to the first download, which renders them)
        from xinfang.reports.notices.services import file_present, source_verify

        docs = IssuedDocument.objects.filter(event_id=event.pk, kind="receipt")
        assert docs.count() == 1 and source_verify(docs[0])
        assert file_present(docs[0].pdf) and file_present(docs[0].docx)
        assert IssuedDocument.objects.filter(petition=p).count() == 1
        assert not JobLease.objects.filter(task_id=job.id).exists()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
