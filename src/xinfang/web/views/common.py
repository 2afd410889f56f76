"""Helpers shared by the workbench views: paging and sorting of petition tables, xlsx downloads."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import FileResponse, QueryDict
from django.utils import timezone

from xinfang.audit.services import audit_record
from xinfang.reports.exports import XLSX_CONTENT_TYPE

SORTS = {"number", "-number", "received_at", "-received_at", "due_on", "-due_on"}
PAGE_SIZE = 30
_NOT_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f\\/:*?"<>|]+')


def table_context(request, qs, *, default_sort: str = "-received_at", per_page: int = PAGE_SIZE) -> dict:
    sort = request.GET.get("sort") or default_sort
    if sort not in SORTS:
        sort = default_sort
    qs = qs.select_related("receiving_unit", "handling_unit").order_by(sort, "-id")
    page = Paginator(qs, per_page).get_page(request.GET.get("page"))
    keep = QueryDict(mutable=True)
    keep.update({k: v for k, v in request.GET.items() if k not in ("page", "sort")})
    base = keep.urlencode()
    base = base + "&" if base else ""
    return {"page": page, "sort": sort, "sort_qs": base, "page_qs": base + f"sort={sort}&"}


def export_requested(request) -> bool:
    """`?export=xlsx` on a list's own URL (or `export=xlsx` posted with a search form)."""
    data = request.POST if request.method == "POST" else request.GET
    return data.get("export") == "xlsx"


def xlsx_response(out, title: str) -> FileResponse:
    """The workbook `out` as a download named after `title` and the time (信访人-20260302-0930.xlsx):
    an ASCII `filename` for old clients and the Chinese name as RFC 5987 `filename*`."""
    stamp = timezone.localtime().strftime("-%Y%m%d-%H%M")
    name = (_NOT_IN_FILENAME.sub("", str(title)).strip() or "export")[:80] + stamp + ".xlsx"
    response = FileResponse(out, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (f'attachment; filename="export{stamp}.xlsx"; '
                                       f"filename*=UTF-8''{quote(name, safe='')}")
    return response


def xlsx_download(request, made, *, title: str, action: str = "table.export", data: dict | None = None) \
        -> FileResponse:
    """Audit an export made by `petitions_xlsx` / `table_xlsx` ((file, rows, truncated?)) and send it."""
    out, rows, truncated = made
    audit_record(actor=request.user, action=action, data={"rows": rows, "truncated": truncated, **(data or {})})
    return xlsx_response(out, title)
