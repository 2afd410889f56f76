"""/api/v1 routes of 矛盾纠纷排查: the risk ledger (`GET /risks`, scoped to the caller's units and below,
filters status/level/unit/due) and informant reports (`POST /informant-reports` by a 信息员; an urgent one
notifies the leaders of the informant's town and district at once; `GET /informant-reports`: an
informant their own, staff those of their jurisdiction). Errors use the one error shape."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

try:
    from ninja import Status
except ImportError:  # django-ninja < 1.6 takes a (status, body) tuple
    def Status(status, body):  # noqa: N802
        return status, body

from xinfang.oversight.screening import selectors, services

from ..schemas import Ref, Text

router = Router(tags=["screening"])


class RiskFilters(Schema):
    status: Literal["", "active", "open", "controlled", "resolved", "dropped"] = ""
    level: Literal["", "low", "medium", "high", "major"] = ""
    unit: Text = Field("", max_length=32, description="单位代码：该单位及下级")
    due_before: dt.date | None = None
    due_after: dt.date | None = None
    overdue: bool = False
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


class PersonOut(Schema):
    username: str
    name: str


class RiskOut(Schema):
    id: int
    title: str
    description: str
    region: Ref | None
    unit: Ref
    people_count: int
    people: str
    level: str
    level_label: str
    owner: PersonOut | None
    measures: str
    due: dt.date | None
    overdue: bool
    status: str
    status_label: str
    outcome: str
    source: str
    round: int | None
    petition: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class RiskPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[RiskOut]


class ReportIn(Schema):
    title: Text = Field(max_length=services.TITLE_MAX, description="标题")
    content: Text = Field(max_length=services.TEXT_MAX, description="情况")
    region: Text = Field("", max_length=32, description="发生地的行政区划代码（空为信息员所在地）")
    people_involved: Text = Field("", max_length=services.PEOPLE_MAX, description="涉及人员")
    urgent: bool = Field(False, description="紧急：有组织集体上访、扬言采取极端行为等")


class ReportOut(Schema):
    id: int
    title: str
    content: str
    region: Ref | None
    people_involved: str
    urgent: bool
    unit: Ref
    reporter: PersonOut
    created_at: dt.datetime
    status: str
    status_label: str
    risk: int | None
    petition: str | None
    alerted: int


class ReportFilters(Schema):
    status: Literal["", "new", "risk", "petition"] = ""
    urgent: bool | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


class ReportPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ReportOut]


def _ref(obj) -> dict | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def _person(user) -> dict | None:
    return {"username": user.username, "name": selectors.user_name(user)} if user is not None else None


def _risk(r, today: dt.date) -> dict:
    return {"id": r.pk, "title": r.title, "description": r.description, "region": _ref(r.region),
            "unit": _ref(r.unit), "people_count": r.people_count, "people": r.people, "level": r.level,
            "level_label": str(r.get_level_display()), "owner": _person(r.owner), "measures": r.measures,
            "due": r.due, "overdue": bool(r.is_open and r.due and r.due < today), "status": r.status,
            "status_label": str(r.get_status_display()), "outcome": r.outcome, "source": r.source,
            "round": r.round_id, "petition": r.petition.number if r.petition_id else None,
            "created_at": r.created_at, "updated_at": r.updated_at}


def _report(r) -> dict:
    return {"id": r.pk, "title": r.title, "content": r.content, "region": _ref(r.region),
            "people_involved": r.people_involved, "urgent": r.urgent, "unit": _ref(r.unit),
            "reporter": _person(r.reporter), "created_at": r.created_at, "status": r.status,
            "status_label": str(r.get_status_display()), "risk": r.risk_id,
            "petition": r.petition.number if r.petition_id else None, "alerted": r.alerts.count()}


@router.get("/risks", response=RiskPage, summary="矛盾纠纷排查台账")
def risks(request, filters: Query[RiskFilters]):
    from django.utils import timezone

    if not selectors.is_staff_reader(request.user):
        raise services.Forbidden(_("您没有查看矛盾纠纷台账的权限。"))
    qs = selectors.risks_filtered(request.user, status=filters.status, level=filters.level, unit=filters.unit,
                                  due_before=filters.due_before, due_after=filters.due_after,
                                  overdue=filters.overdue).order_by("due", "-id")
    page, size, today = filters.page, filters.page_size, timezone.localdate()
    return {"count": qs.count(), "page": page, "page_size": size,
            "results": [_risk(r, today) for r in qs[(page - 1) * size: page * size]]}


@router.post("/informant-reports", response={201: ReportOut}, summary="信息员报告")
def report_create(request, payload: ReportIn):
    report = services.report_create(actor=request.user, title=payload.title, content=payload.content,
                                    region=payload.region, people_involved=payload.people_involved,
                                    urgent=payload.urgent)
    return Status(201, _report(selectors.report_get(request.user, report.pk)))


@router.get("/informant-reports", response=ReportPage, summary="信息员报告列表")
def report_list(request, filters: Query[ReportFilters]):
    if not selectors.is_staff_reader(request.user) and selectors.informant_unit(request.user) is None:
        raise services.Forbidden(_("您没有查看信息员报告的权限。"))
    qs = selectors.reports_visible(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.urgent is not None:
        qs = qs.filter(urgent=filters.urgent)
    page, size = filters.page, filters.page_size
    return {"count": qs.count(), "page": page, "page_size": size,
            "results": [_report(r) for r in qs[(page - 1) * size: page * size]]}
