"""Helpers shared by the workbench views: paging and sorting of petition tables, xlsx downloads,
and the error pages (403, 404, 500) in the app's layout and the user's language."""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, QueryDict
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

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


# ---- error pages (handler403/404/500 in config/urls.py) -------------------------------------------

log = logging.getLogger(__name__)


def _back_url(request) -> str:
    """The page the user came from, when it is one of ours and not this one; else ""."""
    back = request.META.get("HTTP_REFERER", "")
    try:
        ours = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure())
        here = request.build_absolute_uri()
    except Exception:  # noqa: BLE001 - a bad Host header: no link back rather than another error
        return ""
    return back if ours and back != here else ""


def _api_error(status: int, code: str, message: str) -> HttpResponse:
    """The API's one error shape, for /api/ paths that fail outside the API's own handlers."""
    body = json.dumps({"error": {"code": code, "message": message, "field": None}}, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def _error_page(request, status: int, title: str, message: str, code: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _api_error(status, code, message)
    ctx = {"status": status, "title": title, "message": message, "back_url": _back_url(request)}
    return render(request, f"{status}.html", ctx, status=status)


def permission_denied(request, exception=None):
    return _error_page(request, 403, _("无权访问"),
                       _("您没有权限查看此页面或执行此操作。如需办理，请联系本单位的系统管理员。"), "forbidden")


def csrf_failure(request, reason=""):
    """A form posted from a page that has expired (signed out meanwhile, or opened long ago)."""
    return _error_page(request, 403, _("页面已过期"),
                       _("页面已过期或登录状态已变化，本次提交未被处理。请返回上一页，刷新后重新提交。"), "csrf_failed")


def page_not_found(request, exception=None):
    return _error_page(request, 404, _("页面不存在"),
                       _("您要访问的页面或信访件不存在，或者不在您的管辖范围内。请检查网址，或从首页重新进入。"), "not_found")


# When 500.html itself cannot be rendered: the same words, no template, no database.
_FALLBACK_500 = ('<!DOCTYPE html><html lang="zh-hans"><head><meta charset="utf-8"><title>系统出错 · xinfang</title>'
                 '</head><body><h1>系统出错</h1><p>系统处理您的请求时出错，请稍后重试。</p>'
                 '<p><a href="/">返回首页</a></p></body></html>')


def server_error(request):
    """The 500 page: the app's look without anything that may have failed. It is rendered without
    the request, so no context processor runs (navigation and queue counts read the database) and
    nothing reads the session or the user; only the language, set by the middleware, is used."""
    title = _("系统出错")
    message = _("系统处理您的请求时出错，错误已记录。请稍后重试；如果问题持续，请联系系统管理员。")
    if request.path.startswith("/api/"):
        return _api_error(500, "server_error", message)
    try:
        html = loader.render_to_string("500.html", {"status": 500, "title": title, "message": message})
    except Exception:  # noqa: BLE001 - the error page must not fail in turn
        log.exception("cannot render 500.html")
        html = _FALLBACK_500
    return HttpResponse(html, status=500)
