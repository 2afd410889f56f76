"""One JSON error shape for every failure: {"error": {"code", "message", "field"}} (DESIGN §9)."""

from __future__ import annotations

import logging

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from xinfang.common.errors import ApplicationError

log = logging.getLogger(__name__)

# Where ninja says a parameter came from (the first element of a pydantic error location).
_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}
# The name of the body parameter of our operations (not a field the client knows about).
_BODY_PARAMS = {"payload"}

# pydantic error types in the user's language
_MESSAGES = {
    "missing": lambda: _("缺少必填字段。"),
    "string_type": lambda: _("应为文本。"),
    "string_too_long": lambda: _("文本过长。"),
    "string_too_short": lambda: _("文本过短。"),
    "text_invalid": lambda: _("包含无效字符（空字符或不成对的代理字符）。"),
    "int_type": lambda: _("应为整数。"),
    "int_parsing": lambda: _("应为整数。"),
    "int_parsing_size": lambda: _("整数超出范围。"),
    "int_from_float": lambda: _("应为整数。"),
    "float_type": lambda: _("应为数字。"),
    "float_parsing": lambda: _("应为数字。"),
    "bool_type": lambda: _("应为 true 或 false。"),
    "bool_parsing": lambda: _("应为 true 或 false。"),
    "datetime_type": lambda: _("时间格式无效，应为 ISO 8601，例如 2026-03-02T09:30:00+08:00。"),
    "datetime_parsing": lambda: _("时间格式无效，应为 ISO 8601，例如 2026-03-02T09:30:00+08:00。"),
    "datetime_from_date_parsing": lambda: _("时间格式无效，应为 ISO 8601，例如 2026-03-02T09:30:00+08:00。"),
    "datetime_object_invalid": lambda: _("时间无效。"),
    "date_type": lambda: _("日期格式无效，应为 YYYY-MM-DD。"),
    "date_parsing": lambda: _("日期格式无效，应为 YYYY-MM-DD。"),
    "date_from_datetime_parsing": lambda: _("日期格式无效，应为 YYYY-MM-DD。"),
    "date_from_datetime_inexact": lambda: _("日期格式无效，应为 YYYY-MM-DD。"),
    "list_type": lambda: _("应为列表。"),
    "too_long": lambda: _("列表项过多。"),
    "dict_type": lambda: _("应为对象。"),
    "model_type": lambda: _("应为对象。"),
    "model_attributes_type": lambda: _("应为对象。"),
    "json_invalid": lambda: _("请求体不是有效的 JSON。"),
    "extra_forbidden": lambda: _("不认识的字段。"),
    "greater_than": lambda: _("数值过小。"),
    "greater_than_equal": lambda: _("数值过小。"),
    "less_than": lambda: _("数值过大。"),
    "less_than_equal": lambda: _("数值过大。"),
}


def _field(loc) -> str | None:
    """A pydantic location as the client's field path: ("body", "payload", "petitioners", 0, "id_number")
    becomes "petitioners[0].id_number"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] in _BODY_PARAMS:
        parts = parts[1:]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (("." if out else "") + p)
    return out or None


def validation_error(errors: list[dict]) -> ApplicationError:
    first = errors[0] if errors else {}
    kind = first.get("type", "")
    loc = tuple(first.get("loc", ()))
    if loc and loc[0] == "path":
        # /petitions/abc names no petition: not found, like any id outside the caller's scope
        return ApplicationError(_("不存在。"), "not_found")
    field = _field(loc)
    message = _MESSAGES.get(kind, lambda: _("字段取值无效。"))()
    if kind == "json_invalid":
        return ApplicationError(message, "bad_request", None)
    if field:
        message = _("字段“%(f)s”：%(m)s") % {"f": field, "m": message}
    return ApplicationError(message, "invalid", field)


def error_response(err: ApplicationError, status: int | None = None) -> HttpResponse:
    """The error shape as a plain Django response (for paths that do not run through ninja's handlers)."""
    import json

    return HttpResponse(json.dumps(err.as_dict(), ensure_ascii=False), status=status or err.status,
                        content_type="application/json; charset=utf-8")


# Every operation may answer these with the one error shape (documented in the OpenAPI schema).
ERROR_STATUSES = {"400": "请求无效", "401": "未登录或令牌无效", "403": "在管辖范围内，但没有所需的角色",
                  "404": "不存在或不在管辖范围内",
                  "405": "不支持的请求方法", "409": "操作冲突（状态、版本或权限）", "422": "字段取值无效"}
ERROR_SCHEMA = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message", "field"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                   "field": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}}}


def _document_errors(schema: dict) -> dict:
    schema.setdefault("components", {}).setdefault("schemas", {}).setdefault("Error", ERROR_SCHEMA)
    ref = {"$ref": "#/components/schemas/Error"}
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in ERROR_STATUSES.items():
                operation["responses"].setdefault(status, {
                    "description": description, "content": {"application/json": {"schema": ref}}})
    return schema


def install(api) -> None:
    original_schema = api.get_openapi_schema

    def get_openapi_schema(*args, **kwargs):
        return _document_errors(original_schema(*args, **kwargs))

    api.get_openapi_schema = get_openapi_schema

    def render(request, err: ApplicationError, status: int | None = None):
        return api.create_response(request, err.as_dict(), status=status or err.status)

    @api.exception_handler(ApplicationError)
    def _app(request, exc):
        return render(request, exc)

    @api.exception_handler(NinjaValidationError)
    def _validation(request, exc):
        return render(request, validation_error(exc.errors))

    @api.exception_handler(AuthenticationError)
    def _auth(request, exc):
        return render(request, ApplicationError(_("未登录或令牌无效。"), "unauthorized"))

    @api.exception_handler(Http404)
    def _404(request, exc):
        return render(request, ApplicationError(_("不存在。"), "not_found"))

    @api.exception_handler(HttpError)
    def _http(request, exc):
        status = exc.status_code
        if status == 400:
            # ninja raises 400 only when the body cannot be parsed
            return render(request, ApplicationError(_("请求体不是有效的 JSON。"), "bad_request"))
        if status in (401, 403):
            # 403 comes from the CSRF check of session (cookie) authentication
            return render(request, ApplicationError(_("未登录、令牌无效或会话校验（CSRF）失败。"), "unauthorized"))
        code = {404: "not_found", 409: "conflict"}.get(status, "bad_request")
        message = {404: _("不存在。"), 409: _("操作冲突。")}.get(status, _("请求无效。"))
        return render(request, ApplicationError(message, code), status=status)

    @api.exception_handler(Exception)
    def _unexpected(request, exc):
        if isinstance(exc, SuspiciousOperation):  # e.g. RequestDataTooBig, too many fields
            return render(request, ApplicationError(_("请求过大或格式无效。"), "bad_request"))
        if isinstance(exc, MultiPartParserError):  # no boundary, headers too large, a broken body
            return render(request, ApplicationError(
                _("multipart/form-data 请求体无效（缺少 boundary、文件名或头部过长，或格式错误）。"), "bad_request"))
        log.exception("Unhandled API error on %s %s", request.method, request.path)
        return render(request, ApplicationError(_("服务器内部错误，已记录，请稍后重试。"), "server_error"), status=500)
