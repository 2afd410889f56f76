"""Set-based issuing (issue 13): the worker issues a run of notice jobs together
(`notices_for_events`, `reports.tasks.issue_notices_set`). It must issue exactly what one event at a time
issues: the same notices, the same gap-free numbers in the same order, the same frozen content, the same
audit entries; and a run of jobs records each job's own result."""

from __future__ import annotations

import pytest
import time_machine
from notice_helpers import NOW, REPLY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    # the worker closes broken connections like a request does; inside the test's transaction that would
    # close the test's connection (as in tests/cli/test_cli_worker.py)
    import django_tasks_db.management.commands.db_worker as db_worker

    from xinfang.workflow.management.commands import worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


class _Undo(Exception):
    pass


def _moves(register, act):
    """Two petitions: one walked from registration to 办结 (its 办结报告 quotes the 处理意见书 issued by the
    same move's batch), one registered and assigned. Their timeline events that name notices, in order."""
    from xinfang.workflow.models import PetitionEvent

    p1, _ = register()
    p2, _ = register(title="小区电梯长期停运")
    act("demo_dispatcher", p1, "assign", unit="DH-ZJ")
    act("demo_dispatcher", p2, "assign", unit="DH-ZJ")
    act("demo_dept_dispatcher", p1, "accept", handler="demo_handler")
    act("demo_handler", p1, "draft_reply", **REPLY)
    act("demo_leader", p1, "approve_reply")
    act("demo_clerk", p1, "evaluate", level="satisfied")
    act("demo_dept_dispatcher", p1, "close", note="信访人书面表示满意，不再申请复查", waiver=True)
    events = [e for e in PetitionEvent.objects.filter(petition__in=[p1, p2]).order_by("at", "id")
              if (e.data or {}).get("documents")]
    return p1, events


def _issued(since_seq: int) -> tuple[list, list]:
    """(event, kind, number, frozen content) of every notice, and the data of every document.issue audit
    entry after `since_seq`, in issuing order."""
    from xinfang.audit.models import AuditEntry
    from xinfang.reports.models import IssuedDocument
    from xinfang.reports.notices.services import source_read

    docs = [(d.event_id, d.kind, d.number, d.title, d.unit_id, source_read(d))
            for d in IssuedDocument.objects.order_by("pk")]
    audit = [(e.actor, e.object_type, e.data) for e in
             AuditEntry.objects.filter(action="document.issue", seq__gt=since_seq).order_by("seq")]
    return docs, audit


@pytest.mark.parametrize("chunk", [16, 2])
def test_a_batch_issues_what_one_event_at_a_time_issues(register, act, media, monkeypatch, chunk):
    from django.db import transaction

    from xinfang.audit.models import AuditEntry
    from xinfang.audit.services import audit_verify
    from xinfang.common.jobs import in_worker
    from xinfang.reports.models import DocumentKind, IssuedDocument
    from xinfang.reports.notices import services
    from xinfang.reports.notices.services import notices_for_events, source_verify

    monkeypatch.setattr(services, "WRITE_CHUNK", chunk)  # 2: the batch is written in several transactions
    with time_machine.travel(NOW, tick=False):
        p1, events = _moves(register, act)
        ids = [e.pk for e in events]
        assert len(ids) >= 6
        seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0

        # the reference: one event at a time (the path of before), then undone
        try:
            with transaction.atomic(), in_worker():
                one_by_one = [[d.pk for d in services._notices_one(pk)] for pk in ids]
                expected = _issued(seq)
                raise _Undo
        except _Undo:
            pass
        assert not IssuedDocument.objects.exists()
        assert sum(map(len, one_by_one)) == len(expected[0]) >= 7

        # the same events as one batch (the first one twice, as a job run again would be)
        with in_worker():
            result = notices_for_events([*ids, ids[0]])
    got = _issued(seq)
    assert got[0] == expected[0]  # same notices, numbers, titles, units and frozen content, same order
    assert got[1] == expected[1]  # same audit entries (with the SHA-256 of each frozen content)
    assert [len(r) for r in result] == [*map(len, one_by_one), len(one_by_one[0])]
    assert [d.pk for d in result[-1]] == [d.pk for d in result[0]]  # issued once per event and kind
    docs = IssuedDocument.objects.order_by("pk")
    assert [d.pk for r in result[:-1] for d in r] == [d.pk for d in docs]
    assert all(source_verify(d) for d in docs) and audit_verify().ok
    assert not any(d.pdf or d.docx for d in docs)  # rendered on first need, as before
    # the 办结报告 quotes the 处理意见书 that the same batch issued before it
    reply = docs.get(petition=p1, kind=DocumentKind.REPLY)
    completion = docs.get(petition=p1, kind=DocumentKind.COMPLETION)
    assert reply.number and reply.number in services.source_read(completion).decode()

    # running the batch again issues nothing and returns the same notices
    with in_worker():
        again = notices_for_events(ids)
    assert [[d.pk for d in r] for r in again] == [[d.pk for d in r] for r in result[:-1]]
    assert IssuedDocument.objects.count() == len(expected[0])
    assert AuditEntry.objects.filter(action="document.issue").count() == len(expected[1])


def test_numbers_of_a_batch_follow_on_from_earlier_ones_without_gaps(register, act, media):
    from xinfang.common.jobs import in_worker
    from xinfang.reports.models import IssuedDocument
    from xinfang.reports.notices.services import notices_for_event, notices_for_events
    from xinfang.workflow.models import PetitionEvent

    with time_machine.travel(NOW, tick=False):
        petitions = [register(title=f"道路施工噪音扰民（{i}）")[0] for i in range(5)]
        for p in petitions:
            act("demo_dispatcher", p, "assign", unit="DH-ZJ")
        assigns = [PetitionEvent.objects.get(petition=p, action="assign").pk for p in petitions]
        with in_worker():
            (first,) = notices_for_event(assigns[0])  # one job alone
            notices_for_events(assigns[1:])  # then a run of four
    numbers = list(IssuedDocument.objects.filter(kind="route").order_by("pk").values_list("number", flat=True))
    assert numbers == [f"东信转〔2026〕{n}号" for n in range(1, 6)]
    assert first.number == numbers[0]


def test_the_worker_runs_notice_jobs_together_and_records_each_result(register, act, media,
                                                                     django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from xinfang.reports.models import IssuedDocument
    from xinfang.reports.tasks import issue_notices

    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):  # the moves queue their notice jobs
            p, _ = register()
            act("demo_dispatcher", p, "assign", unit="DH-ZJ")
            register(title="小区电梯长期停运")
        jobs = DBTaskResult.objects.filter(task_path=issue_notices.module_path)
        assert jobs.count() == 3 and not IssuedDocument.objects.exists()
        call_command("worker", "--once", stdout=StringIO())
    assert IssuedDocument.objects.count() == 3
    assert sorted(jobs.values_list("status", "return_value")) == [("SUCCESSFUL", 1)] * 3
    assert all(j.finished_at and not j.traceback for j in jobs)


def test_a_failing_job_of_a_run_fails_alone(register, media, monkeypatch, django_capture_on_commit_callbacks):
    """The run's set-based issuing fails (here: one job's event id is not a number), so the worker runs its
    jobs one by one: the good ones issue their notices, the bad one is recorded as failed."""
    from io import StringIO

    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from xinfang.reports.models import IssuedDocument
    from xinfang.reports.tasks import issue_notices

    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            register()
            register(title="小区电梯长期停运")
        issue_notices.enqueue("not-an-id")
        call_command("worker", "--once", stdout=StringIO())
    jobs = DBTaskResult.objects.filter(task_path=issue_notices.module_path)
    assert sorted(jobs.values_list("status", flat=True)) == ["FAILED", "SUCCESSFUL", "SUCCESSFUL"]
    assert IssuedDocument.objects.count() == 2


def test_the_worker_checks_everything_but_the_url_configuration():
    """Checking the URL configuration imports every view and API router (130 MB a worker never uses)."""
    from django.core import checks

    from xinfang.workflow.management.commands.worker import Command

    tags = set(Command.requires_system_checks)
    assert checks.Tags.urls not in tags
    assert {checks.Tags.models, checks.Tags.database, checks.Tags.security} <= tags
