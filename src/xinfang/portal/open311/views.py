"""The Open311 GeoReport v2 endpoints (plain Django views, not the REST API of /api/v1/): every answer is
XML or JSON as its format suffix says; refusals are the specification's `errors` list."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpResponseNotAllowed
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from xinfang.common.errors import ApplicationError

from . import selectors
from .render import SPEC_URL, answer, errors
from .services import api_key_check, request_submit

log = logging.getLogger(__name__)
STATUS = {"not_found": 404, "forbidden": 403, "rate_limited": 429}


def _refusal(fmt: str, e: ApplicationError):
    return errors(fmt, STATUS.get(e.code, 400), e.message)


def _only(request, *methods):
    return None if request.method in methods else HttpResponseNotAllowed(methods)


@csrf_exempt
def discovery(request, fmt):
    if (bad := _only(request, "GET", "HEAD")) is not None:
        return bad
    conf = getattr(settings, "XINFANG_OPEN311", {})
    base = request.build_absolute_uri(reverse("open311:discovery", args=["json"])).rsplit("/", 1)[0] + "/"
    return answer(fmt, "discovery", {
        "changeset": "2026-12-01T00:00:00+08:00",
        "contact": conf.get("CONTACT", _("请联系本级信访工作机构。")),
        "key_service": conf.get("KEY_SERVICE", _("API密钥由系统管理员发放（xinfang open311 key create）。")),
        "endpoints": [{"specification": SPEC_URL, "url": base, "changeset": "2026-12-01T00:00:00+08:00",
                       "type": "production", "formats": ["text/xml", "application/json"]}],
    })


@csrf_exempt
def services(request, fmt):
    if (bad := _only(request, "GET", "HEAD")) is not None:
        return bad
    return answer(fmt, "services", selectors.services())


@csrf_exempt
def service_definition(request, code, fmt):
    if (bad := _only(request, "GET", "HEAD")) is not None:
        return bad
    try:
        cat = selectors.service_get(code)
    except ApplicationError as e:
        return _refusal(fmt, e)
    return answer(fmt, "service_definition", selectors.service_definition(cat))


@csrf_exempt
def requests_(request, fmt):
    """GET: the requests that arrived through Open311 (filters); POST: a new request (api_key)."""
    if request.method == "POST":
        return _post(request, fmt)
    if (bad := _only(request, "GET", "HEAD", "POST")) is not None:
        return bad
    try:
        rows = selectors.requests_list(request.GET)
    except ApplicationError as e:
        return _refusal(fmt, e)
    return answer(fmt, "service_requests", [selectors.request_view(p) for p in rows])


def _post(request, fmt):
    try:
        data = request.POST
        form = {k: data.get(k, "") for k in list(data.keys())[:100]}
    except (RequestDataTooBig, TooManyFieldsSent, SuspiciousOperation, UnicodeDecodeError, ValueError):
        return errors(fmt, 400, _("请求无法解析：请以application/x-www-form-urlencoded提交，且不要过大。"))
    key = api_key_check(form.get("api_key", ""))
    if key is None:
        return errors(fmt, 403, _("api_key无效或缺失。"))
    try:
        row = request_submit(key=key, form=form, address=request.META.get("REMOTE_ADDR", ""))
    except ApplicationError as e:
        return _refusal(fmt, e)
    return answer(fmt, "service_requests", [{
        "service_request_id": row.petition.number, "token": row.token,
        "service_notice": _("已登记为网上信访件，请按规定时限等待答复。"), "account_id": ""}], status=201)


@csrf_exempt
def request_detail(request, request_id, fmt):
    if (bad := _only(request, "GET", "HEAD")) is not None:
        return bad
    try:
        p = selectors.request_get(request_id)
    except ApplicationError as e:
        return _refusal(fmt, e)
    return answer(fmt, "service_requests", [selectors.request_view(p)])


@csrf_exempt
def token(request, token, fmt):
    if (bad := _only(request, "GET", "HEAD")) is not None:
        return bad
    try:
        row = selectors.token_get(token)
    except ApplicationError as e:
        return _refusal(fmt, e)
    return answer(fmt, "service_requests", [{"service_request_id": row.petition.number, "token": row.token}])
