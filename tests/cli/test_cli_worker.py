"""`xinfang worker`: warning levels, automatic closing, queued django-tasks jobs; running, jobs start
within seconds of being queued, before an older backlog and beside a long sweep."""

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from xinfang.petitions.choices import Status
from xinfang.petitions.models import Petition

RAN: list[int] = []


@task()
def remember(value: int) -> int:
    """A job for the worker to run (module level, as django-tasks requires)."""
    RAN.append(value)
    return value * 2


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    # The django-tasks worker calls close_old_connections() like a request does; inside the test's
    # transaction that would close the connection, so it is a no-op here (Django's test client does
    # the same for requests).
    import django_tasks_db.management.commands.db_worker as db_worker

    from xinfang.workflow.management.commands import worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)


def _worker(*args) -> str:
    out = StringIO()
    call_command("worker", *args, stdout=out)
    return out.getvalue()


def test_once_updates_warning_levels(register):
    p, _code = register()
    assert p.warning_level == "normal" and p.due_kind in ("route", "accept")
    assert "预警等级更新 0 件" in _worker("--once")
    with time_machine.travel(timezone.now() + dt.timedelta(days=9), tick=False):
        assert "预警等级更新 1 件" in _worker("--once")
    assert Petition.objects.get(pk=p.pk).warning_level in ("notice", "warning")
    with time_machine.travel(timezone.now() + dt.timedelta(days=40), tick=False):
        _worker("--once")
    assert Petition.objects.get(pk=p.pk).warning_level == "overdue"


def test_once_closes_petitions_whose_appeal_window_passed(register, act):
    p, _code = register()
    p = act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    p = act("demo_handler", p, "draft_reply", outcome="support", text="责令退还", basis="《物业管理条例》")
    p = act("demo_leader", p, "approve_reply")
    assert p.status == Status.REPLIED
    # the 复查 window runs from the delivery of the 处理意见书
    p = act("demo_clerk", p, "deliver", method="post", delivered_at=timezone.localdate().isoformat())
    _worker("--once")
    assert Petition.objects.get(pk=p.pk).status == Status.REPLIED
    with time_machine.travel(timezone.now() + dt.timedelta(days=45), tick=False):
        output = _worker("--once")
    assert "自动办结 1 件" in output
    p = Petition.objects.get(pk=p.pk)
    assert p.status == Status.CLOSED and p.events.order_by("id").last().data.get("automatic") is True


def test_once_runs_queued_jobs(db):
    RAN.clear()
    results = [remember.enqueue(n) for n in (1, 2, 3)]
    assert DBTaskResult.objects.ready().count() == 3
    output = _worker("--once")
    assert "执行后台任务 3 个" in output
    assert sorted(RAN) == [1, 2, 3]
    for r in results:
        row = DBTaskResult.objects.get(id=r.id)
        assert row.status == "SUCCESSFUL" and row.return_value == row.args_kwargs["args"][0] * 2
    assert "执行后台任务 0 个" in _worker("--once")


def test_bad_interval_is_refused(db):
    with pytest.raises(CommandError):
        _worker("--once", "--interval", "-1")


# ---- running: jobs within seconds, a backlog or a long sweep never in the way -----------------------

def test_fresh_jobs_run_before_an_older_backlog(db):
    RAN.clear()
    backlog = [remember.enqueue(n) for n in (1, 2, 3)]
    DBTaskResult.objects.filter(id__in=[r.id for r in backlog]).update(
        enqueued_at=timezone.now() - dt.timedelta(minutes=10))
    remember.enqueue(4)  # queued just now, e.g. the notice of a move a clerk is waiting for
    _worker("--once")
    assert RAN == [4, 1, 2, 3]


def test_jobs_queued_before_the_worker_started_are_backlog(db):
    from xinfang.workflow.management.commands.worker import Command

    remember.enqueue(1)  # e.g. the notices of a demo load, queued before the worker started
    cmd = Command()
    cmd.backend_alias, cmd.queues, cmd.worker_id = "default", ["*"], "test-worker"
    cmd.fresh_since = timezone.now()  # as the running worker sets it when it starts
    late = remember.enqueue(2)
    claimed = cmd._claim()
    assert str(claimed.id) == str(late.id) and claimed.status == "RUNNING"
    assert cmd._claim().args_kwargs["args"] == [1]
    assert cmd._claim() is None


def test_a_long_run_of_jobs_reports_its_progress(db, monkeypatch):
    from xinfang.workflow.management.commands import worker

    monkeypatch.setattr(worker, "PROGRESS_MIN", 3)
    monkeypatch.setattr(worker, "PROGRESS_SECONDS", 0)
    RAN.clear()
    for n in range(5):
        remember.enqueue(n)
    output = _worker("--once")
    assert "后台任务：待处理 5 个，开始处理。" in output
    assert [int(m) for m in re.findall(r"后台任务处理中 (\d+)/5", output)] == [1, 2, 3, 4, 5]
    assert "执行后台任务 5 个" in output and len(RAN) == 5


def test_bad_poll_is_refused(db):
    with pytest.raises(CommandError):
        _worker("--once", "--poll", "0")


@pytest.mark.django_db(transaction=True)
def test_a_long_sweep_does_not_hold_up_the_jobs(monkeypatch):
    """The running worker (its loop in a thread here): a sweep that takes long runs on its own thread
    while a job queued meanwhile runs within the poll."""
    from django.db import connections

    from xinfang.common import sweeps
    from xinfang.workflow.management.commands import worker

    sweeping = threading.Event()
    release = threading.Event()

    def slow_sweep(now):
        sweeping.set()
        release.wait(30)
        return 0

    monkeypatch.setitem(sweeps._SWEEPS, "slow", (0, slow_sweep))  # a rule of the scheduled sweep job
    monkeypatch.setattr(worker, "SWEEP_NOTE_SECONDS", 0.5)
    RAN.clear()
    cmd = worker.Command(stdout=StringIO())

    def run():
        try:
            call_command(cmd, "--poll", "0.2", "--interval", "3600")
        finally:
            connections.close_all()

    loop = threading.Thread(target=run, daemon=True)
    loop.start()
    try:
        assert sweeping.wait(10), "the first sweep did not start"
        remember.enqueue(7)
        deadline = time.monotonic() + 10
        while 7 not in RAN and time.monotonic() < deadline:
            time.sleep(0.05)
        assert RAN == [7]  # while the sweep still runs
        time.sleep(0.6)
        assert "时限检查进行中" in cmd.stdout._out.getvalue()
    finally:
        release.set()
        cmd.stopping = True
        loop.join(10)
    assert not loop.is_alive()
    out = cmd.stdout._out.getvalue()
    assert "后台任务进程已启动" in out and "执行后台任务 1 个" in out and "后台任务进程已停止" in out


# ---- the real command against the test database ---------------------------------------------------

def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = quote(s["USER"] or "", safe="") + (f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{quote(s['NAME'], safe='')}"


@pytest.fixture
def worker_process(transactional_db, tmp_path):
    """`xinfang worker` in its own process on the test database; stopped with SIGTERM afterwards."""
    env = dict(os.environ, XINFANG_DATABASE_URL=_database_url(), XINFANG_HOME=str(tmp_path), PYTHONUNBUFFERED="1")
    log = open(tmp_path / "worker.log", "w+", encoding="utf-8")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(Path(sys.executable).with_name("xinfang")), "worker", "--interval", "3600"],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    proc.log_path = tmp_path / "worker.log"
    try:
        deadline = time.monotonic() + 60
        while "后台任务进程已启动" not in proc.log_path.read_text(encoding="utf-8"):
            assert proc.poll() is None, proc.log_path.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.1)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def test_a_running_worker_issues_a_notice_within_seconds(org, register, worker_process):
    from xinfang.reports.models import IssuedDocument
    from xinfang.reports.tasks import issue_notices

    time.sleep(1.5)  # the worker is idle, between polls
    p, _code = register(title="小区停车收费")  # its 登记回执 is queued when the registration commits
    job = DBTaskResult.objects.get(task_path=issue_notices.module_path)
    deadline = time.monotonic() + 60  # rendering the PDF may take a while on a busy machine
    while DBTaskResult.objects.get(pk=job.pk).status in ("READY", "RUNNING") and time.monotonic() < deadline:
        time.sleep(0.2)
    job = DBTaskResult.objects.get(pk=job.pk)
    log = worker_process.log_path.read_text(encoding="utf-8")
    assert job.status == "SUCCESSFUL", log
    assert (job.started_at - job.enqueued_at).total_seconds() < 5, log  # picked up within seconds
    assert IssuedDocument.objects.filter(petition=p, kind="receipt").exists()
    # the worker reports the run once the queue is empty again (a moment after the job finished)
    while not re.search(r"执行后台任务 [1-9]\d* 个", log) and time.monotonic() < deadline + 10:
        time.sleep(0.2)
        log = worker_process.log_path.read_text(encoding="utf-8")
    assert re.search(r"执行后台任务 [1-9]\d* 个", log), log
    worker_process.send_signal(signal.SIGTERM)
    assert worker_process.wait(30) == 0
    assert "后台任务进程已停止" in worker_process.log_path.read_text(encoding="utf-8")
