"""/api/v1 督办 (supervision orders) and 领导批示 (instructions): lists and details in the caller's
jurisdiction (404 outside it), the target unit's reports, the issuer's decision (销号 / 退回), the
leader's closing. Issuing goes through POST /petitions/{id}/actions/supervise and .../instruct."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Query, Router, Schema
from pydantic import Field

from xinfang.oversight.supervision import selectors, services
from xinfang.petitions.selectors import petition_texts

from ..schemas import MAX_ID, Text

router = Router(tags=["supervision"])

OrderId = Annotated[int, Field(ge=1, le=MAX_ID)]


class UserRef(Schema):
    username: str
    name: str


class UnitRef(Schema):
    code: str
    name: str


class SupervisionReportOut(Schema):
    id: int
    kind: str
    kind_label: str
    text: str
    by: UserRef
    unit: UnitRef
    at: dt.datetime
    decision: str
    decision_note: str
    decided_by: UserRef | None
    decided_at: dt.datetime | None


class SupervisionOut(Schema):
    id: int
    petition: int
    petition_number: str
    petition_title: str
    issued_by: UserRef
    issuing_unit: UnitRef
    target_unit: UnitRef
    requirement: str
    issued_at: dt.datetime
    due_on: dt.date
    listed: bool
    status: str
    status_label: str
    overdue: bool
    closed_at: dt.datetime | None
    reports: list[SupervisionReportOut]


class InstructionReportOut(Schema):
    id: int
    text: str
    by: UserRef
    unit: UnitRef
    at: dt.datetime


class InstructionOut(Schema):
    id: int
    petition: int
    petition_number: str
    petition_title: str
    leader: UserRef
    unit: UnitRef
    target_unit: UnitRef
    text: str
    issued_at: dt.datetime
    due_on: dt.date | None
    status: str
    status_label: str
    overdue: bool
    closed_at: dt.datetime | None
    close_note: str
    reports: list[InstructionReportOut]


class SupervisionPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[SupervisionOut]


class InstructionPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[InstructionOut]


class SupervisionFilters(Schema):
    status: Literal["open", "progress", "reported", "returned", "accepted", "waiting", "overdue", ""] = ""
    listed: bool | None = None
    unit: Text = Field("", max_length=64, description="督办对象单位代码")
    mine: Literal["", "todo", "decide"] = Field("", description="todo：本单位待反馈；decide：待我审核")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


class InstructionFilters(Schema):
    status: Literal["open", "reported", "closed", ""] = ""
    mine: Literal["", "leader", "todo"] = Field("", description="leader：我的批示；todo：本单位待反馈")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


class ReportIn(Schema):
    kind: Literal["progress", "result"] = Field(description="progress 进展报告 / result 结果报告")
    text: Text = Field(max_length=5000, description="报告内容")


class NoteIn(Schema):
    note: Text = Field("", max_length=5000, description="意见")


class ReturnIn(Schema):
    note: Text = Field(max_length=5000, description="退回意见")


class CloseIn(Schema):
    note: Text = Field(max_length=5000, description="办结意见")


class TextIn(Schema):
    text: Text = Field(max_length=5000, description="反馈内容")


def _user(u) -> dict | None:
    if u is None:
        return None
    return {"username": u.username, "name": f"{u.last_name}{u.first_name}" or u.username}


def _unit(u) -> dict:
    return {"code": u.code, "name": u.name}


def _supervision(s, user, texts=None) -> dict:
    t = texts or petition_texts(user, s.petition)
    return {
        "id": s.pk, "petition": s.petition_id, "petition_number": s.petition.number, "petition_title": t.title,
        "issued_by": _user(s.issued_by), "issuing_unit": _unit(s.issuing_unit), "target_unit": _unit(s.target_unit),
        "requirement": t.mask(s.requirement), "issued_at": s.issued_at, "due_on": s.due_on, "listed": s.listed,
        "status": s.status, "status_label": str(s.get_status_display()), "overdue": selectors.is_overdue(s),
        "closed_at": s.closed_at,
        "reports": [{"id": r.pk, "kind": r.kind, "kind_label": str(r.get_kind_display()), "text": t.mask(r.text),
                     "by": _user(r.by), "unit": _unit(r.unit), "at": r.at, "decision": r.decision,
                     "decision_note": t.mask(r.decision_note), "decided_by": _user(r.decided_by),
                     "decided_at": r.decided_at} for r in s.reports.all()],
    }


def _instruction(i, user) -> dict:
    t = petition_texts(user, i.petition)
    return {
        "id": i.pk, "petition": i.petition_id, "petition_number": i.petition.number, "petition_title": t.title,
        "leader": _user(i.leader), "unit": _unit(i.unit), "target_unit": _unit(i.target_unit), "text": t.mask(i.text),
        "issued_at": i.issued_at, "due_on": i.due_on, "status": i.status, "status_label": str(i.get_status_display()),
        "overdue": selectors.is_overdue(i), "closed_at": i.closed_at, "close_note": t.mask(i.close_note),
        "reports": [{"id": r.pk, "text": t.mask(r.text), "by": _user(r.by), "unit": _unit(r.unit), "at": r.at}
                    for r in i.reports.all()],
    }


def _paged(qs, f, item) -> dict:
    start = (f.page - 1) * f.page_size
    return {"count": qs.count(), "page": f.page, "page_size": f.page_size,
            "results": [item(o) for o in qs[start:start + f.page_size]]}


@router.get("/supervisions", response=SupervisionPage, summary="督办件列表")
def supervisions(request, filters: Query[SupervisionFilters]):
    user = request.user
    if filters.mine == "todo":
        qs = selectors.supervisions_todo(user)
    elif filters.mine == "decide":
        qs = selectors.supervisions_to_decide(user)
    else:
        qs = selectors.supervisions_visible(user)
    qs = selectors.supervisions_filter(user, status=filters.status, listed=filters.listed, unit=filters.unit) \
        .filter(pk__in=qs.values("pk")).prefetch_related("reports", "reports__by", "reports__unit",
                                                         "reports__decided_by")
    return _paged(qs, filters, lambda s: _supervision(s, user))


def _get_supervision(request, supervision_id):
    return selectors.supervision_get(request.user, supervision_id)


@router.get("/supervisions/{supervision_id}", response=SupervisionOut, summary="督办件详情")
def supervision(request, supervision_id: OrderId):
    return _supervision(_get_supervision(request, supervision_id), request.user)


@router.post("/supervisions/{supervision_id}/report", response=SupervisionOut, summary="报告督办办理情况")
def supervision_report(request, supervision_id: OrderId, payload: ReportIn):
    _get_supervision(request, supervision_id)
    services.supervision_report(actor=request.user, supervision=supervision_id, kind=payload.kind, text=payload.text)
    return _supervision(_get_supervision(request, supervision_id), request.user)


@router.post("/supervisions/{supervision_id}/accept", response=SupervisionOut, summary="督办销号")
def supervision_accept(request, supervision_id: OrderId, payload: NoteIn):
    _get_supervision(request, supervision_id)
    services.supervision_accept(actor=request.user, supervision=supervision_id,
                                note=payload.note)
    return _supervision(_get_supervision(request, supervision_id), request.user)


@router.post("/supervisions/{supervision_id}/return", response=SupervisionOut, summary="退回督办反馈")
def supervision_return(request, supervision_id: OrderId, payload: ReturnIn):
    _get_supervision(request, supervision_id)
    services.supervision_return(actor=request.user, supervision=supervision_id, note=payload.note)
    return _supervision(_get_supervision(request, supervision_id), request.user)


@router.get("/instructions", response=InstructionPage, summary="批示件列表")
def instructions(request, filters: Query[InstructionFilters]):
    user = request.user
    if filters.mine == "todo":
        qs = selectors.instructions_todo(user)
    else:
        qs = selectors.instructions_filter(user, mine=filters.mine == "leader")
    if filters.status:
        qs = qs.filter(status=filters.status)
    return _paged(qs.prefetch_related("reports", "reports__by", "reports__unit"), filters,
                  lambda i: _instruction(i, user))


@router.post("/instructions/{instruction_id}/report", response=InstructionOut, summary="反馈批示办理情况")
def instruction_report(request, instruction_id: OrderId, payload: TextIn):
    selectors.instruction_get(request.user, instruction_id)
    services.instruction_report(actor=request.user, instruction=instruction_id, text=payload.text)
    return _instruction(selectors.instruction_get(request.user, instruction_id), request.user)


@router.post("/instructions/{instruction_id}/close", response=InstructionOut, summary="办结批示件")
def instruction_close(request, instruction_id: OrderId, payload: CloseIn):
    selectors.instruction_get(request.user, instruction_id)
    services.instruction_close(actor=request.user, instruction=instruction_id, note=payload.note)
    return _instruction(selectors.instruction_get(request.user, instruction_id), request.user)
