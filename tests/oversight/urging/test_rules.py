"""Every sweep rule of 催办与时限提醒 with frozen time (2026-03-02 is a Monday; no holiday in March 2026
before the 清明 break): it fires on the right day, to the right people, once, and a unit's policy
changes it."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from xinfang.notifications.models import Notification
from xinfang.oversight.urging.models import Contact, SweepPolicy, Urge
from xinfang.oversight.urging.services import contact_add
from xinfang.petitions.models import Petition
from xinfang.workflow.models import PetitionEvent

from .conftest import at

pytestmark = pytest.mark.django_db

REPLY = {"outcome": "support", "text": "经核实，物业公司收取地面停车费缺乏依据，已责令退还。", "basis": "《物业管理条例》"}


def names(rows) -> set[str]:
    return {n.recipient.username for n in rows}


def test_warning_reminders_at_notice_and_severe_once_each(org, clock, register, sweep, inbox):
    p, _code = register(received_at=at("2026-03-02", 9))  # route and accept due 2026-03-17
    sweep("2026-03-08")  # 6/15: normal
    assert not Notification.objects.filter(kind__in=("deadline_warning", "deadline_serious")).exists()
    sweep("2026-03-10")  # 8/15 = 53%: 预警, to the registering office's dispatcher (no handler yet)
    assert Petition.objects.get(pk=p.pk).warning_level == "notice"
    assert names(inbox("demo_dispatcher", "deadline_warning")) == {"demo_dispatcher"}
    sweep("2026-03-10", 11)
    sweep("2026-03-13")  # 11/15 = 73%: still 预警, no second reminder
    assert len(inbox("demo_dispatcher", "deadline_warning")) == 1
    sweep("2026-03-15")  # 13/15 = 87%: 严重警告
    assert len(inbox("demo_dispatcher", "deadline_serious")) == 1
    sweep("2026-03-16")
    assert len(inbox("demo_dispatcher", "deadline_serious")) == 1
    assert Notification.objects.filter(kind__in=("deadline_warning", "deadline_serious")).count() == 2


def test_warning_reminder_goes_to_the_handler(org, clock, register, act, sweep, inbox):
    p, _code = register(received_at=at("2026-03-02", 9))
    p = act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    # handling: 60 days, the last on the 劳动节 holiday, so due 2026-05-06 (65 days)
    act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    sweep("2026-04-03")  # 32/65: normal
    assert not inbox("demo_handler", "deadline_warning")
    sweep("2026-04-04")  # 33/65 > 50%
    assert len(inbox("demo_handler", "deadline_warning")) == 1
    assert not inbox("demo_dept_dispatcher", "deadline_warning")


def test_warning_reminders_switched_off_by_policy(org, clock, register, sweep, inbox):
    SweepPolicy.objects.create(unit=org.units["DH-XF"], remind_notice=False)
    register(received_at=at("2026-03-02", 9))
    sweep("2026-03-10")
    assert not inbox("demo_dispatcher", "deadline_warning")
    sweep("2026-03-15")
    assert len(inbox("demo_dispatcher", "deadline_serious")) == 1


def test_auto_urge_the_day_after_the_deadline_once(org, clock, register, sweep, inbox):
    p, _code = register(received_at=at("2026-03-02", 9))
    sweep("2026-03-17")  # the last day: not yet
    assert not Urge.objects.exists()
    sweep("2026-03-18")
    urge = Urge.objects.get()
    assert (urge.petition_id, urge.unit.code, urge.auto, urge.actor, urge.due_on.isoformat()) == (
        p.pk, "DH-XF", True, None, "2026-03-17")
    event = PetitionEvent.objects.get(petition=p, action="urge")
    assert event.actor is None and event.data["auto"] is True and event.data["urge"] == urge.pk
    assert event.label == "催办"
    assert len(inbox("demo_dispatcher", "urge")) == 1
    assert Petition.objects.get(pk=p.pk).warning_level == "overdue"
    sweep("2026-03-18", 11)
    sweep("2026-03-19")
    assert Urge.objects.count() == 1 and PetitionEvent.objects.filter(action="urge").count() == 1
    assert len(inbox("demo_dispatcher", "urge")) == 1


def test_auto_urge_policy_nearest_unit_wins(org, clock, register, sweep):
    register(received_at=at("2026-03-02", 9))
    SweepPolicy.objects.create(unit=None, auto_urge=True)
    SweepPolicy.objects.create(unit=org.units["DH"], auto_urge=False)  # the district: off
    sweep("2026-03-18")
    assert not Urge.objects.exists()
    SweepPolicy.objects.create(unit=org.units["DH-XF"], auto_urge=True)  # its petition office: on again
    sweep("2026-03-18", 11)
    assert Urge.objects.count() == 1


def test_auto_urge_notifies_the_handling_unit(org, clock, register, act, sweep, inbox):
    p, _code = register(received_at=at("2026-03-02", 9))
    p = act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    act("demo_dept_dispatcher", p, "accept", handler="demo_handler")  # handling due 2026-05-06
    sweep("2026-05-06")
    assert not Urge.objects.exists()
    sweep("2026-05-07")
    urge = Urge.objects.get()
    assert urge.unit.code == "DH-ZJ" and urge.due_kind == "handle"
    assert inbox("demo_handler", "urge") and inbox("demo_leader", "urge") and inbox("demo_dept_dispatcher", "urge")
    assert not inbox("demo_dispatcher", "urge")


def test_escalation_after_n_overdue_working_days(org, clock, register, act, sweep, inbox):
    p, _code = register(received_at=at("2026-03-02", 9))
    p = act("demo_dispatcher", p, "assign", unit="DH-ZJ")  # the accept limit (due 03-17) now waits on DH-ZJ
    # its current deadline is the objection window (03-09): the rules read the work deadlines
    assert Petition.objects.get(pk=p.pk).due_kind == "object"
    sweep("2026-03-19")  # 2 working days late (Wed, Thu)
    assert not Notification.objects.filter(kind="escalation").exists()
    sweep("2026-03-20")  # Friday: 3
    assert names(Notification.objects.filter(kind="escalation")) == {"demo_supervisor", "demo_leader"}
    assert Urge.objects.get().unit.code == "DH-ZJ"  # urged the day after, once for both limits due 03-17
    sweep("2026-03-23")
    assert Notification.objects.filter(kind="escalation").count() == 2


def test_escalation_policy_override(org, clock, register, sweep, inbox):
    SweepPolicy.objects.create(unit=org.units["DH-XF"], escalate_after=1)
    register(received_at=at("2026-03-02", 9))
    sweep("2026-03-18")
    assert len(inbox("demo_supervisor", "escalation")) == 1
    SweepPolicy.objects.filter(unit=org.units["DH-XF"]).update(escalate_after=0)  # 0: off
    register(received_at=at("2026-03-02", 9))
    sweep("2026-03-30")
    assert len(inbox("demo_supervisor", "escalation")) == 1


def _replied(act, register, delivered=False):
    p, _code = register(received_at=at("2026-03-02", 9))
    p = act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    p = act("demo_handler", p, "draft_reply", **REPLY)
    return act("demo_leader", p, "approve_reply", **({"delivered": True} if delivered else {}))


def test_delivery_reminder_for_an_opinion_not_delivered(org, clock, register, act, sweep, inbox):
    _replied(act, register)  # issued 2026-03-02
    sweep("2026-03-04")
    assert not Notification.objects.filter(kind="delivery_due").exists()
    sweep("2026-03-05")  # 3 days
    assert names(Notification.objects.filter(kind="delivery_due")) == {"demo_handler", "demo_clerk"}
    sweep("2026-03-06")
    assert Notification.objects.filter(kind="delivery_due").count() == 2


def test_no_delivery_reminder_once_delivered(org, clock, register, act, sweep):
    _replied(act, register, delivered=True)
    sweep("2026-03-10")
    assert not Notification.objects.filter(kind="delivery_due").exists()


def test_evaluation_reminder_within_the_window(org, clock, register, act, sweep, inbox):
    p = _replied(act, register, delivered=True)
    sweep("2026-03-08")
    assert not inbox("demo_clerk", "evaluation_due")
    sweep("2026-03-09")  # 7 days after delivery
    assert len(inbox("demo_clerk", "evaluation_due")) == 1
    sweep("2026-03-10")
    assert len(inbox("demo_clerk", "evaluation_due")) == 1
    # evaluated: nothing for a petition whose opinion was judged
    q = _replied(act, register, delivered=True)
    act("demo_clerk", q, "evaluate", level="satisfied")
    sweep("2026-03-12")
    assert {n.petition_id for n in Notification.objects.filter(kind="evaluation_due")} == {p.pk}


def test_evaluation_reminder_not_after_the_window(org, clock, register, act, sweep, inbox):
    SweepPolicy.objects.create(unit=None, evaluation_after=0)
    _replied(act, register, delivered=True)
    sweep("2026-03-20")
    SweepPolicy.objects.filter(unit=None).update(evaluation_after=7)
    sweep("2026-04-10")  # 39 days: the 30-day window is closed
    assert not inbox("demo_clerk", "evaluation_due")


def test_review_window_closing(org, clock, register, act, sweep, inbox):
    _replied(act, register, delivered=True)  # delivered 2026-03-02: the 复查 window ends 2026-04-01
    sweep("2026-03-26")  # 6 days before
    assert not Notification.objects.filter(kind="review_window").exists()
    sweep("2026-03-27")  # 5 days before
    assert names(Notification.objects.filter(kind="review_window")) == {"demo_handler", "demo_dept_dispatcher"}
    sweep("2026-03-30")
    assert Notification.objects.filter(kind="review_window").count() == 2


def _accepted(act, register):
    p, _code = register(received_at=at("2026-03-02", 9))
    p = act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    return act("demo_dept_dispatcher", p, "accept", handler="demo_handler")  # accepted 2026-03-02


def test_contact_within_a_week_of_acceptance(org, clock, register, act, sweep, inbox, user):
    p = _accepted(act, register)
    q = _accepted(act, register)
    sweep("2026-03-05")
    contact_add(actor=user("demo_handler"), petition_id=q.pk, method="phone", kind="first", note="电话告知已受理。")
    sweep("2026-03-08")
    assert not inbox("demo_handler", "contact_due")
    sweep("2026-03-09")  # 7 days: p has no contact, q has
    assert [n.petition_id for n in inbox("demo_handler", "contact_due")] == [p.pk]
    sweep("2026-03-12")
    assert len(inbox("demo_handler", "contact_due")) == 1


def test_contact_policy_override(org, clock, register, act, sweep, inbox):
    SweepPolicy.objects.create(unit=org.units["DH-ZJ"], contact_within=3)
    _accepted(act, register)
    sweep("2026-03-05")
    assert len(inbox("demo_handler", "contact_due")) == 1


def test_monthly_progress_reminders(org, clock, register, act, sweep, inbox, user):
    p = _accepted(act, register)
    clock.move_to(at("2026-03-05"))
    contact_add(actor=user("demo_handler"), petition_id=p.pk, method="meeting", kind="first", note="面谈。")
    sweep("2026-03-31")  # 29 days
    assert not inbox("demo_handler", "progress_due")
    sweep("2026-04-01")  # the first 30 days had a contact
    assert not inbox("demo_handler", "progress_due")
    sweep("2026-05-01")  # 60 days: nothing since 04-01
    assert len(inbox("demo_handler", "progress_due")) == 1
    sweep("2026-05-02")
    assert len(inbox("demo_handler", "progress_due")) == 1


def test_progress_reminder_every_period_without_contact(org, clock, register, act, sweep, inbox):
    SweepPolicy.objects.create(unit=None, progress_every=10, contact_within=0)
    _accepted(act, register)
    sweep("2026-03-12")
    sweep("2026-03-22")
    assert len(inbox("demo_handler", "progress_due")) == 2
    assert not inbox("demo_handler", "contact_due")


def test_worker_once_runs_the_rules(org, clock, register, inbox):
    p, _code = register(received_at=at("2026-03-02", 9))
    clock.move_to(at("2026-03-18"))
    call_command("worker", once=True)
    assert Urge.objects.filter(petition=p, auto=True).count() == 1
    assert inbox("demo_dispatcher", "urge")
    call_command("worker", once=True)
    assert Urge.objects.count() == 1 and len(inbox("demo_dispatcher", "urge")) == 1


def test_closed_and_anonymous_cases_are_left_alone(org, clock, register, act, sweep):
    p = _accepted(act, register)
    Petition.objects.filter(pk=p.pk).update(is_anonymous=True)
    sweep("2026-03-20")
    assert not Notification.objects.filter(kind="contact_due").exists()
    assert not Contact.objects.exists()


def test_demo_seed_is_idempotent(org, clock, register, act, user):
    from xinfang.web.management.demo_urging import seed_demo

    p, _code = register(received_at=at("2026-03-02", 9))
    p = act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    clock.move_to(at("2026-05-07"))
    users = {name: user(name) for name in ("demo_supervisor", "demo_handler")}
    seed_demo(users, at("2026-05-07"))
    counts = (Urge.objects.filter(auto=True).count(), Urge.objects.filter(auto=False).count(),
              Contact.objects.count(), Notification.objects.count())
    assert counts[:3] == (1, 1, 1)
    seed_demo(users, at("2026-05-07"))
    assert (Urge.objects.filter(auto=True).count(), Urge.objects.filter(auto=False).count(),
            Contact.objects.count(), Notification.objects.count()) == counts
