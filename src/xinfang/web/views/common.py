"""Helpers shared by the workbench views: paging and sorting of petition tables."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import QueryDict

SORTS = {"number", "-number", "received_at", "-received_at", "due_on", "-due_on"}
PAGE_SIZE = 30


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
