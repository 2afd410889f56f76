"""/api/v1 包案 (leader case ownership): read a petition's ownership, arrange or take it, end it, transfer
it, and a leader's own list. All within the caller's jurisdiction (404 outside it); refusals use the one
error shape (403 forbidden role, 409 conflict / illegal_transition, 422 invalid input)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import BeforeValidator, Field

try:
    from ninja import Status
except ImportError:  # django-ninja < 1.6 takes a (status, body) tuple
    def Status(status, body):  # noqa: N802
        return status, body

from xinfang.common.errors import ApplicationError
from xinfang.oversight import selectors, services
from xinfang.petitions.selectors import petition_get, petition_texts

from ..schemas import PetitionId, Ref, Text

router = Router(tags=["oversight"])


def _int_as_text(value):
    """A leader may be given by id as a JSON number; it is looked up like a username of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


LeaderRef = Annotated[Text, BeforeValidator(_int_as_text), Field(min_length=1, max_length=150)]


class OwnershipIn(Schema):
    leader: LeaderRef = Field(description="包案领导：用户名或用户ID")
    note: Text = Field("", max_length=2000, description="包案要求")


class OwnershipEndIn(Schema):
    reason: Text = Field(max_length=2000, description="解除原因")


class OwnershipTransferIn(Schema):
    leader: LeaderRef = Field(description="接手的领导：用户名或用户ID")
    reason: Text = Field(max_length=2000, description="转交原因")
    note: Text = Field("", max_length=2000, description="包案要求")


class OwnershipPlanIn(Schema):
    plan: Text | None = Field(None, max_length=4000, description="包案方案；省略时不变")
    dues: dict[str, Text | None] = Field(default_factory=dict, description="阶段期限：{阶段代码: 年-月-日 或 null}")


class OwnershipStageIn(Schema):
    note: Text = Field(max_length=2000, description="推进说明")
    stage: Literal["transfer", "progress", "stabilize", "resolve"] | None = Field(
        None, description="当前阶段（防止重复提交）")


class StageOut(Schema):
    stage: str
    label: str
    due_date: dt.date | None
    entered_at: dt.datetime | None
    completed_at: dt.datetime | None
    note: str
    state: str
    overdue: bool


class UserRef(Schema):
    username: str
    name: str


class LeaderChoiceOut(UserRef):
    unit: Ref


class OwnershipOut(Schema):
    id: int
    petition: int
    petition_number: str
    petition_title: str
    petition_status: str
    petition_status_label: str
    leader: UserRef
    unit: Ref
    note: str
    assigned_by: UserRef | None
    assigned_at: dt.datetime
    active: bool
    ended_at: dt.datetime | None
    ended_by: UserRef | None
    end_kind: str
    end_kind_label: str
    end_reason: str
    resolved: bool
    resolved_at: dt.datetime | None
    plan: str
    stage: str
    stage_label: str
    stages: list[StageOut]


class OwnershipStateOut(Schema):
    active: OwnershipOut | None
    history: list[OwnershipOut]
    can_assign: bool
    can_end: bool
    can_transfer: bool
    leaders: list[LeaderChoiceOut]


class MineFilters(Schema):
    state: Literal["active", "resolved", "ended", "all"] = "active"
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


class OwnershipPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[OwnershipOut]


def _user(user) -> dict | None:
    if user is None:
        return None
    return {"username": user.username, "name": selectors.leader_name(user)}


def _item(o, user) -> dict:
    p = o.petition
    return {  # the title as `user` may see it: an accuser's identity masked outside the handling chain
        "id": o.pk, "petition": p.pk, "petition_number": p.number, "petition_title": petition_texts(user, p).title,
        "petition_status": p.status, "petition_status_label": str(p.get_status_display()),
        "leader": _user(o.leader), "unit": {"code": o.unit.code, "name": o.unit.name}, "note": o.note,
        "assigned_by": _user(o.assigned_by), "assigned_at": o.assigned_at, "active": o.ended_at is None,
        "ended_at": o.ended_at, "ended_by": _user(o.ended_by), "end_kind": o.end_kind,
        "end_kind_label": str(o.get_end_kind_display()) if o.end_kind else "", "end_reason": o.end_reason,
        "resolved": o.resolved_at is not None, "resolved_at": o.resolved_at,
        "plan": o.plan, "stage": o.stage, "stage_label": str(o.get_stage_display()),
        "stages": [{"stage": v.stage, "label": v.label, "due_date": v.due_date, "entered_at": v.entered_at,
                    "completed_at": v.completed_at, "note": v.note, "state": v.state, "overdue": v.overdue}
                   for v in selectors.ownership_stage_views(o)],
    }


def _state(user, petition_id) -> dict:
    petition = petition_get(user, petition_id)
    panel = selectors.ownership_panel(user, petition)
    return {
        "active": _item(panel.active, user) if panel.active else None,
        "history": [_item(o, user) for o in panel.history],
        "can_assign": panel.can_assign, "can_end": panel.can_end, "can_transfer": panel.can_transfer,
        "leaders": [{**_user(u), "unit": {"code": unit.code, "name": unit.name}} for u, unit in panel.leaders],
    }


@router.get("/petitions/{petition_id}/ownership", response=OwnershipStateOut, summary="包案情况")
def ownership(request, petition_id: PetitionId):
    return _state(request.user, petition_id)


@router.post("/petitions/{petition_id}/ownership", response={201: OwnershipOut}, summary="安排领导包案")
def assign(request, petition_id: PetitionId, payload: OwnershipIn):
    own = services.ownership_assign(actor=request.user, petition=petition_id, leader=payload.leader,
                                    note=payload.note)
    return Status(201, _item(selectors.ownership_get(request.user, own.pk), request.user))


@router.post("/petitions/{petition_id}/ownership/end", response=OwnershipOut, summary="解除包案")
def end(request, petition_id: PetitionId, payload: OwnershipEndIn):
    own = services.ownership_end_current(actor=request.user, petition=petition_id, reason=payload.reason)
    return _item(selectors.ownership_get(request.user, own.pk), request.user)


@router.post("/petitions/{petition_id}/ownership/transfer", response={201: OwnershipOut}, summary="转交包案")
def transfer(request, petition_id: PetitionId, payload: OwnershipTransferIn):
    own = services.ownership_transfer_current(actor=request.user, petition=petition_id, leader=payload.leader,
                                              reason=payload.reason, note=payload.note)
    return Status(201, _item(selectors.ownership_get(request.user, own.pk), request.user))


def _active_id(user, petition_id) -> int:
    own = selectors.ownership_active(user, petition_id)
    if own is None:
        raise ApplicationError(_("该信访件当前没有包案领导。"), "conflict")
    return own.pk


@router.post("/petitions/{petition_id}/ownership/plan", response=OwnershipOut, summary="包案方案与阶段期限")
def plan(request, petition_id: PetitionId, payload: OwnershipPlanIn):
    if payload.plan is None and not payload.dues:
        raise ApplicationError(_("请填写包案方案或阶段期限。"), "invalid", "plan")
    own = services.ownership_plan_set(actor=request.user, ownership=_active_id(request.user, petition_id),
                                      plan=payload.plan, dues=payload.dues)
    return _item(selectors.ownership_get(request.user, own.pk), request.user)


@router.post("/petitions/{petition_id}/ownership/stage", response=OwnershipOut, summary="推进包案阶段")
def stage(request, petition_id: PetitionId, payload: OwnershipStageIn):
    own = services.ownership_stage_advance(actor=request.user, ownership=_active_id(request.user, petition_id),
                                           note=payload.note, stage=payload.stage)
    return _item(selectors.ownership_get(request.user, own.pk), request.user)


@router.get("/me/ownerships", response=OwnershipPage, summary="我的包案")
def mine(request, filters: Query[MineFilters]):
    qs = selectors.ownerships_of_leader(request.user, state=filters.state)
    page, size = filters.page, filters.page_size
    return {"count": qs.count(), "page": page, "page_size": size,
            "results": [_item(o, request.user) for o in qs[(page - 1) * size: page * size]]}
