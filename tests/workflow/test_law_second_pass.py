"""The law's second pass (issue 8): one test group per numbered item, with frozen time."""

from __future__ import annotations

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model

from xinfang.common.errors import ApplicationError
from xinfang.org.choices import Level, Role, UnitKind
from xinfang.org.hierarchy import review_bodies
from xinfang.org.models import Membership, StaffProfile, Unit
from xinfang.petitions.choices import Status
from xinfang.petitions.models import Petition, PetitionAccess
from xinfang.workflow.facts import MET_LATE, MET_ON_TIME
from xinfang.workflow.models import (
    ConflictDeclaration,
    Deadline,
    Delivery,
    Evaluation,
    Hearing,
    PetitionEvent,
    Reply,
    Route,
)
from xinfang.workflow.services import allowed_actions, petitions_close_expired

TZ = ZoneInfo("Asia/Shanghai")
REPLY = {"outcome": "explain", "text": "经核实，物业收费符合规定。", "basis": "《物业管理条例》"}


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=TZ)


def D(day: str) -> dt.date:  # noqa: N802
    return dt.date.fromisoformat(day)


@pytest.fixture
def clock():
    with time_machine.travel(at("2026-03-02"), tick=False) as traveller:
        yield traveller


def fresh(p) -> Petition:
    return Petition.objects.get(pk=p.pk)


def refused(call, p, code, field=None) -> ApplicationError:
    """`call()` is refused with `code` (and `field`) and changes nothing."""
    before = fresh(p)
    events = PetitionEvent.objects.filter(petition=p).count()
    deadlines = list(Deadline.objects.filter(petition=p).order_by("id").values())
    with pytest.raises(ApplicationError) as err:
        call()
    assert err.value.code == code, err.value.message
    if field is not None:
        assert err.value.field == field
    after = fresh(p)
    assert (after.status, after.version, after.handling_unit_id, after.review_unit_id) == (
        before.status, before.version, before.handling_unit_id, before.review_unit_id)
    assert PetitionEvent.objects.filter(petition=p).count() == events
    assert list(Deadline.objects.filter(petition=p).order_by("id").values()) == deadlines
    return err.value


def in_handling(register, act, **fields):
    p, _ = register(**fields)
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    return act("demo_dept_dispatcher", p, "accept", handler="demo_handler")


def approved(register, act, **fields):
    p = in_handling(register, act, **fields)
    p = act("demo_handler", p, "draft_reply", **REPLY)
    return act("demo_leader", p, "approve_reply")


def open_kind(p, kind):
    return Deadline.objects.filter(petition=p, kind=kind, met_at__isnull=True, cancelled=False).first()


# ---- 1. delivery starts the appeal clocks ------------------------------------------------------

def test_a_mailed_reply_can_be_appealed_on_day_33_after_approval_not_day_36(clock, register, act):
    p = approved(register, act)  # approved Monday 2026-03-02
    assert open_kind(p, "review_request") is None  # no window before delivery
    assert petitions_close_expired(today=D("2026-06-30")) == 0  # nothing auto-closes before delivery
    clock.move_to(at("2026-03-09"))
    p = act("demo_clerk", p, "deliver", method="post", delivered_at="2026-03-07", tracking_no="EMS9876543210")
    window = open_kind(p, "review_request")
    assert (window.start, window.due) == (D("2026-03-07"), D("2026-04-07"))  # 04-06 is 清明 (Monday) -> 04-07
    d = Delivery.objects.get(petition=p)
    assert (d.method, d.tracking_no, d.assumed, d.reply.kind) == ("post", "EMS9876543210", False, "reply")
    assert fresh(p).due_kind == "review_request"
    # day 36 after approval (04-07 is the last day: still open); day 33 (04-04, a holiday Saturday) open
    clock.move_to(at("2026-04-04"))
    assert act("demo_clerk", p, "request_review").status == Status.UNDER_REVIEW


@pytest.mark.parametrize(("day", "allowed"), [(33, True), (35, True), (36, False)])
def test_mailed_five_days_after_approval_appealable_on_day_33_not_day_36(clock, register, act, day, allowed):
    approval = D("2026-05-11")  # Monday
    clock.move_to(at("2026-05-11"))
    p = approved(register, act)
    clock.move_to(at("2026-05-18"))
    p = act("demo_clerk", p, "deliver", method="post", delivered_at="2026-05-16")  # received 5 days later
    assert open_kind(p, "review_request").due == D("2026-06-15")  # 05-16 + 30
    clock.move_to(at(str(approval + dt.timedelta(days=day))))
    if allowed:
        assert act("demo_clerk", p, "request_review").status == Status.UNDER_REVIEW
    else:
        refused(lambda: act("demo_clerk", p, "request_review"), p, "illegal_transition")


def test_day_36_after_delivery_window_is_closed(clock, register, act):
    clock.move_to(at("2026-05-11"))
    p = approved(register, act)
    p = act("demo_clerk", p, "deliver", method="post", delivered_at="2026-05-11")  # same day: window to 06-10
    clock.move_to(at("2026-06-16"))  # day 36
    err = refused(lambda: act("demo_clerk", p, "request_review"), p, "illegal_transition")
    assert "30日" in err.message
    assert petitions_close_expired() == 1
    assert fresh(p).status == Status.CLOSED


def test_delivery_date_is_checked(clock, register, act):
    p = approved(register, act)
    refused(lambda: act("demo_clerk", p, "deliver", method="post", delivered_at="2026-03-03"), p, "invalid",
            "delivered_at")  # future
    refused(lambda: act("demo_clerk", p, "deliver", method="post", delivered_at="2026-03-01"), p, "invalid",
            "delivered_at")  # before the opinion existed
    refused(lambda: act("demo_clerk", p, "deliver", method="pigeon"), p, "invalid", "method")
    p = act("demo_clerk", p, "deliver", method="in_person")
    refused(lambda: act("demo_clerk", p, "deliver", method="post"), p, "illegal_transition")  # once
    assert "deliver" not in allowed_actions(get_user_model().objects.get(username="demo_clerk"), fresh(p))


def test_hand_over_at_the_counter_records_delivery_in_the_same_step(clock, register, act):
    p = in_handling(register, act)
    p = act("demo_handler", p, "draft_reply", **REPLY)
    p = act("demo_leader", p, "approve_reply", delivered=True)
    d = Delivery.objects.get(petition=p)
    assert (d.delivered_at, d.method) == (D("2026-03-02"), "in_person")
    assert open_kind(p, "review_request").due == D("2026-04-01")


def test_a_notice_delivery_is_recorded_without_opening_a_window(clock, register, act):
    p = approved(register, act)
    p = act("demo_clerk", p, "deliver", method="electronic", document="受理告知书")
    d = Delivery.objects.get(petition=p)
    assert (d.document, d.reply) == ("受理告知书", None)
    assert open_kind(p, "review_request") is None


def test_the_review_window_of_the_rereview_opens_at_delivery_of_the_review_opinion(clock, register, act):
    p = approved(register, act)
    p = act("demo_clerk", p, "deliver", method="in_person")
    p = act("demo_clerk", p, "request_review")
    p = act("demo_reviewer", p, "answer_review", **REPLY)
    assert open_kind(p, "rereview_request") is None
    clock.move_to(at("2026-03-10"))
    p = act("demo_clerk", p, "deliver", method="post", delivered_at="2026-03-09")
    assert open_kind(p, "rereview_request").due == D("2026-04-08")


def test_opinions_issued_before_the_change_migrate_with_an_assumed_delivery(clock, register, act):
    p = approved(register, act)
    assert not Delivery.objects.filter(petition=p).exists()
    migration = importlib.import_module("xinfang.workflow.migrations.0006_deliveries_channels_evaluations")
    migration.forward(apps, None)
    d = Delivery.objects.get(petition=p)
    assert (d.assumed, d.delivered_at, d.reply.kind) == (True, D("2026-03-02"), "reply")


# ---- 2. no closing while the petitioner may still appeal -----------------------------------------

def test_close_right_after_delivery_is_refused_and_allowed_with_a_waiver(clock, register, act):
    p = approved(register, act)
    err = refused(lambda: act("demo_dept_dispatcher", p, "close"), p, "illegal_transition")
    assert "尚未送达" in err.message  # undelivered: the petitioner may still appeal
    p = act("demo_clerk", p, "deliver", method="in_person")
    err = refused(lambda: act("demo_dept_dispatcher", p, "close", note="办结"), p, "illegal_transition")
    assert "2026-04-01" in err.message and err.status == 409
    refused(lambda: act("demo_dept_dispatcher", p, "close", waiver=True), p, "invalid", "note")
    p = act("demo_dept_dispatcher", p, "close", waiver=True, note="信访人书面表示不再申请复查")
    assert p.status == Status.CLOSED
    assert PetitionEvent.objects.filter(petition=p).last().data["waiver"] is True


def test_close_after_the_window_passed_needs_no_waiver(clock, register, act):
    p = approved(register, act)
    p = act("demo_clerk", p, "deliver", method="in_person")
    clock.move_to(at("2026-04-02"))
    assert act("demo_dept_dispatcher", p, "close").status == Status.CLOSED


# ---- 3. the 复查 / 复核 bodies come from the unit tree ------------------------------------------

@pytest.fixture
def delivered(clock, register, act):
    def _delivered(**fields):
        p = approved(register, act, **fields)
        return act("demo_clerk", p, "deliver", method="in_person")
    return _delivered


def test_review_bodies_of_a_district_department(org):
    assert [u.code for u in review_bodies(org.units["DH-ZJ"])] == ["DH", "SF-ZJ"]
    assert [u.code for u in review_bodies(org.units["DH"])] == ["SF"]
    assert [u.code for u in review_bodies(org.units["SF-ZJ"])] == ["SF"]
    assert review_bodies(org.units["DH-T1"]) == [org.units["DH"]]


@pytest.mark.parametrize("unit", ["DH-RS", "XS", "XS-ZJ", "DH-T1", "DH-JW", "DH-ZF", "SF", "SF-XF", "DH-XF"])
def test_a_review_to_an_unlawful_body_is_refused(delivered, act, unit):
    p = delivered()
    err = refused(lambda: act("demo_clerk", p, "request_review", unit=unit), p, "invalid", "unit")
    assert err.status == 422
    assert "上一级主管机关或本级人民政府" in err.message


@pytest.mark.parametrize("unit", ["DH", "SF-ZJ"])
def test_a_review_to_a_lawful_body_is_taken(delivered, act, unit):
    p = act("demo_clerk", delivered(), "request_review", unit=unit)
    assert p.review_unit.code == unit
    assert PetitionAccess.objects.filter(petition=p, unit__code=unit).exists()


def test_a_rereview_goes_only_above_the_review_body(delivered, act):
    p = act("demo_clerk", delivered(), "request_review")
    p = act("demo_reviewer", p, "answer_review", **REPLY, delivered=True)
    for unit in ("DH", "XS", "SF-ZJ", "SF-JW"):
        refused(lambda unit=unit: act("demo_clerk", p, "request_rereview", unit=unit), p, "invalid", "unit")
    assert act("demo_clerk", p, "request_rereview", unit="SF").review_unit.code == "SF"


def test_a_unit_without_a_stated_superior_body_says_so(delivered, act, org):
    dept = org.units["DH-ZJ"]
    dept.superior, dept.government = None, None
    dept.save()
    p = act("demo_clerk", delivered(), "request_review", unit="DH")  # its government is derived
    assert p.review_unit.code == "DH"


# ---- 4. accusations never reach the accused -------------------------------------------------------

@pytest.fixture
def sub_unit(org):
    return Unit.objects.create(code="DH-ZJ-WY", name="东湖区物业管理中心", kind=UnitKind.DEPARTMENT,
                               level=Level.COUNTY, region=org.units["DH-ZJ"].region, parent=org.units["DH-ZJ"])


ACCUSE_ZJ = {"nature": "accusation", "accused_unit": "DH-ZJ", "title": "检举住建局违规审批"}


@pytest.mark.parametrize("unit", ["DH-ZJ", "DH-ZJ-WY"])
@pytest.mark.parametrize("action", ["forward", "assign"])
def test_an_accusation_cannot_be_routed_to_the_accused_or_its_sub_units(clock, register, act, sub_unit, unit,
                                                                        action):
    p, _ = register(**ACCUSE_ZJ)
    refused(lambda: act("demo_dispatcher", p, action, unit=unit), p, "forbidden_route", "unit")
    assert not PetitionAccess.objects.filter(petition=p, unit__code=unit).exists()


def test_an_accusation_against_a_government_cannot_be_accepted_inside_it(clock, register, act):
    p, _ = register(nature="accusation", accused_unit="DH", title="检举区政府违规决策")
    err = refused(lambda: act("demo_dispatcher", p, "accept"), p, "forbidden_route")
    assert "被检举控告" in err.message
    for action in ("reject", "archive"):
        refused(lambda action=action: act("demo_dispatcher", p, action, reason="x", note="x"), p, "forbidden_route")
    assert "accept" not in allowed_actions(get_user_model().objects.get(username="demo_dispatcher"), fresh(p))
    p = act("demo_dispatcher", p, "forward", unit="SF-JW")  # passing it up and out is what it may do
    assert p.handling_unit.code == "SF-JW"


def test_a_review_or_rereview_never_goes_to_the_accused(clock, register, act):
    p = approved(register, act, nature="accusation", accused_unit="SF-ZJ", title="检举市住建局")
    p = act("demo_clerk", p, "deliver", method="in_person")
    refused(lambda: act("demo_clerk", p, "request_review", unit="SF-ZJ"), p, "forbidden_route", "unit")
    # 复核: the city department's stated superior is a provincial department, which is accused
    province = Unit.objects.create(code="S-ZJ", name="示范省住房和城乡建设厅", kind=UnitKind.DEPARTMENT,
                                   level=Level.PROVINCE, region=org_unit("SF").region)
    city_dept = org_unit("SF-ZJ")
    city_dept.superior = province
    city_dept.save()
    boss = get_user_model().objects.create(username="city_zj_leader")
    Membership.objects.create(user=boss, unit=city_dept, role=Role.LEADER)
    q = approved(register, act, nature="accusation", accused_unit="S-ZJ", title="检举省住建厅")
    q = act("demo_clerk", q, "deliver", method="in_person")
    q = act("demo_clerk", q, "request_review", unit="SF-ZJ")
    q = act(boss, q, "answer_review", **REPLY, delivered=True)
    assert [u.code for u in review_bodies(city_dept)] == ["SF", "S-ZJ"]
    refused(lambda: act("demo_clerk", q, "request_rereview", unit="S-ZJ"), q, "forbidden_route", "unit")
    assert act("demo_clerk", q, "request_rereview", unit="SF").review_unit.code == "SF"


def org_unit(code):
    return Unit.objects.get(code=code)


def test_a_divert_cannot_name_the_accused_unit(clock, register, act, sub_unit):
    p, _ = register(**ACCUSE_ZJ)
    for unit in ("DH-ZJ", "DH-ZJ-WY"):
        refused(lambda unit=unit: act("demo_dispatcher", p, "divert", target="discipline", unit=unit,
                                      reason="请向纪委反映"), p, "forbidden_route", "unit")
    p = act("demo_dispatcher", p, "divert", target="discipline", unit="DH-JW", reason="请向区纪委监委反映")
    assert p.status == Status.DIVERTED


def test_an_accusation_cannot_be_merged_into_a_matter_the_accused_handles(clock, register, act):
    target = in_handling(register, act, title="住建局办理中的另一件")
    p, _ = register(**ACCUSE_ZJ)
    refused(lambda: act("demo_dispatcher", p, "merge", into=target.number), p, "forbidden_route", "into")


def test_the_accused_cannot_own_the_case(clock, register, act, users):
    from xinfang.oversight.models import Ownership
    from xinfang.oversight.services import ownership_assign

    accused = users["demo_reviewer"]  # leads 东湖区人民政府, which sees the registering office
    p, _ = register(nature="accusation", accused_person=accused.staff_profile.full_name, title="检举区领导")
    p = act("demo_dispatcher", p, "forward", unit="SF-JW")
    with pytest.raises(ApplicationError) as err:
        ownership_assign(actor=users["demo_city_leader"], petition=p, leader=accused)
    assert err.value.code == "forbidden_route"
    assert not Ownership.objects.filter(petition=p).exists()


def test_a_unit_led_by_the_accused_person_is_barred(clock, register, act, users):
    leader = users["demo_leader"]  # leads 东湖区住房和城乡建设局
    name = leader.staff_profile.full_name
    p, _ = register(nature="accusation", accused_person=name, title="检举某局长")
    err = refused(lambda: act("demo_dispatcher", p, "forward", unit="DH-ZJ"), p, "forbidden_route", "unit")
    assert "领导" in err.message
    assert act("demo_dispatcher", p, "forward", unit="DH-JW").handling_unit.code == "DH-JW"


# ---- 5. recusal for every actor of every move ------------------------------------------------------

def test_declare_conflict_bars_the_person_from_every_move(clock, register, act):
    p = in_handling(register, act)
    p = act("demo_handler", p, "declare_conflict", reason="信访人是我的亲属")
    assert (p.status, p.handler) == (Status.ACCEPTED, None)  # handed back for another handler
    assert ConflictDeclaration.objects.filter(petition=p, user__username="demo_handler").exists()
    err = refused(lambda: act("demo_leader", p, "assign_handler", handler="demo_handler"), p, "conflict",
                  "handler")
    assert "回避" in err.message
    p = act("demo_leader", p, "declare_conflict", reason="与被反映单位负责人系同学")
    err = refused(lambda: act("demo_leader", p, "assign_handler", handler="demo_handler"), p, "conflict")
    assert "回避" in err.message
    assert allowed_actions(get_user_model().objects.get(username="demo_leader"), fresh(p)) == []


def test_the_accused_person_cannot_approve(clock, register, act, users):
    name = users["demo_leader"].staff_profile.full_name
    p = in_handling(register, act, accused_person=name, title="反映某局长工作作风")  # an appeal, not accusation
    p = act("demo_handler", p, "draft_reply", **REPLY)
    err = refused(lambda: act("demo_leader", p, "approve_reply"), p, "conflict")
    assert "被反映人" in err.message


def test_a_staff_member_linked_to_the_petitioner_cannot_accept(clock, register, act, users):
    from xinfang.common import crypto

    VALID_ID = "11010519491231002X"  # noqa: N806 - the conftest's petitioner
    profile = StaffProfile.objects.get(user=users["demo_dept_dispatcher"])
    profile.id_number_index = crypto.blind_index(VALID_ID, "id")
    profile.save()
    p, _ = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    err = refused(lambda: act("demo_dept_dispatcher", p, "accept"), p, "conflict")
    assert "利害关系" in err.message


def test_a_conflicted_leader_cannot_own_the_case(clock, register, act, users):
    from xinfang.oversight.services import ownership_assign

    p = in_handling(register, act)
    p = act("demo_leader", p, "declare_conflict", reason="亲属关系")
    with pytest.raises(ApplicationError) as err:
        ownership_assign(actor=users["demo_dept_dispatcher"], petition=p, leader=users["demo_leader"])
    assert err.value.code == "conflict"


# ---- 6. extensions only while the limit runs ------------------------------------------------------

def test_an_extension_approved_a_day_after_the_deadline_is_refused(clock, register, act):
    p = in_handling(register, act)  # accepted 03-02: handling due 05-01 (劳动节) -> 05-06
    handle = open_kind(p, "handle")
    assert handle.due == D("2026-05-06")
    clock.move_to(at("2026-05-06", 16))
    p = act("demo_handler", p, "request_extension", days=20, reason="需要补充调查")
    clock.move_to(at("2026-05-07", 9))
    err = refused(lambda: act("demo_leader", p, "approve_extension"), p, "illegal_transition")
    assert "届满" in err.message
    # the reply after the original deadline counts as late
    p = act("demo_handler", p, "draft_reply", **REPLY)
    p = act("demo_leader", p, "approve_reply")
    assert fresh(p).fact_reply == MET_LATE


def test_an_extension_requested_after_the_deadline_is_refused(clock, register, act):
    p = in_handling(register, act)
    clock.move_to(at("2026-05-07", 9))
    refused(lambda: act("demo_handler", p, "request_extension", days=10, reason="x"), p, "illegal_transition")


# ---- 7. divert and reject notices ------------------------------------------------------------------

def test_divert_names_the_lawful_channel_in_a_written_notice(clock, register, act):
    p, _ = register()
    p = act("demo_dispatcher", p, "divert", target="litigation", reason="属于民事纠纷，请依法起诉")
    event = PetitionEvent.objects.filter(petition=p).last()
    assert event.data["channel_name"] == "人民法院（诉讼）" and "诉讼" in event.data["channel_guidance"]
    assert "信访事项告知书" in event.data["documents"]
    q, _ = register()
    err = refused(lambda: act("demo_dispatcher", q, "divert", target="nowhere", reason="x"), q, "invalid", "target")
    assert "行政复议机关" in err.message  # the refusal lists the configured channels


def test_reject_names_the_reason_and_the_route(clock, register, act):
    p, _ = register()
    p = act("demo_dispatcher", p, "reject", reason="已进入诉讼程序", route="可依法向人民法院反映")
    event = PetitionEvent.objects.filter(petition=p).last()
    assert (event.data["reason"], event.data["route"]) == ("已进入诉讼程序", "可依法向人民法院反映")


# ---- 8. no merge while a statutory review runs ------------------------------------------------------

def test_merge_is_refused_while_a_review_runs(delivered, register, act):
    p = act("demo_clerk", delivered(), "request_review")
    other, _ = register(title="另一件")
    err = refused(lambda: act("demo_city_dispatcher", p, "merge", into=other.number), p, "illegal_transition")
    assert "复查中" in err.message


# ---- 9. 交办 reports go with the reply -------------------------------------------------------------

def test_the_assign_report_goes_with_the_reply(clock, register, act):
    p, _ = register()
    p = act("demo_dispatcher", p, "assign", unit="DH-ZJ", report_due="2026-03-20")
    p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    clock.move_to(at("2026-03-25"))
    p = act("demo_handler", p, "draft_reply", **REPLY)
    p = act("demo_leader", p, "approve_reply")
    report = Deadline.objects.get(petition=p, kind="report")
    assert (report.met_at, report.cancelled) == (at("2026-03-25"), False)  # met, late
    assert report.met_at.date() > report.due
    event = PetitionEvent.objects.filter(petition=p, action="approve_reply").get()
    assert "办结报告" in event.data["documents"]
    # an automatically closed 交办 case keeps its report: not issued again, not cancelled
    p = act("demo_clerk", p, "deliver", method="in_person")
    assert petitions_close_expired(today=D("2026-06-30")) == 1
    report.refresh_from_db()
    assert (report.met_at, report.cancelled) == (at("2026-03-25"), False)


def test_a_merged_assign_case_still_reports(clock, register, act):
    other, _ = register(title="另一件")
    p, _ = register()
    p = act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    p = act("demo_dispatcher", p, "merge", into=other.number)
    report = Deadline.objects.get(petition=p, kind="report")
    assert (report.met_at, report.cancelled) == (at("2026-03-02"), False)
    assert "办结报告" in PetitionEvent.objects.filter(petition=p).last().data["documents"]


# ---- 10. hearings ----------------------------------------------------------------------------------

HEARING = {"place": "市信访局听证室", "panel": "市司法局、市住建局专家", "participants": "信访人、物业公司",
           "minutes": "双方陈述，听证员询问。", "conclusion": "维持原复查意见"}


def test_a_hearing_during_rereview_moves_the_due_date_by_its_length(delivered, act, clock):
    p = act("demo_clerk", delivered(), "request_review")
    p = act("demo_reviewer", p, "answer_review", **REPLY, delivered=True)
    p = act("demo_clerk", p, "request_rereview")
    answer = open_kind(p, "rereview_answer")
    assert answer.due == D("2026-04-01")
    clock.move_to(at("2026-03-12"))
    p = act("demo_city_leader", p, "hold_hearing", held_on="2026-03-10", end_on="2026-03-12", **HEARING)
    hearing = Hearing.objects.get(petition=p)
    assert (hearing.stage, hearing.days) == ("rereview", 3)
    # 04-01 + 3 days = 04-04 (清明 holiday weekend) -> the next working day
    assert open_kind(p, "rereview_answer").due == D("2026-04-07")
    event = PetitionEvent.objects.filter(petition=p).last()
    assert "听证通知书" in event.data["documents"] and event.data["stage"] == "rereview"


def test_a_hearing_record_needs_its_parts(clock, register, act):
    p = in_handling(register, act)
    refused(lambda: act("demo_handler", p, "hold_hearing", **HEARING), p, "invalid", "held_on")
    refused(lambda: act("demo_handler", p, "hold_hearing", held_on="2026-03-02",
                        **{**HEARING, "conclusion": ""}), p, "invalid", "conclusion")
    refused(lambda: act("demo_handler", p, "hold_hearing", held_on="2026-03-02", end_on="2026-03-01", **HEARING),
            p, "invalid", "end_on")
    # a hearing scheduled ahead: the notice goes out, minutes come later
    p = act("demo_handler", p, "hold_hearing", held_on="2026-03-20", place="区信访局", panel="区司法局",
            participants="信访人")
    assert Hearing.objects.get(petition=p).conclusion == ""


# ---- 12. fast track stores its own deadline ---------------------------------------------------------

def test_fast_track_chosen_at_acceptance_stores_its_deadline(clock, register, act):
    p, _ = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "accept", fast_track=True)
    limit = open_kind(p, "fast_track")
    assert (limit.days, limit.working_days, limit.due) == (10, True, D("2026-03-16"))
    assert (fresh(p).due_kind, fresh(p).due_on) == ("fast_track", D("2026-03-16"))  # warnings follow it
    clock.move_to(at("2026-03-13"))
    p = act("demo_handler", p, "fast_track", **REPLY)
    limit.refresh_from_db()
    assert limit.met_at == at("2026-03-13")
    assert fresh(p).fact_reply == MET_ON_TIME


def test_fast_track_after_its_stored_limit_is_refused(clock, register, act):
    p, _ = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "accept", fast_track=True)
    clock.move_to(at("2026-03-17"))
    refused(lambda: act("demo_handler", p, "fast_track", **REPLY), p, "illegal_transition")


# ---- 13. evaluations ------------------------------------------------------------------------------

def test_evaluation_only_after_a_reply_within_the_window_once_per_stage(clock, register, act, settings):
    p = in_handling(register, act)
    clerk = get_user_model().objects.get(username="demo_clerk")
    assert "evaluate" not in allowed_actions(clerk, fresh(p))
    refused(lambda: act("demo_clerk", p, "evaluate", level="satisfied"), p, "illegal_transition")
    p = act("demo_handler", p, "draft_reply", **REPLY)
    p = act("demo_leader", p, "approve_reply", delivered=True)
    assert "evaluate" in allowed_actions(clerk, fresh(p))
    clock.move_to(at("2026-04-02"))  # 31 days after delivery
    err = refused(lambda: act("demo_clerk", p, "evaluate", level="satisfied"), p, "illegal_transition")
    assert "30日" in err.message
    clock.move_to(at("2026-03-20"))
    p = act("demo_clerk", p, "evaluate", level="satisfied")
    refused(lambda: act("demo_clerk", p, "evaluate", level="dissatisfied", reason="x"), p, "illegal_transition")
    ev = Evaluation.objects.get(petition=p)
    assert (ev.counted, ev.reply.kind) == (True, "reply")
    assert fresh(p).fact_evaluation == "satisfied"
    # the next stage may be evaluated again
    p = act("demo_clerk", p, "request_review")
    p = act("demo_reviewer", p, "answer_review", **REPLY, delivered=True)
    p = act("demo_clerk", p, "evaluate", level="dissatisfied", reason="仍不满意")
    assert fresh(p).fact_evaluation == "dissatisfied"


def test_an_evaluation_outside_the_rule_counts_in_no_kpi(clock, register, act):
    p = approved(register, act)
    Evaluation.objects.create(petition=p, level="dissatisfied", source="callback", at=at("2026-03-01"),
                              counted=False)
    from xinfang.workflow.facts import facts_refresh

    facts_refresh(p)
    assert p.fact_evaluation is None


# ---- 14. 不再受理 without a manual link ------------------------------------------------------------

def test_refuse_again_finds_a_final_matter_of_the_same_petitioner_and_category(clock, register, act):
    p = approved(register, act)
    p = act("demo_clerk", p, "deliver", method="in_person")
    p = act("demo_clerk", p, "request_review")
    p = act("demo_reviewer", p, "answer_review", **REPLY, delivered=True)
    p = act("demo_clerk", p, "request_rereview")
    p = act("demo_city_leader", p, "answer_rereview", **REPLY)
    assert p.status == Status.FINAL
    clock.move_to(at("2026-04-10"))
    again, _ = register(title="再次反映停车费")  # same petitioner and category, no link
    assert again.repeat_of_id is None
    again = act("demo_dispatcher", again, "refuse_again")
    assert again.status == Status.REJECTED
    assert PetitionEvent.objects.filter(petition=again).last().data["final_petition"] == p.number
    # a matter in another category is not caught
    other, _ = register(title="反映噪音", category="010102")
    refused(lambda: act("demo_dispatcher", other, "refuse_again"), other, "illegal_transition")


# ---- 15. objections are decided by the routing office ------------------------------------------------

def test_an_objection_rejected_by_the_router_stays_with_the_unit(clock, register, act):
    p, _ = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "object", reason="不属于本单位职责")
    refused(lambda: act("demo_dept_dispatcher", p, "object", reason="再次退回"), p, "illegal_transition")
    refused(lambda: act("demo_dispatcher", p, "reject_objection"), p, "invalid", "reason")
    p = act("demo_dispatcher", p, "reject_objection", reason="属于住建部门法定职责")
    assert (p.status, p.handling_unit.code, Route.objects.get(petition=p).objection) == (
        Status.ROUTED, "DH-ZJ", "rejected")
    refused(lambda: act("demo_dispatcher", p, "confirm_objection"), p, "illegal_transition")
    assert act("demo_dept_dispatcher", p, "accept").status == Status.ACCEPTED


def test_accepting_withdraws_a_pending_objection(clock, register, act):
    p, _ = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "object", reason="不属于本单位职责")
    p = act("demo_dept_dispatcher", p, "accept")
    assert Route.objects.get(petition=p).objection == "withdrawn"
    refused(lambda: act("demo_dispatcher", p, "confirm_objection"), p, "illegal_transition")


# ---- 退回修改 ---------------------------------------------------------------------------------------

def test_a_returned_draft_stays_in_the_history_and_the_revision_is_approved(clock, register, act):
    p = in_handling(register, act)
    p = act("demo_handler", p, "draft_reply", **REPLY)
    refused(lambda: act("demo_leader", p, "return_reply"), p, "invalid", "note")
    p = act("demo_leader", p, "return_reply", note="请补充政策依据")
    assert p.status == Status.IN_HANDLING and p.handler.username == "demo_handler"
    p = act("demo_handler", p, "draft_reply", **{**REPLY, "basis": "《物业管理条例》第四十条"})
    p = act("demo_leader", p, "approve_reply")
    replies = list(Reply.objects.filter(petition=p).order_by("id"))
    assert [(r.returned_at is not None, r.approved_at is not None) for r in replies] == [(True, False),
                                                                                          (False, True)]
    assert replies[0].return_note == "请补充政策依据" and replies[1].basis.endswith("第四十条")


def test_membership_of_a_second_unit_does_not_escape_recusal(clock, register, act, org):
    other = get_user_model().objects.create(username="two_hats")
    StaffProfile.objects.create(user=other, full_name="双岗人")
    Membership.objects.create(user=other, unit=org.units["DH-ZJ"], role=Role.LEADER)
    p = in_handling(register, act, accused_person="双岗人")
    p = act("demo_handler", p, "draft_reply", **REPLY)
    refused(lambda: act(other, p, "approve_reply"), p, "conflict")


def test_the_evaluate_and_deliver_queues_follow_the_rules(clock, register, act):
    from xinfang.workflow.queues import queue

    clerk = get_user_model().objects.get(username="demo_clerk")
    p = in_handling(register, act)
    assert not queue(clerk, "evaluate").filter(pk=p.pk).exists()  # no opinion yet
    p = act("demo_handler", p, "draft_reply", **REPLY)
    p = act("demo_leader", p, "approve_reply")
    assert queue(clerk, "deliver").filter(pk=p.pk).exists()
    assert queue(clerk, "evaluate").filter(pk=p.pk).exists()
    p = act("demo_clerk", p, "deliver", method="in_person")
    assert not queue(clerk, "deliver").filter(pk=p.pk).exists()
    clock.move_to(at("2026-04-02"))  # the 30-day window has passed
    assert not queue(clerk, "evaluate").filter(pk=p.pk).exists()
    clock.move_to(at("2026-03-10"))
    p = act("demo_clerk", p, "evaluate", level="satisfied")
    assert not queue(clerk, "evaluate").filter(pk=p.pk).exists()  # once per stage
