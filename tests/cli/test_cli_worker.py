"""`xinfang worker --once`: warning levels, automatic closing, queued django-tasks jobs."""

import datetime as dt
from io import StringIO

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
