"""/api/v1 routes of hot spots and early warning (DESIGN §7): `GET /hotspots` (from, to, top) ranks
the hot spots among the petitions visible to the caller; `GET /alerts` lists the alerts with at
least one petition visible to the caller, each with why it fired. Analysts, leaders and
administrators only; others get the 404 of anything out of reach (as the statistics). Errors use the
one error shape."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from xinfang.insight.hotspots import selectors

router = Router(tags=["insight"])


class HotspotFilters(Schema):
    date_from: dt.date | None = Field(None, alias="from", description="开始日期（含），默认结束日期前90天")
    date_to: dt.date | None = Field(None, alias="to", description="结束日期（含），默认今天")
    top: int = Field(20, ge=1, le=selectors.TOP_MAX, description="前N个热点")


class MemberOut(Schema):
    id: int
    number: str
    external_id: str
    title: str
    received_at: dt.datetime


class WeekOut(Schema):
    week: dt.date
    items: int


class HotspotOut(Schema):
    rank: int
    title: str
    score: float
    items: int
    person_times: int
    persons: int
    escalated: int
    support: int
    first_at: dt.datetime | None
    last_at: dt.datetime | None
    trend: list[WeekOut]
    members: list[MemberOut]


class HotspotsOut(Schema):
    date_from: dt.date
    date_to: dt.date
    results: list[HotspotOut]


@router.get("/hotspots", response=HotspotsOut, summary="热点问题",
            description="管辖范围内（本人可见的信访件）在期间内收到的热点问题，按热度排序；"
                        "每个热点含代表性标题、热度、件次、人次、信访人数、每周件次和相关信访件。"
                        "仅统计分析员、领导和管理员可用（否则404）。")
def hotspots(request, filters: Query[HotspotFilters]):
    selectors.require(request.user)
    (start, end), spots = selectors.hotspots_for(request.user, date_from=filters.date_from,
                                                 date_to=filters.date_to, top=filters.top)
    return {"date_from": start, "date_to": end, "results": [
        {**{k: getattr(s, k) for k in ("rank", "title", "score", "items", "person_times", "persons", "escalated",
                                       "support", "first_at", "last_at")},
         "trend": [{"week": w, "items": n} for w, n in s.trend],
         "members": [m.__dict__ for m in s.members]} for s in spots]}


class AlertFilters(Schema):
    state: Literal["", "open", "acknowledged"] = ""
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


class AlertOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    why: str
    fired_at: dt.datetime
    week: dt.date
    count: int
    baseline: float | None
    p_value: float | None
    members: list[MemberOut]
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None


class AlertPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AlertOut]


@router.get("/alerts", response=AlertPage, summary="预警",
            description="本人管辖范围内的预警（热点、属地或分类异常上升，集体访，多人同事），新的在前，每条说明触发原因；"
                        "members 只含本人可见的信访件。仅统计分析员、领导和管理员可用（否则404）。")
def alerts(request, filters: Query[AlertFilters]):
    selectors.require(request.user)
    qs = selectors.alerts_filtered(request.user, state=filters.state)
    total = qs.count()
    offset = (filters.page - 1) * filters.page_size
    rows = list(qs[offset:offset + filters.page_size])
    return {"count": total, "page": filters.page, "page_size": filters.page_size, "results": [
        {"id": a.pk, "kind": a.kind, "kind_label": a.get_kind_display(), "title": a.title, "why": a.why,
         "fired_at": a.fired_at, "week": a.week, "count": a.count, "baseline": a.baseline, "p_value": a.p_value,
         "members": [m.__dict__ for m in selectors.alert_members(request.user, a)],
         "acknowledged_at": a.acknowledged_at,
         "acknowledged_by": a.acknowledged_by.username if a.acknowledged_by else None} for a in rows]}
