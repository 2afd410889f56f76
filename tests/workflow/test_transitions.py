"""Every move of the transition table: who may take it, from where, and what a refusal leaves behind.

Time is frozen (Monday 2026-03-02 10:00 Beijing time unless a test moves it).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from xinfang.audit.models import AuditEntry
from xinfang.common import crypto
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.org.jurisdiction import all_roles
from xinfang.org.models import StaffProfile
from xinfang.petitions.choices import Status
from xinfang.petitions.models import Petition, PetitionAccess
from xinfang.petitions.selectors import petition_get, petitions_visible
from xinfang.workflow.models import (
    ActionGrant,
    ConflictDeclaration,
    Deadline,
    Delivery,
    Evaluation,
    Extension,
    Hearing,
    PetitionEvent,
    Reply,
    Route,
)
from xinfang.workflow.services import allowed_actions, petition_act
from xinfang.workflow.transitions import TABLE

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
VALID_ID = "11010519491231002X"  # the petitioner of the `register` fixture


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=TZ)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


REPLY = {"outcome": "support", "text": "责令物业公司退还停车费", "basis": "《物业管理条例》第四十条"}

# Everyone in district 1 (东湖区) and the city.
DISTRICT_1 = ["demo_clerk", "demo_dispatcher", "demo_handler", "demo_leader", "demo_supervisor", "demo_analyst",
              "demo_informant", "demo_admin", "demo_reviewer", "demo_dept_dispatcher", "demo_city_leader",
              "demo_city_dispatcher"]


def fresh(p) -> Petition:
    return Petition.objects.get(pk=p.pk)


def user(name):
    return get_user_model().objects.get(username=name)


def snapshot(p):
    return (
        Petition.objects.filter(pk=p.pk).values().get(),
        PetitionEvent.objects.filter(petition=p).count(),
        list(Deadline.objects.filter(petition=p).order_by("id").values()),
        list(PetitionAccess.objects.filter(petition=p).order_by("id").values_list("unit_id", flat=True)),
        Route.objects.filter(petition=p).count(),
        list(Reply.objects.filter(petition=p).order_by("id").values()),
        list(Extension.objects.filter(petition=p).order_by("id").values()),
        Evaluation.objects.filter(petition=p).count(),
        AuditEntry.objects.count(),
    )


def assert_refused(call, p, code, field=None) -> ApplicationError:
    """`call()` is refused with `code` and nothing at all changed."""
    before = snapshot(p)
    with pytest.raises(ApplicationError) as err:
        call()
    assert err.value.code == code, err.value.message
    if field is not None:
        assert err.value.field == field
    assert snapshot(p) == before
    return err.value


# ---- building a petition in a given state --------------------------------------------------------

def build(state, register, act, **fields) -> Petition:
    """Register at DH-XF, forward to DH-ZJ and walk the lawful path up to `state`."""
    p, _ = register(**fields)
    if state == "registered":
        return p
    if state == "rejected":
        return act("demo_dispatcher", p, "reject", reason="不属于信访事项")
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    if state == "routed":
        return p
    if state == "objected":
        return act("demo_dept_dispatcher", p, "object", reason="不属于本单位职责")
    p = act("demo_dept_dispatcher", p, "accept")
    if state == "accepted":
        return p
    p = act("demo_leader", p, "assign_handler", handler="demo_handler")
    if state == "in_handling":
        return p
    if state == "extension_pending":
        return act("demo_handler", p, "request_extension", days=15, reason="需要补充调查")
    p = act("demo_handler", p, "draft_reply", **REPLY)
    if state == "reply_pending":
        return p
    if state == "replied_undelivered":
        return act("demo_leader", p, "approve_reply")
    p = act("demo_leader", p, "approve_reply", delivered=True)  # handed over at the counter
    if state == "replied":
        return p
    if state == "closed":
        return act("demo_dept_dispatcher", p, "close", waiver=True, note="信访人书面表示不再申请复查")
    p = act("demo_clerk", p, "request_review", reason="不服处理意见")
    if state == "under_review":
        return p
    p = act("demo_reviewer", p, "answer_review", outcome="explain", text="维持原处理意见", basis="《信访工作条例》",
            delivered=True)
    if state == "reviewed":
        return p
    p = act("demo_clerk", p, "request_rereview", reason="不服复查意见")
    if state == "under_rereview":
        return p
    p = act("demo_city_leader", p, "answer_rereview", outcome="explain", text="维持", basis="《信访工作条例》",
            delivered=True)
    assert state == "final", state
    return p


def build_for(state, register, act) -> Petition:
    """Like `build`, plus the special setups: a repeat of a petition that reached 复核终结."""
    if state == "repeat_of_final":
        first = build("final", register, act)
        assert first.status == Status.FINAL
        p, _ = register(repeat_of=first, title="再次反映物业违规收费")
        return p
    return build(state, register, act)


# action: (state to start from, users who may take it there, params, status after, a state it is illegal in)
SPEC = {
    "forward": ("registered", ["demo_dispatcher"], {"unit": "DH-ZJ"}, Status.ROUTED, "routed"),
    "assign": ("registered", ["demo_dispatcher"], {"unit": "DH-ZJ", "report_due": "2026-04-30"}, Status.ROUTED,
               "routed"),
    "object": ("routed", ["demo_dept_dispatcher", "demo_leader"], {"reason": "不属于本单位职责"},
               Status.ROUTED, "accepted"),
    "confirm_objection": ("objected", ["demo_dispatcher"], {"note": "同意退回"}, Status.REGISTERED, "accepted"),
    "reject_objection": ("objected", ["demo_dispatcher"], {"reason": "属于贵单位职责"}, Status.ROUTED, "accepted"),
    "accept": ("routed", ["demo_dept_dispatcher", "demo_leader"], {}, Status.ACCEPTED, "accepted"),
    "reject": ("routed", ["demo_dept_dispatcher", "demo_leader"], {"reason": "不属于信访事项"}, Status.REJECTED,
               "in_handling"),
    "refuse_again": ("repeat_of_final", ["demo_dispatcher"], {}, Status.REJECTED, "in_handling"),
    "divert": ("registered", ["demo_dispatcher"],
               {"target": "politics_law", "unit": "DH-ZF", "reason": "涉法涉诉，请向政法机关反映"},
               Status.DIVERTED, "accepted"),
    "archive": ("registered", ["demo_dispatcher"], {"note": "咨询事项，已当场答复"}, Status.ARCHIVED, "accepted"),
    "assign_handler": ("accepted", ["demo_leader", "demo_dept_dispatcher"], {"handler": "demo_handler"},
                       Status.IN_HANDLING, "in_handling"),
    "note": ("in_handling", ["demo_handler"], {"text": "电话联系物业公司"}, Status.IN_HANDLING, "reply_pending"),
    "mediate": ("in_handling", ["demo_handler"], {"text": "组织双方调解", "agreement": True}, Status.IN_HANDLING,
                "reply_pending"),
    "hold_hearing": ("in_handling", ["demo_handler"],
                     {"held_on": "2026-03-02", "place": "区信访局听证室", "panel": "区司法局、区住建局",
                      "participants": "业主代表、物业公司", "minutes": "召开听证会", "conclusion": "物业应退费"},
                     Status.IN_HANDLING, "reply_pending"),
    "request_extension": ("in_handling", ["demo_handler"], {"days": 20, "reason": "需要现场勘验"},
                          Status.IN_HANDLING, "reply_pending"),
    "approve_extension": ("extension_pending", ["demo_leader"], {}, Status.IN_HANDLING, "reply_pending"),
    "draft_reply": ("in_handling", ["demo_handler"], REPLY, Status.REPLY_PENDING, "reply_pending"),
    "approve_reply": ("reply_pending", ["demo_leader"], {"note": "同意"}, Status.REPLIED, "in_handling"),
    "return_reply": ("reply_pending", ["demo_leader"], {"note": "请补充法律依据"}, Status.IN_HANDLING, "in_handling"),
    "deliver": ("replied_undelivered", ["demo_clerk", "demo_handler"],
                {"method": "post", "delivered_at": "2026-03-02", "tracking_no": "EMS1234567"}, Status.REPLIED,
                "in_handling"),
    "fast_track": ("accepted", ["demo_handler"], REPLY, Status.REPLIED, "in_handling"),
    "request_review": ("replied", ["demo_clerk", "demo_city_dispatcher"], {"reason": "不服"}, Status.UNDER_REVIEW,
                       "under_review"),
    "answer_review": ("under_review", ["demo_reviewer"], REPLY, Status.REVIEWED, "replied"),
    "request_rereview": ("reviewed", ["demo_clerk", "demo_city_dispatcher"], {}, Status.UNDER_REREVIEW,
                         "replied"),
    "answer_rereview": ("under_rereview", ["demo_city_leader"], REPLY, Status.FINAL, "reviewed"),
    "close": ("replied", ["demo_dept_dispatcher"], {"waiver": True, "note": "信访人书面表示满意"}, Status.CLOSED,
              "in_handling"),
    "merge": ("registered", ["demo_dispatcher", "demo_city_dispatcher"], {}, Status.MERGED, "closed"),
    "evaluate": ("replied", ["demo_clerk", "demo_city_dispatcher"], {"level": "satisfied"}, Status.REPLIED,
                 "in_handling"),
    "declare_conflict": ("in_handling", ["demo_leader", "demo_dept_dispatcher"], {"reason": "与信访人系亲属"},
                         Status.IN_HANDLING, "closed"),
    # the overlays: by role anywhere in scope, the state unchanged (their own tests: tests/oversight/)
    "urge": ("in_handling", ["demo_dispatcher", "demo_leader", "demo_supervisor", "demo_reviewer",
                             "demo_dept_dispatcher", "demo_city_leader", "demo_city_dispatcher"],
             {"note": "请抓紧办理"}, Status.IN_HANDLING, "closed"),
    "supervise": ("in_handling", ["demo_leader", "demo_supervisor", "demo_reviewer", "demo_city_leader"],
                  {"requirement": "限期办结并报告结果", "due_on": "2026-03-20"}, Status.IN_HANDLING, "closed"),
    "instruct": ("in_handling", ["demo_leader", "demo_reviewer", "demo_city_leader"],
                 {"text": "请住建局依法妥善处理"}, Status.IN_HANDLING, "closed"),
}


def test_spec_covers_every_action_of_the_table():
    assert set(SPEC) == set(TABLE) - {"register"}
    for action, (_state, _users, _params, after, _bad) in SPEC.items():
        t = TABLE[action]
        assert t.target in (after, None), action


def _params(action, register):
    params = dict(SPEC[action][2])
    if action == "merge":
        other, _ = register(title="同一小区停车费问题（另一批业主）")
        params["into"] = other.number
    return params


def _effects(action, before: Petition, p: Petition, actor: str, params: dict):
    """The concrete effect of each move beyond the status change."""
    event = PetitionEvent.objects.filter(petition=p).last()
    if action in ("forward", "assign"):
        route = Route.objects.get(petition=p)
        assert (route.kind, route.to_unit.code, route.from_unit.code, route.by.username) == (
            action, "DH-ZJ", "DH-XF", actor)
        assert p.handling_unit.code == "DH-ZJ"
        assert PetitionAccess.objects.filter(petition=p, unit__code="DH-ZJ").exists()
        assert event.data["to_unit"] == "DH-ZJ"
        if action == "assign":
            assert route.report_due == dt.date(2026, 4, 30)
    elif action == "object":
        assert p.handling_unit.code == "DH-ZJ"
        route = Route.objects.get(petition=p)
        assert (route.object_reason, route.objection) == ("不属于本单位职责", "pending")
    elif action == "confirm_objection":
        assert p.handling_unit is None
        assert Route.objects.get(petition=p).objection == "confirmed"
    elif action == "reject_objection":
        assert p.handling_unit.code == "DH-ZJ"
        assert Route.objects.get(petition=p).objection == "rejected"
        assert event.note == "属于贵单位职责"
    elif action == "return_reply":
        reply = Reply.objects.get(petition=p)
        assert (reply.returned_at, reply.returned_by.username, reply.return_note) == (NOW, actor, "请补充法律依据")
        assert reply.approved_at is None
    elif action == "deliver":
        d = Delivery.objects.get(petition=p)
        assert (d.delivered_at, d.method, d.tracking_no, d.reply.kind) == (dt.date(2026, 3, 2), "post",
                                                                           "EMS1234567", "reply")
        assert Deadline.objects.get(petition=p, kind="review_request").due == dt.date(2026, 4, 1)
    elif action == "declare_conflict":
        assert ConflictDeclaration.objects.get(petition=p).user.username == actor
    elif action == "accept":
        assert (p.accepted_at, p.handler, p.handling_unit.code) == (NOW, None, "DH-ZJ")
        assert "受理告知书" in event.data["documents"]
    elif action == "reject":
        assert p.closed_at == NOW
        assert event.note == "不属于信访事项"
        assert "不予受理告知书" in event.data["documents"]
    elif action == "refuse_again":
        assert p.closed_at == NOW
        assert event.data["final_petition"] == p.repeat_of.number
        assert "不再受理告知书" in event.data["documents"]
        assert "不再受理" in event.note
    elif action == "divert":
        assert p.closed_at == NOW
        assert (event.data["target"], event.data["unit"]) == ("politics_law", "DH-ZF")
        assert "信访事项告知书" in event.data["documents"]
    elif action == "archive":
        assert (p.closed_at, event.note) == (NOW, "咨询事项，已当场答复")
    elif action == "assign_handler":
        assert p.handler.username == "demo_handler"
    elif action == "note":
        assert event.note == "电话联系物业公司"
    elif action == "mediate":
        assert event.data["agreement"] is True
        assert "调解协议书" in event.data["documents"]
    elif action == "hold_hearing":
        assert (event.note, event.data["participants"]) == ("召开听证会", "业主代表、物业公司")
        hearing = Hearing.objects.get(petition=p)
        assert (hearing.stage, hearing.place, hearing.days) == ("handling", "区信访局听证室", 1)
        assert "听证通知书" in event.data["documents"]
    elif action == "request_extension":
        ext = Extension.objects.get(petition=p)
        assert (ext.days, ext.reason, ext.approved_at, ext.requested_by.username) == (20, "需要现场勘验", None,
                                                                                       "demo_handler")
    elif action == "approve_extension":
        ext = Extension.objects.get(petition=p)
        assert (ext.approved_at, ext.approved_by.username) == (NOW, actor)
        assert Deadline.objects.get(petition=p, kind="handle").extra_days == 15
    elif action == "draft_reply":
        reply = Reply.objects.get(petition=p)
        assert (reply.kind, reply.outcome, reply.approved_at, reply.unit.code) == ("reply", "support", None, "DH-ZJ")
    elif action == "approve_reply":
        reply = Reply.objects.get(petition=p)
        assert (reply.approved_at, reply.approved_by.username) == (NOW, actor)
        assert p.replied_at == NOW
        # the 复查 window opens at delivery, not at approval
        assert not Deadline.objects.filter(petition=p, kind="review_request").exists()
    elif action == "fast_track":
        reply = Reply.objects.get(petition=p)
        assert (reply.kind, reply.approved_by.username) == ("fast_track", actor)
        assert p.handler.username == actor
        assert p.replied_at == NOW
    elif action == "request_review":
        assert p.review_unit.code == "DH"
        assert Deadline.objects.get(petition=p, kind="review_answer").is_open
    elif action == "answer_review":
        reply = Reply.objects.get(petition=p, kind="review")
        assert (reply.unit.code, reply.approved_by.username) == ("DH", actor)
        assert "复查意见书" in event.data["documents"]
    elif action == "request_rereview":
        assert p.review_unit.code == "SF"
    elif action == "answer_rereview":
        reply = Reply.objects.get(petition=p, kind="rereview")
        assert reply.unit.code == "SF"
        assert p.closed_at == NOW
    elif action == "close":
        assert p.closed_at == NOW
        assert not Deadline.objects.filter(petition=p, met_at__isnull=True, cancelled=False).exists()
    elif action == "merge":
        assert p.merged_into.number == params["into"]
        assert p.closed_at == NOW
        assert fresh(p.merged_into).status == Status.REGISTERED
    elif action == "evaluate":
        ev = Evaluation.objects.get(petition=p)
        assert (ev.level, ev.source, ev.by.username, ev.at) == ("satisfied", "callback", actor, NOW)
    elif action == "urge":
        urge = p.urges.get()
        assert (urge.unit.code, urge.auto, urge.actor.username, urge.note) == ("DH-ZJ", False, actor, "请抓紧办理")
    elif action == "supervise":
        order = p.supervisions.get()
        assert (order.target_unit.code, order.due_on, order.issued_by.username) == (
            "DH-ZJ", dt.date(2026, 3, 20), actor)
    elif action == "instruct":
        assert p.instructions.get().text == "请住建局依法妥善处理"
    else:  # pragma: no cover
        raise AssertionError(action)
    assert (event.action, event.from_status, event.to_status, event.actor.username, event.at) == (
        action, before.status, p.status, actor, NOW)


RIGHT = [(action, u) for action, spec in SPEC.items() for u in spec[1]]


@pytest.mark.parametrize(("action", "actor"), RIGHT, ids=[f"{a}-{u}" for a, u in RIGHT])
def test_the_right_role_may_take_the_move(register, act, action, actor):
    state, _users, _p, after, _bad = SPEC[action]
    p = build_for(state, register, act)
    before = fresh(p)
    params = _params(action, register)
    events = PetitionEvent.objects.filter(petition=p).count()
    p = act(actor, p, action, **params)
    assert p.status == after
    assert p.version == before.version + 1
    assert PetitionEvent.objects.filter(petition=p).count() == events + 1
    p = fresh(p)
    assert (p.status, p.version) == (after, before.version + 1)
    _effects(action, before, p, actor, params)


@pytest.mark.parametrize("action", list(SPEC))
def test_wrong_roles_are_refused_and_nothing_changes(register, act, action):
    if action == "declare_conflict":
        return  # every staff member who sees a petition may declare a conflict on it
    state, right, _p, _after, _bad = SPEC[action]
    p = build_for(state, register, act)
    params = _params(action, register)
    wrong = [u for u in DISTRICT_1 + ["demo_clerk2", "demo_dispatcher2", "demo_handler2", "demo_leader2"]
             if u not in right]
    for name in wrong:
        visible = petitions_visible(user(name)).filter(pk=p.pk).exists()
        err = assert_refused(lambda name=name: act(name, p, action, **params), p,
                             "illegal_transition" if visible else "not_found")
        if visible:
            assert "无权执行" in err.message, (name, err.message)
        assert err.status in (404, 409)


BAD_STATE = [a for a, spec in SPEC.items() if spec[4] is not None]


@pytest.mark.parametrize("action", BAD_STATE)
def test_a_move_from_a_wrong_state_is_refused_and_nothing_changes(register, act, action):
    _state, right, _p, _after, bad = SPEC[action]
    p = build(bad, register, act)
    assert p.status not in TABLE[action].sources
    params = _params(action, register)
    err = assert_refused(lambda: act(right[0], p, action, **params), p, "illegal_transition")
    assert "当前状态" in err.message
    assert err.status == 409


def test_evaluate_is_legal_after_the_petition_closed(register, act):
    p = build("closed", register, act)
    p = act("demo_clerk", p, "evaluate", level="dissatisfied", reason="退费不及时")
    assert p.status == Status.CLOSED
    ev = Evaluation.objects.get(petition=p)
    assert (ev.level, ev.reason, ev.source) == ("dissatisfied", "退费不及时", "callback")


# ---- what the UI is told -----------------------------------------------------------------------------

ALLOWED = {
    "registered": {
        "demo_dispatcher": {"forward", "assign", "accept", "reject", "refuse_again", "divert", "archive", "merge"},
        "demo_city_dispatcher": {"merge"},
    },
    "routed": {
        "demo_dispatcher": {"merge"},
        "demo_dept_dispatcher": {"object", "accept", "reject", "refuse_again", "merge"},
        "demo_leader": {"object", "accept", "reject", "refuse_again"},
        "demo_city_dispatcher": {"merge"},
    },
    "objected": {
        "demo_dispatcher": {"merge", "confirm_objection", "reject_objection"},
        "demo_dept_dispatcher": {"accept", "reject", "refuse_again", "merge"},
        "demo_leader": {"accept", "reject", "refuse_again"},
        "demo_city_dispatcher": {"merge"},
    },
    "accepted": {
        "demo_dispatcher": {"merge"},
        "demo_dept_dispatcher": {"assign_handler", "merge"},
        "demo_leader": {"assign_handler"},
        "demo_handler": {"fast_track"},
        "demo_city_dispatcher": {"merge"},
    },
    "in_handling": {
        "demo_dispatcher": {"merge"},
        "demo_dept_dispatcher": {"merge"},
        "demo_handler": {"note", "mediate", "hold_hearing", "request_extension", "draft_reply"},
        "demo_leader": {"approve_extension"},
        "demo_city_dispatcher": {"merge"},
    },
    "reply_pending": {
        "demo_dispatcher": {"merge"},
        "demo_dept_dispatcher": {"merge"},
        "demo_leader": {"approve_reply", "return_reply"},
        "demo_city_dispatcher": {"merge"},
    },
    "replied_undelivered": {
        "demo_clerk": {"deliver", "request_review", "evaluate"},
        "demo_dispatcher": {"merge"},
        "demo_handler": {"deliver"},
        "demo_dept_dispatcher": {"close", "merge"},
        "demo_city_dispatcher": {"request_review", "merge", "evaluate"},
    },
    "replied": {
        "demo_clerk": {"request_review", "evaluate"},
        "demo_dispatcher": {"merge"},
        "demo_dept_dispatcher": {"close", "merge"},
        "demo_city_dispatcher": {"request_review", "merge", "evaluate"},
    },
    "under_review": {
        "demo_clerk": {"evaluate"},
        "demo_reviewer": {"answer_review"},
        "demo_city_dispatcher": {"evaluate"},
    },
    "final": {
        "demo_clerk": {"evaluate"},
        "demo_city_dispatcher": {"evaluate"},
    },
}
OVERLAY_ROLES = {"urge": {"supervisor", "leader", "dispatcher"}, "supervise": {"supervisor", "leader"},
                 "instruct": {"leader"}}
OPEN = {"registered", "routed", "objected", "accepted", "in_handling", "reply_pending", "replied_undelivered",
        "replied", "under_review"}


@pytest.mark.parametrize("state", list(ALLOWED))
def test_allowed_actions_matrix(register, act, state):
    p = build(state, register, act)
    assert p.status == {"objected": "routed", "replied_undelivered": "replied"}.get(state, state)
    for name in DISTRICT_1 + ["demo_clerk2", "demo_dispatcher2", "demo_handler2"]:
        u = user(name)
        if not petitions_visible(u).filter(pk=p.pk).exists():
            with pytest.raises(NotFound):
                petition_get(u, p.pk)
            assert name not in ALLOWED[state], name
            continue
        expected = ALLOWED[state].get(name, set()) | ({"declare_conflict"} if state in OPEN else set())
        if state in OPEN:  # the overlays (urge, supervise, instruct): by role, anywhere in scope
            roles = all_roles(u)
            expected |= {a for a, allowed in OVERLAY_ROLES.items() if roles & allowed}
        assert set(allowed_actions(u, fresh(p))) == expected, name


# ---- version and jurisdiction --------------------------------------------------------------------------

def test_stale_version_is_refused(register, act, users):
    p, _ = register()
    p2 = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    assert p2.version == p.version + 1
    err = assert_refused(lambda: petition_act(actor=user("demo_dept_dispatcher"), petition_id=p.pk,
                                              action="accept", version=p.version), p2, "stale_version", "version")
    assert err.status == 409
    assert str(p2.version) in err.message


@pytest.mark.parametrize("version", [None, "2", True, 1.0])
def test_version_must_be_an_integer(register, version):
    p, _ = register()
    assert_refused(lambda: petition_act(actor=user("demo_dispatcher"), petition_id=p.pk, action="accept",
                                        version=version), p, "invalid", "version")


@pytest.mark.parametrize(("name", "action", "params"), [
    ("demo_handler2", "note", {"text": "越权"}),
    ("demo_leader2", "assign_handler", {"handler": "demo_handler2"}),
    ("demo_dispatcher2", "forward", {"unit": "XS-ZJ"}),
    ("demo_clerk2", "evaluate", {"level": "satisfied"}),
    ("demo_dept_dispatcher2", "merge", {"into": "1"}),
])
def test_a_user_of_another_district_gets_not_found(register, act, name, action, params):
    p = build("in_handling", register, act)
    err = assert_refused(lambda: act(name, p, action, **params), p, "not_found")
    assert err.status == 404
    with pytest.raises(NotFound):
        petition_get(user(name), p.pk)


def test_unknown_action_and_register_through_act_are_not_found(register):
    p, _ = register()
    for action in ("explode", "register"):
        assert_refused(lambda action=action: petition_act(actor=user("demo_dispatcher"), petition_id=p.pk,
                                                          action=action, version=p.version), p, "not_found")


def test_named_wrong_roles(register, act):
    p, _ = register()
    # a handler trying to route: the petition has not reached the handler's unit -> 404
    assert_refused(lambda: act("demo_handler", p, "assign", unit="DH-ZJ"), p, "not_found")
    # a clerk trying to accept: sees it, may not do it
    err = assert_refused(lambda: act("demo_clerk", p, "accept"), p, "illegal_transition")
    assert "受理" in err.message
    p = build("accepted", register, act)
    # a handler trying to assign the handler
    assert_refused(lambda: act("demo_handler", p, "assign_handler", handler="demo_handler"), p,
                   "illegal_transition")


def test_the_receiving_office_may_not_act_for_the_handling_unit(register, act):
    p = build("routed", register, act)
    assert_refused(lambda: act("demo_dispatcher", p, "accept"), p, "illegal_transition")
    p = build("replied", register, act)
    assert_refused(lambda: act("demo_dispatcher", p, "close"), p, "illegal_transition")


def test_only_the_assigned_handler_works_the_petition(register, act, org):
    from xinfang.org.choices import Role
    from xinfang.org.models import Membership

    other = get_user_model().objects.create(username="second_handler")
    Membership.objects.create(user=other, unit=org.units["DH-ZJ"], role=Role.HANDLER)
    p = build("in_handling", register, act)
    assert_refused(lambda: act(other, p, "note", text="不是我的件"), p, "illegal_transition")
    assert_refused(lambda: act(other, p, "draft_reply", **REPLY), p, "illegal_transition")
    assert act("demo_handler", p, "note", text="我的件").status == Status.IN_HANDLING


def test_an_action_grant_widens_the_roles(register, act):
    p, _ = register()
    assert_refused(lambda: act("demo_clerk", p, "accept"), p, "illegal_transition")
    ActionGrant.objects.create(action="accept", role="clerk")
    assert "accept" in allowed_actions(user("demo_clerk"), fresh(p))
    p = act("demo_clerk", p, "accept")
    assert (p.status, p.handling_unit.code) == (Status.ACCEPTED, "DH-XF")


# ---- input validation of the moves ---------------------------------------------------------------------

@pytest.mark.parametrize(("action", "params", "field"), [
    ("forward", {}, "unit"),
    ("forward", {"unit": "NOPE"}, "unit"),
    ("forward", {"unit": "DH-XF"}, "unit"),  # its own unit: accept instead
    ("assign", {"unit": "DH-ZJ", "report_due": "2026-13-01"}, "report_due"),
    ("divert", {"target": "nowhere", "reason": "x"}, "target"),
    ("divert", {"target": "discipline"}, "reason"),
    ("archive", {}, "note"),
    ("reject", {"reason": ""}, "reason"),
    ("merge", {}, "into"),
    ("merge", {"into": "DH-XF-2026-999999"}, "into"),
    ("evaluate", {"level": "great"}, "level"),
    ("evaluate", {"level": "dissatisfied"}, "reason"),
])
def test_invalid_input_is_refused(register, act, action, params, field):
    p = build("replied", register, act) if action == "evaluate" else register()[0]
    actor = "demo_clerk" if action == "evaluate" else "demo_dispatcher"
    err = assert_refused(lambda: act(actor, p, action, **params), p, "invalid", field)
    assert err.status == 422


@pytest.mark.parametrize(("params", "field"), [
    ({"outcome": "maybe", "text": "x", "basis": "y"}, "outcome"),
    ({"outcome": "support", "basis": "y"}, "text"),
    ({"outcome": "support", "text": "x"}, "basis"),
])
def test_a_reply_needs_outcome_text_and_basis(register, act, params, field):
    p = build("in_handling", register, act)
    assert_refused(lambda: act("demo_handler", p, "draft_reply", **params), p, "invalid", field)


def test_assign_handler_must_name_a_handler_of_the_unit(register, act):
    p = build("accepted", register, act)
    assert_refused(lambda: act("demo_leader", p, "assign_handler", handler="demo_leader"), p, "invalid", "handler")
    assert_refused(lambda: act("demo_leader", p, "assign_handler", handler="demo_handler2"), p, "invalid",
                   "handler")
    assert_refused(lambda: act("demo_leader", p, "assign_handler"), p, "invalid", "handler")


def test_review_unit_must_be_above_the_handling_unit(register, act):
    p = build("replied", register, act)
    assert_refused(lambda: act("demo_clerk", p, "request_review", unit="DH-ZJ"), p, "invalid", "unit")
    assert_refused(lambda: act("demo_clerk", p, "request_review", unit="SF"), p, "invalid", "unit")
    p = act("demo_clerk", p, "request_review", unit="SF-ZJ")  # the stated 上级主管机关
    assert p.review_unit.code == "SF-ZJ"


# ---- accusations never reach the accused ---------------------------------------------------------------

@pytest.mark.parametrize("action", ["forward", "assign"])
def test_an_accusation_cannot_be_routed_to_the_accused_unit(register, act, action):
    p, _ = register(nature="accusation", accused_unit="DH-ZJ", accused_person="某科长",
                    title="检举住建局工作人员违规收受好处")
    err = assert_refused(lambda: act("demo_dispatcher", p, action, unit="DH-ZJ"), p, "forbidden_route", "unit")
    assert err.status == 409
    p = act("demo_dispatcher", p, action, unit="DH-JW")
    assert (p.status, p.handling_unit.code) == (Status.ROUTED, "DH-JW")
    assert not PetitionAccess.objects.filter(petition=p, unit__code="DH-ZJ").exists()


def test_an_accusation_against_a_government_cannot_go_to_its_departments(register, act):
    p, _ = register(nature="accusation", accused_unit="DH", title="检举区政府违规决策")
    assert_refused(lambda: act("demo_dispatcher", p, "forward", unit="DH-ZJ"), p, "forbidden_route", "unit")
    assert_refused(lambda: act("demo_dispatcher", p, "forward", unit="DH"), p, "forbidden_route", "unit")
    p = act("demo_dispatcher", p, "forward", unit="SF-JW")
    assert p.handling_unit.code == "SF-JW"


def test_an_appeal_naming_a_unit_may_go_to_it(register, act):
    p, _ = register(nature="appeal", accused_unit="DH-ZJ")
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    assert p.handling_unit.code == "DH-ZJ"


# ---- 不再受理 -----------------------------------------------------------------------------------------

def test_a_repeat_of_a_final_petition_cannot_be_accepted_but_refused_again(register, act):
    first = build("final", register, act)
    p, _ = register(repeat_of=first, title="再次反映物业违规收费")
    assert p.is_first is False
    err = assert_refused(lambda: act("demo_dispatcher", p, "accept"), p, "illegal_transition")
    assert first.number in err.message
    # not after routing either
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    assert_refused(lambda: act("demo_dept_dispatcher", p, "accept", handler="demo_handler"), p,
                   "illegal_transition")
    p = act("demo_dept_dispatcher", p, "refuse_again", reason="已复核终结")
    assert (p.status, p.closed_at) == (Status.REJECTED, NOW)
    event = PetitionEvent.objects.filter(petition=p).last()
    assert (event.action, event.note, event.data["final_petition"]) == ("refuse_again", "已复核终结", first.number)
    assert not Deadline.objects.filter(petition=p, met_at__isnull=True, cancelled=False).exists()
    # a repeat of the repeat still leads back to the final one
    third, _ = register(repeat_of=p, title="第三次反映")
    third = act("demo_dispatcher", third, "refuse_again")
    assert third.status == Status.REJECTED
    assert PetitionEvent.objects.filter(petition=third).last().data["final_petition"] == first.number


def test_refuse_again_on_a_fresh_petition_is_refused(register, act):
    p, _ = register()
    err = assert_refused(lambda: act("demo_dispatcher", p, "refuse_again"), p, "illegal_transition")
    assert "复核终结" in err.message


def test_a_repeat_of_an_open_petition_is_accepted_normally(register, act):
    first = build("replied", register, act)
    p, _ = register(repeat_of=first)
    assert_refused(lambda: act("demo_dispatcher", p, "refuse_again"), p, "illegal_transition")
    assert act("demo_dispatcher", p, "accept").status == Status.ACCEPTED


# ---- merge and evaluate --------------------------------------------------------------------------------

def test_merge_links_the_surviving_petition(register, act):
    survivor, _ = register()
    p, _ = register(title="同一事项的重复来信", channel="letter")
    p = act("demo_dispatcher", p, "merge", into=survivor.number, note="同一事项")
    assert (p.status, p.merged_into_id, p.closed_at) == (Status.MERGED, survivor.pk, NOW)
    assert list(fresh(survivor).merged.all()) == [p]
    assert not Deadline.objects.filter(petition=p, met_at__isnull=True, cancelled=False).exists()
    assert (p.due_kind, p.due_on) == ("", None)
    event = PetitionEvent.objects.filter(petition=p).last()
    assert (event.data["into"], event.note) == (survivor.number, "同一事项")
    survivor = fresh(survivor)
    assert (survivor.status, survivor.version) == (Status.REGISTERED, 1)


def test_merge_by_id_works_too(register, act):
    survivor, _ = register()
    p, _ = register(title="另一件")
    p = act("demo_dispatcher", p, "merge", into=str(survivor.pk))
    assert p.merged_into_id == survivor.pk


def test_merge_refusals(register, act):
    p, _ = register()
    assert_refused(lambda: act("demo_dispatcher", p, "merge", into=p.number), p, "invalid", "into")
    closed = build("closed", register, act)
    assert_refused(lambda: act("demo_dispatcher", p, "merge", into=closed.number), p, "invalid", "into")
    other_district, _ = register(actor=user("demo_clerk2"))
    assert_refused(lambda: act("demo_dispatcher", p, "merge", into=other_district.number), p, "invalid", "into")


def test_evaluate_records_an_evaluation(register, act):
    p = build("replied", register, act)
    version = p.version
    p = act("demo_clerk", p, "evaluate", level="basically")
    assert (p.status, p.version) == (Status.REPLIED, version + 1)
    # once per stage
    assert_refused(lambda: act("demo_clerk", p, "evaluate", level="dissatisfied", reason="退费金额不足"), p,
                   "illegal_transition")
    rows = list(Evaluation.objects.filter(petition=p).order_by("id").values_list("level", "reason", "source"))
    assert rows == [("basically", "", "callback")]
    event = PetitionEvent.objects.filter(petition=p).last()
    assert (event.action, event.from_status, event.to_status, event.data["level"]) == (
        "evaluate", Status.REPLIED, Status.REPLIED, "basically")


def test_a_citizen_may_evaluate_and_request_review_but_nothing_else(register, act):
    p = build("replied", register, act)
    assert_refused(lambda: petition_act(actor=None, petition_id=p.pk, action="close", version=p.version,
                                        citizen=True), p, "illegal_transition")
    p = petition_act(actor=None, petition_id=p.pk, action="evaluate", version=p.version,
                     params={"level": "satisfied"}, citizen=True)
    ev = Evaluation.objects.get(petition=p)
    assert (ev.source, ev.by) == ("citizen", None)
    p = petition_act(actor=None, petition_id=p.pk, action="request_review", version=p.version, citizen=True)
    assert (p.status, p.review_unit.code) == (Status.UNDER_REVIEW, "DH")
    assert PetitionEvent.objects.filter(petition=p).last().actor is None


# ---- fast track --------------------------------------------------------------------------------------

def test_fast_track_only_for_first_time_items(register, act):
    earlier = build("replied", register, act)
    p, _ = register(repeat_of=earlier)
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "accept")
    err = assert_refused(lambda: act("demo_handler", p, "fast_track", **REPLY), p, "illegal_transition")
    assert "初信初访" in err.message


@pytest.mark.parametrize(("today", "ok"), [
    ("2026-02-13", True),
    ("2026-03-04", True),  # the 10th working day: 13, 14, 24, 25, 26, 27, 28, 03-02, 03, 04
    ("2026-03-05", False),
])
def test_fast_track_within_10_working_days(register, act, clock, today, ok):
    clock.move_to(at("2026-02-12"))
    p = build("accepted", register, act)
    clock.move_to(at(today, 16))
    if ok:
        p = act("demo_handler", p, "fast_track", **REPLY)
        assert (p.status, p.replied_at) == (Status.REPLIED, at(today, 16))
        assert Reply.objects.get(petition=p).kind == "fast_track"
    else:
        err = assert_refused(lambda: act("demo_handler", p, "fast_track", **REPLY), p, "illegal_transition")
        assert "10个工作日" in err.message


# ---- recusal -------------------------------------------------------------------------------------------

def test_recusal_by_name_on_assign_handler(register, act):
    assert StaffProfile.objects.get(user__username="demo_handler").full_name == "东承办"
    p, _ = register(accused_person="东承办", title="反映住建局承办人员推诿")
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "accept")
    err = assert_refused(lambda: act("demo_leader", p, "assign_handler", handler="demo_handler"), p, "conflict",
                         "handler")
    assert "回避" in err.message


def test_recusal_on_accept_with_a_handler_leaves_nothing_behind(register, act):
    p, _ = register(accused_person="东承办")
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    assert_refused(lambda: act("demo_dept_dispatcher", p, "accept", handler="demo_handler"), p, "conflict",
                   "handler")
    assert fresh(p).accepted_at is None
    assert not Deadline.objects.filter(petition=p, kind="handle").exists()


def test_recusal_by_identity_of_the_petitioner(register, act):
    profile = StaffProfile.objects.get(user__username="demo_handler")
    profile.id_number_index = crypto.blind_index(VALID_ID, "id")
    profile.save()
    p = build("accepted", register, act)
    assert_refused(lambda: act("demo_leader", p, "assign_handler", handler="demo_handler"), p, "conflict",
                   "handler")


def test_no_recusal_for_someone_else(register, act):
    p, _ = register(accused_person="某科长")
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    assert (p.status, p.handler.username) == (Status.IN_HANDLING, "demo_handler")


# ---- reply approval switched off --------------------------------------------------------------------

def test_without_reply_approval_a_draft_is_the_reply(register, act, settings):
    settings.XINFANG = {**settings.XINFANG, "REPLY_APPROVAL": False}
    p = build("in_handling", register, act)
    p = act("demo_handler", p, "draft_reply", **REPLY, delivered=True)
    assert (p.status, p.replied_at) == (Status.REPLIED, NOW)
    reply = Reply.objects.get(petition=p)
    assert (reply.approved_by.username, reply.approved_at) == ("demo_handler", NOW)
    assert Deadline.objects.get(petition=p, kind="review_request").due == dt.date(2026, 4, 1)
    assert Deadline.objects.get(petition=p, kind="handle").met_at == NOW
    assert p.due_kind == "review_request"
    event = PetitionEvent.objects.filter(petition=p).last()
    assert (event.from_status, event.to_status) == (Status.IN_HANDLING, Status.REPLIED)
    assert_refused(lambda: act("demo_leader", p, "approve_reply"), p, "illegal_transition")


def test_with_reply_approval_a_review_answer_needs_a_leader(register, act, org):
    from xinfang.org.choices import Role
    from xinfang.org.models import Membership

    staff = get_user_model().objects.create(username="review_handler")
    Membership.objects.create(user=staff, unit=org.units["DH"], role=Role.HANDLER)
    p = build("under_review", register, act)
    err = assert_refused(lambda: act(staff, p, "answer_review", **REPLY), p, "illegal_transition")
    assert "领导" in err.message
