"""The REST API under /api/v1/ (DESIGN §9)."""

from __future__ import annotations

import functools
import json

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.parser import Parser

from xinfang.common.errors import ApplicationError

from . import errors
from .auth import AUTH
from .docs import OfflineSwagger, asset_response
from .routers import insight, org, petitions, reports

# the routers of issue 10's areas, one module each under routers/
AREAS = ("notifications", "urging", "supervision", "leadership", "screening", "scorecards", "hotspots")


def _no_constant(name: str):
    raise ValueError(f"JSON does not allow {name}")


class StrictJSONParser(Parser):
    """Standard JSON only: Python's parser would also take NaN and Infinity."""

    def parse_body(self, request):
        return json.loads(request.body, parse_constant=_no_constant)


def _json_errors(view):
    """Two answers come from outside ninja's exception handlers: the API root raises a bare Http404,
    and a known path called with the wrong method gets a plain-text 405. Give both the error shape."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return errors.error_response(ApplicationError(_("不存在。"), "not_found"))
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            err = ApplicationError(_("不支持的请求方法：%(m)s。") % {"m": request.method}, "method_not_allowed")
            json_response = errors.error_response(err, status=405)
            if response.has_header("Allow"):
                json_response["Allow"] = response["Allow"]
            return json_response
        return response

    return wrapper


class XinfangAPI(NinjaAPI):
    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            pattern.callback = _json_errors(pattern.callback)
        return urls


api = XinfangAPI(title="xinfang API", version="1", urls_namespace="api-v1", auth=AUTH,
                 docs=OfflineSwagger(), docs_url="/docs", openapi_url="/openapi.json", parser=StrictJSONParser())
errors.install(api)

# The docs page's own files (public, like the page and the schema).
docs_assets = Router()


@docs_assets.get("/docs/assets/{name}", auth=None, include_in_schema=False, url_name="docs-asset")
def docs_asset(request, name: str):
    response = asset_response(name)
    if response is None:
        raise ApplicationError(_("不存在。"), "not_found")
    return response


# Anything else under /api/v1/ answers the JSON 404, never Django's HTML page. Registered last.
fallback = Router()
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@fallback.api_operation(_METHODS, "/{path:rest}", auth=None, include_in_schema=False, url_name="fallback")
def not_found(request, rest: str):
    raise ApplicationError(_("接口不存在：%(path)s") % {"path": request.path[:200]}, "not_found")


api.add_router("/", petitions.router)
api.add_router("/", org.router)
api.add_router("/", insight.router)
api.add_router("/", reports.router)
api.add_router("/", "xinfang.api.routers.documents.router")
api.add_router("/", "xinfang.api.routers.statistics.router")
api.add_router("/", "xinfang.api.routers.oversight.router")
api.add_router("/", "xinfang.api.routers.reply_aid.router")
for _area in AREAS:
    api.add_router("/", f"xinfang.api.routers.{_area}.router")
api.add_router("/", docs_assets)
api.add_router("/", fallback)
