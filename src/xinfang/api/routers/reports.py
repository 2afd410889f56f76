"""/api/v1/reports: statistics within the caller's jurisdiction."""

from ninja import Query, Router

from xinfang.reports.selectors import summary_counts

from ..schemas import SummaryFilters, SummaryOut
from .statistics import require_reports

router = Router(tags=["reports"])


@router.get("/reports/summary", response=SummaryOut, summary="信访总量统计")
def summary(request, filters: Query[SummaryFilters]):
    require_reports(request)
    s = summary_counts(request.user, date_from=filters.date_from, date_to=filters.date_to, unit_code=filters.unit)
    return {"date_from": s.date_from, "date_to": s.date_to,
            "unit": {"code": s.unit.code, "name": s.unit.name} if s.unit else None,
            "items": s.items, "visits": {"batches": s.batches, "person_times": s.person_times},
            "by_channel": s.by_channel, "by_status": s.by_status, "by_visit_kind": s.by_visit_kind}
