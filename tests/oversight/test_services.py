"""包案 services: who may arrange, take, end and transfer; what a refusal leaves behind (nothing); the
timeline and audit records; the one-active-ownership rule; resolution through the real workflow."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.audit.models import AuditEntry
from xinfang.audit.services import audit_verify
from xinfang.common.errors import ApplicationError
from xinfang.oversight import services
from xinfang.oversight.models import Ownership
from xinfang.petitions.choices import Status
from xinfang.petitions.models import Petition
from xinfang.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db


def snapshot():
    return (Ownership.objects.count(), Ownership.objects.filter(ended_at__isnull=True).count(),
            PetitionEvent.objects.count(), AuditEntry.objects.count())


def refused(code, fn, **kwargs) -> ApplicationError:
    before = snapshot()
    with pytest.raises(ApplicationError) as info:
        fn(**kwargs)
    assert info.value.code == code, info.value.message
    assert snapshot() == before, "a refusal must change nothing"
    return info.value


# ---- assign ------------------------------------------------------------------------------------

def test_dispatcher_arranges_a_district_leader(routed, user):
    p = routed()
    own = services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader="demo_reviewer",
                                    note="一个月内约谈信访人")
    assert own.leader.username == "demo_reviewer" and own.unit.code == "DH"  # the district government
    assert own.assigned_by.username == "demo_dispatcher" and own.note == "一个月内约谈信访人"
    assert own.is_active and own.resolved_at is None and own.end_kind == ""
    event = PetitionEvent.objects.filter(petition=p).order_by("id").last()
    assert event.action == "own" and event.unit.code == "DH-XF" and event.note == "一个月内约谈信访人"
    assert event.data["leader"] == "demo_reviewer" and event.data["ownership"] == own.pk
    entry = AuditEntry.objects.order_by("seq").last()
    assert entry.action == "petition.own" and entry.object_id == str(p.pk) and entry.data["leader"] == "demo_reviewer"
    assert audit_verify().ok
    # the petition itself is untouched: ownership is an overlay, not a move
    assert Petition.objects.get(pk=p.pk).version == p.version


def test_a_leader_takes_a_case_themself(routed, register, user):
    p = routed()
    own = services.ownership_assign(actor=user("demo_leader"), petition=p.pk, leader=user("demo_leader"))
    assert own.unit.code == "DH-ZJ" and own.assigned_by.username == "demo_leader"
    # a petition that never reached 住建局 is outside the department leader's jurisdiction: not found
    q, _code = register()
    refused("not_found", services.ownership_assign, actor=user("demo_leader"), petition=q, leader="demo_leader")


def test_the_leader_may_be_named_by_id(routed, user):
    p = routed()
    own = services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader=user("demo_reviewer").pk)
    assert own.leader.username == "demo_reviewer"


def test_a_petition_already_owned_is_a_conflict(routed, user):
    p = routed()
    services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader="demo_reviewer")
    err = refused("conflict", services.ownership_assign, actor=user("demo_leader"), petition=p, leader="demo_leader")
    assert "东复查" in err.message and err.status == 409
    refused("conflict", services.ownership_assign, actor=user("demo_dispatcher"), petition=p, leader="demo_reviewer")


def test_the_database_allows_one_active_ownership(routed, user):
    p = routed()
    own = services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader="demo_reviewer")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ownership.objects.create(petition=p, leader=own.leader, unit=own.unit, assigned_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():  # ended without saying how
        Ownership.objects.create(petition=p, leader=own.leader, unit=own.unit, assigned_at=timezone.now(),
                                 ended_at=timezone.now())


@pytest.mark.parametrize("actor", ["demo_handler", "demo_clerk", "demo_supervisor", "demo_admin"])
def test_without_an_arranging_role_it_is_forbidden(routed, user, actor):
    p = routed()
    err = refused("forbidden", services.ownership_assign, actor=user(actor), petition=p, leader="demo_leader")
    assert err.status == 403


def test_outside_the_jurisdiction_it_is_not_found(routed, user):
    p = routed()
    for actor in ("demo_dispatcher2", "demo_leader2", "demo_handler2"):
        refused("not_found", services.ownership_assign, actor=user(actor), petition=p, leader="demo_leader")
    refused("not_found", services.ownership_assign, actor=user("demo_dispatcher"), petition=10**9,
            leader="demo_reviewer")
    refused("not_found", services.ownership_assign, actor=user("demo_dispatcher"), petition="x",
            leader="demo_reviewer")


@pytest.mark.parametrize("leader", ["demo_handler", "demo_clerk", "demo_leader2", "demo_reviewer2", "nobody",
                                    "demo_dispatcher"])
def test_the_owner_must_be_a_leader_of_a_unit_that_sees_the_petition(routed, user, leader):
    p = routed()
    err = refused("invalid", services.ownership_assign, actor=user("demo_dispatcher"), petition=p, leader=leader)
    assert err.field == "leader" and err.status == 422
    # an unknown account and an ineligible one get the same answer
    assert "不是可以包案该信访件的领导" in err.message


@pytest.mark.parametrize("leader", ["", "   ", None, True, "a\x00b", "x" * 151])
def test_a_missing_or_malformed_leader_is_invalid(routed, user, leader):
    p = routed()
    err = refused("invalid", services.ownership_assign, actor=user("demo_dispatcher"), petition=p, leader=leader)
    assert err.field == "leader"


def test_an_arranger_cannot_assign_a_leader_above_their_unit(routed, user):
    p = routed()
    # 住建局's dispatcher sees the petition, and so does the district government's leader, but the
    # department does not arrange the district's leaders
    err = refused("invalid", services.ownership_assign, actor=user("demo_dept_dispatcher"), petition=p,
                  leader="demo_reviewer")
    assert err.field == "leader" and "本单位或下级单位" in err.message
    own = services.ownership_assign(actor=user("demo_dept_dispatcher"), petition=p, leader="demo_leader")
    assert own.unit.code == "DH-ZJ"


def test_the_city_petition_bureau_arranges_the_city_leader_the_district_does_not(routed, user):
    p = routed()
    refused("invalid", services.ownership_assign, actor=user("demo_dispatcher"), petition=p,
            leader="demo_city_leader")
    own = services.ownership_assign(actor=user("demo_city_dispatcher"), petition=p, leader="demo_city_leader")
    assert own.unit.code == "SF"


def test_a_long_or_binary_note_is_invalid(routed, user):
    p = routed()
    err = refused("invalid", services.ownership_assign, actor=user("demo_dispatcher"), petition=p,
                  leader="demo_reviewer", note="要" * 2001)
    assert err.field == "note"
    refused("invalid", services.ownership_assign, actor=user("demo_dispatcher"), petition=p,
            leader="demo_reviewer", note="a\x00")
    refused("invalid", services.ownership_assign, actor=user("demo_dispatcher"), petition=p,
            leader="demo_reviewer", note=["not", "text"])


def test_merged_and_concluded_petitions_are_refused(register, act, user):
    target, _c = register(title="幸福小区停车收费（并入件）")
    p, _c = register()
    p = act("demo_dispatcher", p, "merge", into=target.number)
    err = refused("illegal_transition", services.ownership_assign, actor=user("demo_dispatcher"), petition=p,
                  leader="demo_reviewer")
    assert target.number in err.message
    q, _c = register()
    act("demo_dispatcher", q, "archive", note="咨询，已当场答复")
    err = refused("illegal_transition", services.ownership_assign, actor=user("demo_dispatcher"), petition=q,
                  leader="demo_reviewer")
    assert "已存档" in err.message


# ---- end and transfer --------------------------------------------------------------------------

def test_the_owner_releases_and_the_case_can_be_owned_again(routed, user):
    p = routed()
    own = services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader="demo_reviewer")
    err = refused("invalid", services.ownership_end, actor=user("demo_reviewer"), ownership=own, reason="  ")
    assert err.field == "reason"
    ended = services.ownership_end(actor=user("demo_reviewer"), ownership=own.pk, reason="工作调整")
    assert ended.ended_at is not None and ended.ended_by.username == "demo_reviewer"
    assert ended.end_kind == "released" and ended.end_reason == "工作调整"
    event = PetitionEvent.objects.filter(petition=p).order_by("id").last()
    assert event.action == "own_end" and event.note == "工作调整" and event.unit.code == "DH"
    assert AuditEntry.objects.order_by("seq").last().action == "petition.own_end"
    refused("conflict", services.ownership_end, actor=user("demo_reviewer"), ownership=own, reason="again")
    again = services.ownership_assign(actor=user("demo_leader"), petition=p, leader="demo_leader")
    assert Ownership.objects.filter(petition=p).count() == 2 and again.is_active
    assert audit_verify().ok


def test_who_may_end_an_ownership(routed, user):
    p = routed()
    own = services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader="demo_reviewer")
    for actor in ("demo_clerk", "demo_handler", "demo_dept_dispatcher", "demo_leader"):
        refused("forbidden", services.ownership_end, actor=user(actor), ownership=own, reason="越权")
    refused("not_found", services.ownership_end, actor=user("demo_dispatcher2"), ownership=own, reason="越权")
    refused("not_found", services.ownership_end, actor=user("demo_dispatcher"), ownership=10**9, reason="x")
    ended = services.ownership_end_current(actor=user("demo_dispatcher"), petition=p, reason="另行安排")
    assert ended.pk == own.pk and ended.ended_by.username == "demo_dispatcher"
    refused("conflict", services.ownership_end_current, actor=user("demo_dispatcher"), petition=p, reason="无")


def test_transfer_ends_the_old_ownership_and_starts_a_new_one(routed, user):
    p = routed()
    old = services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader="demo_leader")
    refused("forbidden", services.ownership_transfer, actor=user("demo_handler"), ownership=old,
            leader="demo_reviewer", reason="交接")
    # the department's leader cannot hand the case up to the district government's leader
    err = refused("invalid", services.ownership_transfer, actor=user("demo_leader"), ownership=old,
                  leader="demo_reviewer", reason="交接")
    assert err.field == "leader"
    refused("invalid", services.ownership_transfer, actor=user("demo_dispatcher"), ownership=old,
            leader="demo_leader", reason="同一人")
    refused("invalid", services.ownership_transfer, actor=user("demo_dispatcher"), ownership=old,
            leader="demo_reviewer", reason="")
    new = services.ownership_transfer(actor=user("demo_dispatcher"), ownership=old, leader="demo_reviewer",
                                      reason="涉及多个部门，由区政府领导包案", note="两周内答复")
    old.refresh_from_db()
    assert old.end_kind == "transferred" and old.end_reason == "涉及多个部门，由区政府领导包案"
    assert old.ended_by.username == "demo_dispatcher"
    assert new.is_active and new.leader.username == "demo_reviewer" and new.unit.code == "DH"
    assert new.note == "两周内答复" and old.ended_at == new.assigned_at
    event = PetitionEvent.objects.filter(petition=p).order_by("id").last()
    assert event.action == "own_transfer" and event.data["previous_leader"] == "demo_leader"
    assert AuditEntry.objects.order_by("seq").last().action == "petition.own_transfer"
    assert Ownership.objects.filter(petition=p, ended_at__isnull=True).count() == 1
    # the district leader (an arranger above the department) hands it back
    again = services.ownership_transfer_current(actor=user("demo_reviewer"), petition=p, leader="demo_leader",
                                                reason="已明确责任部门")
    assert again.leader.username == "demo_leader" and Ownership.objects.filter(petition=p).count() == 3
    assert audit_verify().ok


# ---- resolution through the real workflow ------------------------------------------------------

def test_closing_an_owned_petition_resolves_the_ownership(routed, walk, act, user):
    p = routed()
    own = services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader="demo_reviewer")
    p = walk(p, "replied")
    own.refresh_from_db()
    assert p.status == Status.REPLIED and own.resolved_at is None  # answered is not yet resolved
    p = act("demo_dept_dispatcher", p, "close", note="已落实，信访人书面表示满意。", waiver=True)
    own.refresh_from_db()
    assert p.status == Status.CLOSED and own.resolved_at == p.closed_at and own.is_active
    entry = AuditEntry.objects.filter(action="ownership.resolve").get()
    assert entry.object_id == str(own.pk) and entry.actor == "demo_dept_dispatcher"
    err = refused("conflict", services.ownership_end, actor=user("demo_reviewer"), ownership=own, reason="x")
    assert "已化解" in err.message
    assert audit_verify().ok


def test_the_automatic_close_resolves_too(routed, walk, user):
    import datetime as dt

    from xinfang.workflow.services import petitions_close_expired

    p = routed()
    own = services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader="demo_reviewer")
    walk(p, "replied")
    assert petitions_close_expired(timezone.localdate() + dt.timedelta(days=400)) == 1
    own.refresh_from_db()
    assert own.resolved_at is not None and Petition.objects.get(pk=p.pk).status == Status.CLOSED


def test_archiving_resolves_rejecting_does_not(register, act, user):
    p, _c = register()
    own = services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader="demo_reviewer")
    act("demo_dispatcher", p, "archive", note="咨询，已当场答复")
    own.refresh_from_db()
    assert own.resolved_at is not None
    q, _c = register()
    own = services.ownership_assign(actor=user("demo_dispatcher"), petition=q, leader="demo_reviewer")
    act("demo_dispatcher", q, "reject", reason="不属于信访事项")
    own.refresh_from_db()
    assert own.resolved_at is None and own.is_active
    # a rejected (not resolved) petition's ownership can still be released
    services.ownership_end(actor=user("demo_reviewer"), ownership=own, reason="不予受理，结束包案")


def test_final_after_rereview_is_not_resolved(routed, walk, act, user):
    p = routed()
    own = services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader="demo_reviewer")
    p = walk(p, "replied")
    p = act("demo_clerk", p, "request_review")
    p = act("demo_reviewer", p, "answer_review", outcome="explain", text="维持原意见", basis="《信访工作条例》")
    p = act("demo_clerk", p, "request_rereview")
    p = act("demo_city_leader", p, "answer_rereview", outcome="explain", text="维持", basis="《信访工作条例》")
    own.refresh_from_db()
    assert p.status == Status.FINAL and own.resolved_at is None and own.is_active


def test_merging_an_owned_petition_ends_its_ownership(register, act, user):
    target, _c = register(title="并入件")
    p, _c = register()
    own = services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader="demo_reviewer")
    act("demo_dispatcher", p, "merge", into=target.number)
    own.refresh_from_db()
    assert own.end_kind == "merged" and own.ended_at is not None and own.resolved_at is None
    assert own.ended_by.username == "demo_dispatcher"
    assert AuditEntry.objects.filter(action="ownership.end", object_id=str(own.pk)).exists()
    # the surviving petition can be owned
    services.ownership_assign(actor=user("demo_dispatcher"), petition=target, leader="demo_reviewer")
