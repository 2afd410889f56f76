"""Stored deadlines through the services, with time frozen (DESIGN §4 time limits).

Expected dates are worked out by hand (see tests/common/test_calendar.py for the schedules).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from xinfang.common.errors import ApplicationError
from xinfang.common.models import CalendarDay, CalendarYear
from xinfang.petitions.choices import Status, WarningLevel
from xinfang.petitions.models import Petition
from xinfang.workflow import deadlines as dl
from xinfang.workflow.models import Deadline, DeadlinePolicy, Extension, PetitionEvent, Route
from xinfang.workflow.services import calendar_year_set, deadlines_sweep, petitions_close_expired

TZ = ZoneInfo("Asia/Shanghai")


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(D(day), dt.time(hour, minute), tzinfo=TZ)


@pytest.fixture
def clock():
    """Time frozen at 2026-01-20 10:00 Beijing time; `clock.move_to(at(...))` moves it."""
    with time_machine.travel(at("2026-01-20"), tick=False) as traveller:
        yield traveller


def fresh(p) -> Petition:
    return Petition.objects.get(pk=p.pk)


def open_deadline(p, kind) -> Deadline:
    return Deadline.objects.get(petition=p, kind=kind, met_at__isnull=True, cancelled=False)


def open_kinds(p) -> set[str]:
    return set(Deadline.objects.filter(petition=p, met_at__isnull=True, cancelled=False)
               .values_list("kind", flat=True))


def assert_refused(call, p, code, field=None):
    """`call()` raises ApplicationError(code) and leaves the petition and its timeline untouched."""
    before = fresh(p)
    events = PetitionEvent.objects.filter(petition=p).count()
    deadlines = list(Deadline.objects.filter(petition=p).order_by("id").values())
    with pytest.raises(ApplicationError) as err:
        call()
    assert err.value.code == code
    if field is not None:
        assert err.value.field == field
    after = fresh(p)
    assert (after.status, after.version, after.due_on) == (before.status, before.version, before.due_on)
    assert PetitionEvent.objects.filter(petition=p).count() == events
    assert list(Deadline.objects.filter(petition=p).order_by("id").values()) == deadlines
    return err.value


def in_handling(register, act, **fields):
    """Registered at DH-XF, forwarded to DH-ZJ and accepted there with demo_handler, all today."""
    p, _ = register(**fields)
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    return act("demo_dept_dispatcher", p, "accept", handler="demo_handler")


def replied(register, act, **fields):
    p = in_handling(register, act, **fields)
    p = act("demo_handler", p, "draft_reply", outcome="explain", text="已核实", basis="《物业管理条例》")
    return act("demo_leader", p, "approve_reply", delivered=True)  # handed over at the counter


# ---- registration ----------------------------------------------------------------------------

def test_registration_opens_15_day_route_and_accept_deadlines(clock, register):
    p, _ = register()
    rows = {d.kind: d for d in Deadline.objects.filter(petition=p)}
    assert set(rows) == {"route", "accept"}
    for d in rows.values():
        assert (d.start, d.days, d.working_days, d.due, d.provisional) == (D("2026-01-20"), 15, False,
                                                                            D("2026-02-04"), False)
        assert d.is_open
    p = fresh(p)
    assert (p.due_kind, p.due_start, p.due_on, p.due_provisional) == ("route", D("2026-01-20"), D("2026-02-04"),
                                                                      False)
    assert p.warning_level == WarningLevel.NORMAL


def test_registration_counts_from_receipt_not_from_entry(clock, register):
    # received 01-10; +15 = Sunday 01-25 -> Monday 01-26; 10 of 16 days gone on 01-20 (62.5 %)
    p, _ = register(received_at=at("2026-01-10", 9))
    assert open_deadline(p, "route").due == D("2026-01-26")
    assert open_deadline(p, "accept").start == D("2026-01-10")
    p = fresh(p)
    assert p.due_on == D("2026-01-26")
    assert p.warning_level == WarningLevel.NOTICE


def test_registration_in_spring_festival_moves_past_the_break(clock, register):
    clock.move_to(at("2026-02-05"))
    p, _ = register()  # 02-05 + 15 = Friday 02-20, a holiday -> Tuesday 02-24
    assert open_deadline(p, "route").due == D("2026-02-24")
    assert fresh(p).due_on == D("2026-02-24")


def test_registration_late_in_the_evening_counts_the_local_day(clock, register):
    # 00:30 Beijing time is still the previous day in UTC: the local day counts
    clock.move_to(at("2026-03-03", 0, 45))
    p, _ = register(received_at=at("2026-03-03", 0, 30))
    assert open_deadline(p, "route").start == D("2026-03-03")
    assert open_deadline(p, "route").due == D("2026-03-18")


# ---- routing and acceptance ------------------------------------------------------------------

def test_acceptance_opens_the_60_day_handle_deadline(clock, register, act):
    p, _ = register()
    p = act("demo_dispatcher", p, "accept")
    assert p.status == Status.ACCEPTED
    handle = open_deadline(p, "handle")
    # 01-20 + 60 = Saturday 03-21 -> Monday 03-23
    assert (handle.start, handle.days, handle.working_days, handle.due) == (D("2026-01-20"), 60, False,
                                                                            D("2026-03-23"))
    assert open_kinds(p) == {"handle"}
    met = Deadline.objects.filter(petition=p, kind__in=["route", "accept"])
    assert [d.met_at for d in met] == [at("2026-01-20")] * 2
    assert (p.due_kind, p.due_on, p.accepted_at) == ("handle", D("2026-03-23"), at("2026-01-20"))


def test_acceptance_after_forwarding_counts_from_the_day_of_acceptance(clock, register, act):
    p, _ = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    clock.move_to(at("2026-01-22", 15))
    p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    assert p.status == Status.IN_HANDLING
    handle = open_deadline(p, "handle")
    assert (handle.start, handle.due) == (D("2026-01-22"), D("2026-03-23"))  # 01-22 + 60 = Monday 03-23
    assert open_kinds(p) == {"handle"}
    assert (p.due_kind, p.due_on) == ("handle", D("2026-03-23"))


def test_forwarding_opens_accept_and_the_5_working_day_object_window(clock, register, act):
    clock.move_to(at("2026-02-12"))
    p, _ = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    assert Deadline.objects.get(petition=p, kind="route").met_at == at("2026-02-12")
    accept = open_deadline(p, "accept")
    obj = open_deadline(p, "object")
    assert (accept.start, accept.days, accept.working_days, accept.due) == (D("2026-02-12"), 15, False,
                                                                            D("2026-02-27"))
    # 5 working days: 02-13, 02-14 (调休 Saturday), break, 02-24, 02-25, 02-26
    assert (obj.start, obj.days, obj.working_days, obj.due) == (D("2026-02-12"), 5, True, D("2026-02-26"))
    assert open_kinds(p) == {"accept", "object"}
    assert (p.due_kind, p.due_on) == ("object", D("2026-02-26"))


def test_assign_opens_a_90_day_report_deadline(clock, register, act):
    clock.move_to(at("2026-02-12"))
    p, _ = register()
    p = act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    report = open_deadline(p, "report")
    assert (report.days, report.due) == (90, D("2026-05-13"))  # 02-12 + 90 = Wednesday 05-13
    assert Route.objects.get(petition=p).report_due == D("2026-05-13")
    assert open_kinds(p) == {"accept", "object", "report"}


def test_assign_with_an_explicit_report_date(clock, register, act):
    clock.move_to(at("2026-02-12"))
    p, _ = register()
    p = act("demo_dispatcher", p, "assign", unit="DH-ZJ", report_due="2026-03-31")
    report = open_deadline(p, "report")
    assert (report.days, report.due) == (47, D("2026-03-31"))
    assert Route.objects.get(petition=p).report_due == D("2026-03-31")


def test_assign_report_date_must_be_in_the_future(clock, register, act):
    p, _ = register()
    err = assert_refused(lambda: act("demo_dispatcher", p, "assign", unit="DH-ZJ", report_due="2026-01-20"),
                         p, "invalid", "report_due")
    assert "结果报告期限" in err.message


# ---- the object window -----------------------------------------------------------------------

def test_object_on_the_last_day_of_the_window_works(clock, register, act):
    clock.move_to(at("2026-02-12"))
    p, _ = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    clock.move_to(at("2026-02-26", 17, 30))  # fifth working day (a weekend-only count would end 02-19)
    p = act("demo_dept_dispatcher", p, "object", reason="不属于本单位职责")
    # the objection waits for the routing office (law item 15)
    assert (p.status, p.handling_unit.code) == (Status.ROUTED, "DH-ZJ")
    route = Route.objects.get(petition=p)
    assert (route.objected_at, route.object_reason, route.objection) == (at("2026-02-26", 17, 30),
                                                                         "不属于本单位职责", "pending")
    assert Deadline.objects.get(petition=p, kind="object").met_at == at("2026-02-26", 17, 30)
    event = PetitionEvent.objects.filter(petition=p).last()
    assert (event.action, event.from_status, event.to_status) == ("object", Status.ROUTED, Status.ROUTED)
    assert event.data["from_unit"] == "DH-ZJ"
    p = act("demo_dispatcher", p, "confirm_objection", note="同意退回")
    assert p.status == Status.REGISTERED
    assert p.handling_unit is None
    assert Route.objects.get(petition=p).objection == "confirmed"
    # back at the router: the original 15-day route deadline runs on (02-12 + 15 = 02-27)
    assert open_kinds(p) == {"route"}
    assert (p.due_kind, p.due_on) == ("route", D("2026-02-27"))
    event = PetitionEvent.objects.filter(petition=p).last()
    assert (event.action, event.from_status, event.to_status) == ("confirm_objection", Status.ROUTED,
                                                                  Status.REGISTERED)


def test_object_after_the_window_is_refused(clock, register, act):
    clock.move_to(at("2026-02-12"))
    p, _ = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    clock.move_to(at("2026-02-27", 9))
    err = assert_refused(lambda: act("demo_dept_dispatcher", p, "object", reason="不属于本单位职责"), p,
                         "illegal_transition")
    assert err.status == 409
    assert "5个工作日" in err.message
    assert fresh(p).handling_unit.code == "DH-ZJ"
    assert Route.objects.get(petition=p).objected_at is None


def test_object_requires_a_reason(clock, register, act):
    p, _ = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    assert_refused(lambda: act("demo_leader", p, "object", reason="  "), p, "invalid", "reason")


# ---- extension -------------------------------------------------------------------------------

@pytest.fixture
def handling(clock, register, act):
    """In handling at DH-ZJ since 2026-01-23: handle due 01-23 + 60 = Tuesday 03-24."""
    clock.move_to(at("2026-01-23"))
    p = in_handling(register, act)
    assert open_deadline(p, "handle").due == D("2026-03-24")
    return p


@pytest.mark.parametrize("days", [31, 0, -1, "abc", "30.5", True, None])
def test_extension_beyond_30_days_or_not_a_number_is_refused(handling, act, days):
    p = handling
    err = assert_refused(lambda: act("demo_handler", p, "request_extension", days=days, reason="情况复杂"), p,
                         "invalid", "days")
    assert err.status == 422
    assert not Extension.objects.filter(petition=p).exists()


def test_extension_of_30_days_moves_the_handle_due_by_30_days(handling, clock, act):
    p = handling
    clock.move_to(at("2026-03-10"))
    p = act("demo_handler", p, "request_extension", days=30, reason="需要补充调查")
    ext = Extension.objects.get(petition=p)
    assert (ext.days, ext.approved_at, ext.requested_at) == (30, None, at("2026-03-10"))
    assert open_deadline(p, "handle").due == D("2026-03-24")  # unchanged until a leader approves
    assert p.status == Status.IN_HANDLING
    clock.move_to(at("2026-03-11"))
    p = act("demo_leader", p, "approve_extension")
    handle = open_deadline(p, "handle")
    assert (handle.days, handle.extra_days, handle.due, handle.provisional) == (60, 30, D("2026-04-23"), False)
    assert (p.due_kind, p.due_on) == ("handle", D("2026-04-23"))
    ext.refresh_from_db()
    assert ext.approved_at == at("2026-03-11")
    assert ext.approved_by.username == "demo_leader"
    event = PetitionEvent.objects.filter(petition=p).last()
    assert event.action == "approve_extension"
    assert event.data["new_due"] == "2026-04-23"
    assert "延长办理期限告知书" in event.data["documents"]


def test_a_second_extension_is_refused(handling, act):
    p = act("demo_handler", handling, "request_extension", days=30, reason="需要补充调查")
    p = act("demo_leader", p, "approve_extension")
    err = assert_refused(lambda: act("demo_handler", p, "request_extension", days=10, reason="再延"), p,
                         "illegal_transition")
    assert "只能延长一次" in err.message
    assert Extension.objects.filter(petition=p).count() == 1


def test_a_second_request_while_the_first_is_pending_is_refused(handling, act):
    p = act("demo_handler", handling, "request_extension", days=10, reason="需要补充调查")
    assert_refused(lambda: act("demo_handler", p, "request_extension", days=10, reason="再延"), p,
                   "illegal_transition")


def test_approving_without_a_pending_request_is_refused(handling, act):
    assert_refused(lambda: act("demo_leader", handling, "approve_extension"), handling, "illegal_transition")


def test_a_unit_policy_can_tighten_a_limit(clock, register, act, org):
    DeadlinePolicy.objects.create(key="handle", days=30, unit=org.units["DH-ZJ"], source="本地规定")
    DeadlinePolicy.objects.create(key="extension_max", days=15, unit=org.units["DH-ZJ"], source="本地规定")
    dl.invalidate_policies()
    clock.move_to(at("2026-01-23"))
    p = in_handling(register, act)
    assert open_deadline(p, "handle").due == D("2026-02-24")  # 01-23 + 30 = 02-22 (Sunday, break) -> 02-24
    assert_refused(lambda: act("demo_handler", p, "request_extension", days=16, reason="复杂"), p, "invalid",
                   "days")
    # the receiving office keeps the default
    q, _ = register()
    q = act("demo_dispatcher", q, "accept")
    assert open_deadline(q, "handle").due == D("2026-03-24")


# ---- 复查 window and automatic closing ---------------------------------------------------------

@pytest.fixture
def replied_0302(clock, register, act):
    """Replied on Monday 2026-03-02: the 复查 request window ends 03-02 + 30 = Wednesday 04-01."""
    clock.move_to(at("2026-03-02"))
    p = replied(register, act)
    window = open_deadline(p, "review_request")
    assert (window.start, window.days, window.due) == (D("2026-03-02"), 30, D("2026-04-01"))
    assert (p.status, p.due_kind, p.due_on) == (Status.REPLIED, "review_request", D("2026-04-01"))
    assert Deadline.objects.get(petition=p, kind="handle").met_at == at("2026-03-02")
    return p


def test_review_request_31_days_after_the_reply_is_refused(replied_0302, clock, act):
    clock.move_to(at("2026-04-02", 9))
    err = assert_refused(lambda: act("demo_clerk", replied_0302, "request_review"), replied_0302,
                         "illegal_transition")
    assert "30日" in err.message


def test_review_request_on_the_30th_day_works(replied_0302, clock, act):
    clock.move_to(at("2026-04-01", 16))
    p = act("demo_clerk", replied_0302, "request_review", reason="对处理意见不服")
    assert p.status == Status.UNDER_REVIEW
    assert p.review_unit.code == "DH"
    assert Deadline.objects.get(petition=p, kind="review_request").met_at == at("2026-04-01", 16)
    answer = open_deadline(p, "review_answer")
    # 04-01 + 30 = Friday 05-01, Labour Day (05-01..05-05 off) -> Wednesday 05-06
    assert (answer.start, answer.due) == (D("2026-04-01"), D("2026-05-06"))
    assert (p.due_kind, p.due_on) == ("review_answer", D("2026-05-06"))


def test_review_request_on_the_first_day_works(replied_0302, clock, act):
    clock.move_to(at("2026-03-03"))
    p = act("demo_clerk", replied_0302, "request_review")
    assert p.status == Status.UNDER_REVIEW
    assert open_deadline(p, "review_answer").due == D("2026-04-02")


def test_close_expired_closes_after_the_review_window(replied_0302, clock):
    p = replied_0302
    version = fresh(p).version
    assert petitions_close_expired(today=D("2026-04-01")) == 0  # last day: still open
    assert fresh(p).status == Status.REPLIED
    clock.move_to(at("2026-04-02", 1))
    assert petitions_close_expired() == 1
    p = fresh(p)
    assert p.status == Status.CLOSED
    assert p.closed_at == at("2026-04-02", 1)
    assert p.version == version + 1
    assert (p.due_kind, p.due_on, p.due_provisional) == ("", None, False)
    assert open_kinds(p) == set()
    assert Deadline.objects.get(petition=p, kind="review_request").cancelled is True
    event = PetitionEvent.objects.filter(petition=p).last()
    assert (event.action, event.from_status, event.to_status, event.actor) == ("close", Status.REPLIED,
                                                                               Status.CLOSED, None)
    assert event.data == {"automatic": True}
    assert petitions_close_expired() == 0  # idempotent


def test_close_expired_leaves_a_reviewed_petition_until_its_rereview_window_passes(replied_0302, clock, act):
    clock.move_to(at("2026-04-01"))
    p = act("demo_clerk", replied_0302, "request_review")
    p = act("demo_reviewer", p, "answer_review", outcome="explain", text="维持", basis="《信访工作条例》",
            delivered=True)
    assert p.status == Status.REVIEWED
    # 复核 window: 04-01 + 30 = Friday 05-01, Labour Day -> Wednesday 05-06
    assert open_deadline(p, "rereview_request").due == D("2026-05-06")
    assert petitions_close_expired(today=D("2026-05-02")) == 0
    assert petitions_close_expired(today=D("2026-05-06")) == 0
    assert fresh(p).status == Status.REVIEWED
    assert petitions_close_expired(today=D("2026-05-07")) == 1
    assert fresh(p).status == Status.CLOSED


def test_close_expired_ignores_a_petition_whose_review_was_requested(replied_0302, clock, act):
    clock.move_to(at("2026-03-20"))
    p = act("demo_clerk", replied_0302, "request_review")
    assert petitions_close_expired(today=D("2026-06-01")) == 0
    assert fresh(p).status == Status.UNDER_REVIEW


# ---- warning levels --------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "level"), [
    ("2026-01-23", WarningLevel.NORMAL),  # day 0
    ("2026-02-21", WarningLevel.NORMAL),  # day 29: 48 %
    ("2026-02-22", WarningLevel.NOTICE),  # day 30: 50 %
    ("2026-03-08", WarningLevel.NOTICE),  # day 44: 73 %
    ("2026-03-09", WarningLevel.WARNING),  # day 45: 75 %
    ("2026-03-14", WarningLevel.WARNING),  # day 50: 83 %
    ("2026-03-15", WarningLevel.SEVERE),  # day 51: 85 %
    ("2026-03-24", WarningLevel.SEVERE),  # day 60: the due day itself
    ("2026-03-25", WarningLevel.OVERDUE),  # day 61
])
def test_warning_levels_by_elapsed_share(handling, today, level):
    p = handling
    changed = deadlines_sweep(today=D(today))
    assert fresh(p).warning_level == level
    assert changed == (0 if level == WarningLevel.NORMAL else 1)


def test_sweep_with_frozen_time_and_only_changes_once(handling, clock):
    clock.move_to(at("2026-03-25", 8))
    assert deadlines_sweep() == 1
    assert fresh(handling).warning_level == WarningLevel.OVERDUE
    assert deadlines_sweep() == 0


def test_sweep_skips_closed_petitions(replied_0302, clock, org):
    Petition.objects.filter(pk=replied_0302.pk).update(status=Status.CLOSED)
    assert deadlines_sweep(today=D("2026-05-01")) == 0
    assert fresh(replied_0302).warning_level == WarningLevel.NORMAL


def test_a_move_refreshes_the_warning_level(handling, clock, act):
    clock.move_to(at("2026-03-09"))
    p = act("demo_handler", handling, "note", text="约谈物业公司")
    assert p.warning_level == WarningLevel.WARNING
    assert fresh(p).warning_level == WarningLevel.WARNING


@pytest.mark.parametrize(("today", "level"), [
    ("2026-02-13", WarningLevel.NORMAL),  # 1 of 5 working days
    ("2026-02-14", WarningLevel.NORMAL),  # 2 of 5 (调休 Saturday)
    ("2026-02-20", WarningLevel.NORMAL),  # still 2: the break does not count
    ("2026-02-24", WarningLevel.NOTICE),  # 3 of 5
    ("2026-02-25", WarningLevel.WARNING),  # 4 of 5
    ("2026-02-26", WarningLevel.SEVERE),  # 5 of 5, the last day
    ("2026-02-27", WarningLevel.OVERDUE),
])
def test_warning_of_a_working_day_window(clock, register, act, today, level):
    clock.move_to(at("2026-02-12"))
    p, _ = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    assert p.due_kind == "object"
    deadlines_sweep(today=D(today))
    assert fresh(p).warning_level == level


def test_warning_thresholds_are_settings(handling, settings):
    settings.XINFANG = {**settings.XINFANG, "WARNING_THRESHOLDS": (0.30, 0.60, 0.90)}
    deadlines_sweep(today=D("2026-02-11"))  # day 19: 32 %
    assert fresh(handling).warning_level == WarningLevel.NOTICE
    deadlines_sweep(today=D("2026-03-15"))  # day 51: 85 %
    assert fresh(handling).warning_level == WarningLevel.WARNING


# ---- deadlines reaching 2027 -----------------------------------------------------------------

def test_deadline_into_2027_is_provisional_until_the_schedule_is_entered(clock, register, users):
    clock.move_to(at("2026-12-17"))
    p, _ = register()  # 12-17 + 15 = Friday 2027-01-01: 元旦, computed from the 放假办法 -> Monday 01-04
    for kind in ("route", "accept"):
        d = open_deadline(p, kind)
        assert (d.due, d.provisional) == (D("2027-01-04"), True)
    p = fresh(p)
    assert (p.due_on, p.due_provisional) == (D("2027-01-04"), True)
    # an unrelated deadline inside 2026 is not touched
    clock.move_to(at("2026-12-01"))
    q, _ = register()
    assert (open_deadline(q, "route").due, open_deadline(q, "route").provisional) == (D("2026-12-16"), False)

    clock.move_to(at("2026-12-18"))
    count = calendar_year_set(actor=users["demo_admin"], year=2027, days=[
        (D("2027-01-01"), False, "元旦"), (D("2027-01-02"), False, "元旦"), (D("2027-01-03"), False, "元旦")])
    assert count == 2
    assert CalendarYear.objects.get(year=2027).source == CalendarYear.SOURCE_ADMIN
    assert CalendarDay.objects.filter(date__year=2027).count() == 3
    for kind in ("route", "accept"):
        d = open_deadline(p, kind)
        assert (d.due, d.provisional) == (D("2027-01-04"), False)
    p = fresh(p)
    assert (p.due_on, p.due_provisional) == (D("2027-01-04"), False)
    assert open_deadline(q, "route").due == D("2026-12-16")
    # new deadlines into 2027 are final from now on
    r, _ = register()
    assert (open_deadline(r, "route").due, open_deadline(r, "route").provisional) == (D("2027-01-04"), False)


def test_provisional_handle_deadline_is_recomputed_with_its_extension(clock, register, act, users):
    clock.move_to(at("2026-11-20"))
    p = in_handling(register, act)
    handle = open_deadline(p, "handle")
    assert (handle.due, handle.provisional) == (D("2027-01-19"), True)  # 11-20 + 60
    p = act("demo_handler", p, "request_extension", days=10, reason="需要鉴定")
    p = act("demo_leader", p, "approve_extension")
    handle = open_deadline(p, "handle")
    assert (handle.due, handle.provisional) == (D("2027-01-29"), True)
    assert p.due_provisional is True
    # the admin enters 2027 with the due day of the base period as a holiday
    calendar_year_set(actor=users["demo_admin"], year=2027, days=[(D("2027-01-19"), False, "测试假日")])
    handle = open_deadline(p, "handle")
    # base: 01-19 is a holiday -> 01-20; + 10 days = Saturday 01-30 -> Monday 02-01
    assert (handle.due, handle.provisional) == (D("2027-02-01"), False)
    p = fresh(p)
    assert (p.due_on, p.due_provisional) == (D("2027-02-01"), False)


def test_calendar_year_set_refuses_days_of_another_year(users):
    with pytest.raises(ApplicationError) as err:
        calendar_year_set(actor=users["demo_admin"], year=2027, days=[(D("2026-12-31"), False, "错")])
    assert (err.value.code, err.value.field) == ("invalid", "days")
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_correcting_a_covered_year_recomputes_its_open_deadlines(handling, users):
    """An admin correction of 2026 (known from the package) must move the open deadlines it affects."""
    from xinfang.common.calendar import package_schedule

    days, _years = package_schedule()
    schedule = [(d, w, n) for d, (w, n) in sorted(days.items()) if d.year == 2026]
    schedule.append((D("2026-03-24"), False, "更正"))  # the handle due day becomes a holiday
    assert calendar_year_set(actor=users["demo_admin"], year=2026, days=schedule) == 1  # the handle deadline
    assert open_deadline(handling, "handle").due == D("2026-03-25")
    assert fresh(handling).due_on == D("2026-03-25")
