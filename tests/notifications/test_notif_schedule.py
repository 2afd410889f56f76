"""The deadline sweep as a scheduled job: one worker enqueues each slot (a conditional UPDATE on the
schedule row), the sweep job holds a run lease so two never overlap, `worker --once` treats it as due."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from xinfang.common import jobs, sweeps
from xinfang.common.models import JobSchedule


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    import django_tasks_db.management.commands.db_worker as db_worker

    from xinfang.workflow.management.commands import worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)


def _sweep_jobs():
    return DBTaskResult.objects.filter(task_path=sweeps.sweep_job.module_path)


def test_one_caller_wins_each_slot(db):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert jobs.schedule_advance("sweep", 60) is True  # the first slot is due at once
        assert jobs.schedule_advance("sweep", 60) is False  # the same instant: taken
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        assert jobs.schedule_advance("sweep", 60) is False
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert jobs.schedule_advance("sweep", 60) is True
        assert JobSchedule.objects.get(name="sweep").next_at == timezone.now() + dt.timedelta(seconds=60)
        assert jobs.schedule_advance("sweep", 60, force=True) is True  # --once: due whatever the clock


def test_a_stale_read_loses_the_slot(db):
    """Two workers read the same due slot; the second UPDATE matches nothing."""
    now = timezone.now()
    JobSchedule.objects.create(name="sweep", next_at=now - dt.timedelta(seconds=1))
    stale = JobSchedule.objects.get(name="sweep")
    assert jobs.schedule_advance("sweep", 60)
    assert JobSchedule.objects.filter(name="sweep", next_at=stale.next_at).update(next_at=now) == 0


def test_the_run_lease_keeps_two_sweeps_apart(db, monkeypatch):
    ran = []
    monkeypatch.setitem(sweeps._SWEEPS, "probe", (0, lambda now: ran.append(now) or 1))
    assert jobs.schedule_lock("sweep", "other-worker", 120)
    assert sweeps.sweep_locked_run() == {"skipped": True} and ran == []
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=121), tick=False):  # the other one died
        result = sweeps.sweep_locked_run()
    assert result["probe"] == 1 and len(ran) == 1
    row = JobSchedule.objects.get(name="sweep")
    assert row.running_until is None and row.running_by == "" and row.last_finished_at is not None
    assert jobs.schedule_lock("sweep", "next", 120)  # released


def test_the_running_worker_enqueues_each_slot_once(db):
    from xinfang.workflow.management.commands.worker import Command

    workers = []
    for n in range(3):
        cmd = Command(stdout=StringIO())
        cmd.backend_alias, cmd.queues, cmd.worker_id, cmd.interval = "default", ["*"], f"w{n}", 60.0
        workers.append(cmd)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert [w._schedule() for w in workers] == [True, False, False]
    assert _sweep_jobs().count() == 1
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        # the slot is due again, but the first sweep has not run yet: nothing piles up
        assert [w._schedule() for w in workers] == [False, False, False]
        _sweep_jobs().update(status="SUCCESSFUL")
    with time_machine.travel(start + dt.timedelta(seconds=122), tick=False):
        assert [w._schedule() for w in workers] == [True, False, False]
    assert _sweep_jobs().count() == 2


def test_worker_once_runs_the_sweep_as_a_job_then_what_it_queued(db, monkeypatch):
    from xinfang.notifications.tasks import send_dispatches

    def queue_something(now):
        send_dispatches.enqueue()  # a rule that queues a job: run in the same --once
        return 3

    monkeypatch.setitem(sweeps._SWEEPS, "deadlines", (10, queue_something))
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "预警等级更新 3 件" in out.getvalue() and "执行后台任务 1 个" in out.getvalue()
    job = _sweep_jobs().get()
    assert job.status == "SUCCESSFUL" and job.return_value["deadlines"] == 3
    assert DBTaskResult.objects.get(task_path=send_dispatches.module_path).status == "SUCCESSFUL"
    # a sweep already running elsewhere: this --once skips it and says so
    jobs.schedule_lock("sweep", "elsewhere", 120)
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "本次跳过" in out.getvalue()


def test_worker_once_reports_a_failing_sweep_rule_and_goes_on(db, monkeypatch):
    def broken(now):
        raise RuntimeError("rule bug")

    monkeypatch.setitem(sweeps._SWEEPS, "broken", (5, broken))
    out = StringIO()
    call_command("worker", "--once", stdout=out)  # one failing rule never stops the others
    assert _sweep_jobs().get().return_value["broken"] is None
