"""/api/v1/reports: KPIs with 同比/环比 by any dimension, the petitions behind any figure, the bulletin
and the annual report, all within the caller's jurisdiction (the definitions are those of
`xinfang.reports.statistics`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError
from xinfang.common.http import attachment
from xinfang.common.replica import replica_reads
from xinfang.petitions.selectors import petition_texts
from xinfang.reports import bulletin, statistics
from xinfang.reports.access import may_see_reports

from ..schemas import Text

router = Router(tags=["reports"])


def require_reports(request) -> None:
    """The pages' rule (`reports.access.may_see_reports`): others get the 404 of anything out of reach."""
    if not may_see_reports(request.user):
        raise ApplicationError(_("不存在。"), "not_found")

GroupBy = Literal["unit", "region", "category", "channel", "visit_kind", "nature", "month"]


class Period(Schema):
    date_from: dt.date | None = Field(None, alias="from", description="开始日期（含），默认本年1月1日")
    date_to: dt.date | None = Field(None, alias="to", description="结束日期（含），默认今天；不超过今天")
    unit: Text | None = Field(None, max_length=64, description="只统计到达该单位（及下级）的信访件")


class KpiFilters(Period):
    group_by: GroupBy | None = Field(None, description="分组维度")


class DrillFilters(Period):
    dim: GroupBy | None = None
    key: Text | None = Field(None, max_length=64, description="分组值（KPI 接口返回的 rows[].key）")
    measure: Text = Field("items", max_length=40, description="指标分量，例如 items、acc_timely、rep_overdue")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class BulletinFilters(Period):
    format: Literal["json", "md", "docx", "xlsx"] = "json"


class AnnualFilters(Schema):
    year: int = Field(..., ge=1901, le=2999)
    unit: Text | None = Field(None, max_length=64)
    format: Literal["md", "docx"] = "md"


@router.get("/reports/kpis", summary="信访统计与考核指标（同比、环比，可分组）")
def kpis(request, filters: Query[KpiFilters]):
    with replica_reads():  # reports and search may read a replica (docs/deploy.md)
        require_reports(request)
        rep = statistics.kpi_report(request.user, date_from=filters.date_from, date_to=filters.date_to,
                                    unit_code=filters.unit, group_by=filters.group_by)
        return statistics.report_json(rep)


@router.get("/reports/kpis/petitions", summary="某项统计数字背后的信访件")
def kpi_petitions(request, filters: Query[DrillFilters]):
    with replica_reads():  # reports and search may read a replica (docs/deploy.md)
        require_reports(request)
        qs = statistics.drill(request.user, date_from=filters.date_from, date_to=filters.date_to,
                              unit_code=filters.unit, dim=filters.dim, key=filters.key, measure=filters.measure)
        total = qs.count()
        page = qs.select_related("receiving_unit", "handling_unit")[filters.offset:filters.offset + filters.limit]
        return {"count": total, "measure": filters.measure, "label": statistics.measure_label(filters.measure),
                "items": [{"id": p.pk, "number": p.number, "title": petition_texts(request.user, p).title,
                           "channel": p.channel,
                           "visit_kind": p.visit_kind, "headcount": p.headcount, "status": p.status,
                           "received_at": timezone.localtime(p.received_at).isoformat(timespec="seconds"),
                           "unit": (p.handling_unit or p.receiving_unit).code, "due_on": p.due_on}
                          for p in page]}


@router.get("/reports/bulletin", summary="信访情况通报（json、md、docx、xlsx）")
def bulletin_view(request, filters: Query[BulletinFilters]):
    with replica_reads():  # reports and search may read a replica (docs/deploy.md)
        require_reports(request)
        data = bulletin.bulletin_build(request.user, date_from=filters.date_from, date_to=filters.date_to,
                                       unit_code=filters.unit)
        if filters.format == "json":
            response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
        else:
            response = attachment(*bulletin.render(data, filters.format))
        audit_record(actor=request.user, action="report.download", data={
            "report": "bulletin", "format": filters.format, "date_from": filters.date_from, "date_to": filters.date_to,
            "unit_code": filters.unit, "via": "api"})
        return response


@router.get("/reports/annual", summary="年度信访工作情况报告（《信访工作条例》第四十一条）")
def annual_view(request, filters: Query[AnnualFilters]):
    with replica_reads():  # reports and search may read a replica (docs/deploy.md)
        require_reports(request)
        report = bulletin.annual_build(request.user, year=filters.year, unit_code=filters.unit)
        content = bulletin.render_annual(report, filters.format)
        audit_record(actor=request.user, action="report.download", data={
            "report": "annual", "format": filters.format, "year": filters.year, "unit_code": filters.unit, "via": "api"})
        return attachment(*content)
