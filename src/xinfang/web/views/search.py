"""查询 (search): text and filters over the user's jurisdiction, saved filters, xlsx export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xinfang.common.errors import ApplicationError, NotFound
from xinfang.common.replica import replica_reads
from xinfang.petitions.filters import PetitionFilter, petitions_search, petitions_search_ordered
from xinfang.petitions.selectors import petitions_page, without_masked_matches
from xinfang.reports.exports import petitions_xlsx

from ..saved_filters import saved_filter_delete, saved_filter_save, saved_filters_of
from ..search_forms import SavedFilterForm, SearchForm, search_params
from .common import PAGE_SIZE, SORTS, xlsx_download


def paged_context(request, qs, *, default_sort: str = "-received_at", per_page: int | None = None, q: str = "",
                  ordered_qs=None, count_qs=None) -> dict:
    """`common.table_context` for long lists: only the page's rows are read and the count stops at
    `selectors.COUNT_CAP` (then "超过 N 件"). `ordered_qs(sort)`, when given, is the queryset to page
    in that order (a shape the database serves best for it); `count_qs` the same rows for the count."""
    sort = request.GET.get("sort") or default_sort
    if sort not in SORTS:
        sort = default_sort
    rows = ordered_qs(sort) if ordered_qs is not None else qs.order_by(sort, "-id")
    page = petitions_page(request.user, rows, number=request.GET.get("page"), per_page=per_page or PAGE_SIZE, q=q,
                          count_qs=count_qs if count_qs is not None else qs)
    keep = QueryDict(mutable=True)
    keep.update({k: v for k, v in request.GET.items() if k not in ("page", "sort")})
    base = keep.urlencode()
    base = base + "&" if base else ""
    return {"page": page, "sort": sort, "sort_qs": base, "page_qs": base + f"sort={sort}&"}



@login_required
@require_GET
@replica_reads()
def search_view(request):
    params = search_params(request.GET)
    form = SearchForm(params or None, user=request.user)
    ctx = {"active": "search", "form": form, "params": params.urlencode(), "saved": saved_filters_of(request.user),
           "save_form": SavedFilterForm(initial={"query": params.urlencode()}), "criteria": []}
    if form.is_bound and not form.is_valid():
        ctx["invalid"] = True
        return render(request, "web/search/search.html", ctx)
    # without criteria: everything the user may see, newest first
    flt = form.to_filter() if form.is_bound else PetitionFilter()
    # titles are masked per row by the table (petition_texts); a hidden accuser is not found by what is
    # masked (petitions_page drops those rows, as without_masked_matches does)
    ctx.update(paged_context(request, petitions_search(request.user, flt), q=flt.q,
                             ordered_qs=lambda sort: petitions_search_ordered(request.user, flt, sort)))
    if form.is_bound:
        ctx["criteria"] = form.criteria()
    return render(request, "web/search/search.html", ctx)


@login_required
@require_GET
@replica_reads()
def search_export_view(request):
    form = SearchForm(search_params(request.GET), user=request.user)
    if not form.is_valid():
        messages.error(request, _("查询条件有误，未导出。"))
        return redirect(reverse("web:search") + "?" + search_params(request.GET).urlencode())
    flt = form.to_filter()
    sort = request.GET.get("sort")
    qs = without_masked_matches(request.user, petitions_search(request.user, flt), flt.q)
    if sort in SORTS:
        qs = qs.order_by(sort, "-id")
    title = _("信访件查询结果")
    return xlsx_download(request, petitions_xlsx(request.user, qs, criteria=form.criteria(), title=title),
                         title=title, action="petition.export",
                         data={"query": search_params(request.GET).urlencode()[:1000]})


@login_required
@require_POST
def saved_filter_save_view(request):
    form = SavedFilterForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        try:
            saved = saved_filter_save(user=request.user, name=form.cleaned_data["name"], query=query)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存常用查询“%(name)s”。") % {"name": saved.name})
            return redirect(reverse("web:search") + "?" + saved.query)
    else:
        messages.error(request, _("请填写不超过64个字的名称。"))
    return redirect(reverse("web:search") + "?" + search_params(QueryDict(query)).urlencode())


@login_required
@require_POST
def saved_filter_delete_view(request, filter_id):
    try:
        saved_filter_delete(user=request.user, filter_id=filter_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("已删除常用查询。"))
    return redirect("web:search")

