"""The supervision sweep with frozen time: the target unit is reminded once when an order's (or an
instruction's) due date is 3 days away and once when it has passed; nothing after 销号 / a report."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from xinfang.common.sweeps import sweeps_run
from xinfang.notifications.models import Notification
from xinfang.oversight.supervision import services
from xinfang.oversight.supervision.models import Instruction, Supervision

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=TZ)


def due_notes(username="demo_leader", which=""):
    qs = Notification.objects.filter(kind="supervision_due", recipient__username=username)
    return list(qs.filter(dedupe_key__contains=which).values_list("dedupe_key", flat=True))


@pytest.fixture
def clock():
    with time_machine.travel(at("2026-03-02"), tick=False) as traveller:
        yield traveller


def test_due_soon_then_overdue_once_each(clock, routed, act):
    p = routed()
    act("demo_supervisor", p, "supervise", requirement="限期办结", due_on="2026-03-12")
    sup = Supervision.objects.get()
    sweeps_run(at("2026-03-08"))  # 4 days ahead: nothing yet
    assert due_notes() == []
    clock.move_to(at("2026-03-09"))
    sweeps_run(at("2026-03-09"))  # 3 days ahead: the reminder
    sweeps_run(at("2026-03-09", 11))  # again: nothing new
    assert due_notes(which=":soon:") == [f"supervision:{sup.pk}:soon:2026-03-12"]
    assert len(due_notes("demo_dept_dispatcher")) == 1
    assert due_notes("demo_supervisor") == []  # the target unit is told, not the issuer
    clock.move_to(at("2026-03-12"))
    sweeps_run(at("2026-03-12"))  # the due day itself: still only the reminder
    assert len(due_notes()) == 1
    clock.move_to(at("2026-03-13"))
    sweeps_run(at("2026-03-13"))
    sweeps_run(at("2026-03-14"))
    assert due_notes(which=":overdue:") == [f"supervision:{sup.pk}:overdue:2026-03-12"]
    assert len(due_notes()) == 2


def test_no_warning_once_reported_or_accepted(clock, routed, act, user):
    p = routed()
    act("demo_supervisor", p, "supervise", requirement="限期办结", due_on="2026-03-04")
    sup = Supervision.objects.get()
    services.supervision_report(actor=user("demo_leader"), supervision=sup.pk, kind="result", text="已办结")
    sweeps_run(at("2026-03-05"))
    assert due_notes() == []  # the result is reported: the issuer decides, the unit owes nothing
    services.supervision_return(actor=user("demo_supervisor"), supervision=sup.pk, note="请补充")
    sweeps_run(at("2026-03-05", 12))  # sent back after the due date: overdue again
    assert len(due_notes(which=":overdue:")) == 1
    services.supervision_report(actor=user("demo_leader"), supervision=sup.pk, kind="result", text="已补充")
    services.supervision_accept(actor=user("demo_supervisor"), supervision=sup.pk)
    sweeps_run(at("2026-03-20"))
    assert len(due_notes()) == 1


def test_instruction_due(clock, routed, act, user, settings):
    settings.SUPERVISION_WARN_DAYS = 1
    p = routed()
    act("demo_reviewer", p, "instruct", text="请反馈", due_on="2026-03-06")
    act("demo_reviewer", p, "instruct", text="无时限的批示")
    ins = Instruction.objects.get(due_on__isnull=False)
    sweeps_run(at("2026-03-04"))  # 2 days ahead, warn days 1: nothing
    assert due_notes() == []
    sweeps_run(at("2026-03-05"))
    assert due_notes() == [f"instruction:{ins.pk}:soon:2026-03-06"]
    services.instruction_report(actor=user("demo_leader"), instruction=ins.pk, text="已办")
    sweeps_run(at("2026-03-09"))  # reported: no overdue notice
    assert len(due_notes()) == 1
