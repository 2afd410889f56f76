"""One JSON error shape for every failure: {"error": {"code", "message", "field"}} (DESIGN §9)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from xinfang.common.errors import ApplicationError

# pydantic error types in the user's language
_MESSAGES = {
    "missing": lambda: _("缺少必填字段。"),
    "string_type": lambda: _("应为文本。"),
    "string_too_long": lambda: _("文本过长。"),
    "int_type": lambda: _("应为整数。"),
    "int_parsing": lambda: _("应为整数。"),
    "int_from_float": lambda: _("应为整数。"),
    "bool_type": lambda: _("应为 true 或 false。"),
    "bool_parsing": lambda: _("应为 true 或 false。"),
    "datetime_type": lambda: _("时间格式无效，应为 ISO 8601，例如 2026-03-02T09:30:00+08:00。"),
    "datetime_parsing": lambda: _("时间格式无效，应为 ISO 8601，例如 2026-03-02T09:30:00+08:00。"),
    "datetime_from_date_parsing": lambda: _("时间格式无效，应为 ISO 8601，例如 2026-03-02T09:30:00+08:00。"),
    "date_parsing": lambda: _("日期格式无效，应为 YYYY-MM-DD。"),
    "date_from_datetime_parsing": lambda: _("日期格式无效，应为 YYYY-MM-DD。"),
    "list_type": lambda: _("应为列表。"),
    "dict_type": lambda: _("应为对象。"),
    "model_type": lambda: _("应为对象。"),
    "model_attributes_type": lambda: _("应为对象。"),
    "json_invalid": lambda: _("请求体不是有效的 JSON。"),
    "extra_forbidden": lambda: _("不认识的字段。"),
    "greater_than_equal": lambda: _("数值过小。"),
    "less_than_equal": lambda: _("数值过大。"),
}


def _field(loc) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "form", "file")]
    if not parts:
        return None
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (("." if out else "") + p)
    return out


def validation_error(errors: list[dict]) -> ApplicationError:
    first = errors[0] if errors else {}
    kind = first.get("type", "")
    field = _field(first.get("loc", ()))
    message = _MESSAGES.get(kind, lambda: _("字段取值无效。"))()
    if kind == "json_invalid":
        return ApplicationError(message, "bad_request", None)
    if field:
        message = _("字段“%(f)s”：%(m)s") % {"f": field, "m": message}
    return ApplicationError(message, "invalid", field)


def install(api) -> None:
    def render(request, err: ApplicationError):
        return api.create_response(request, err.as_dict(), status=err.status)

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
        code = {400: "bad_request", 401: "unauthorized", 404: "not_found", 409: "conflict"}.get(
            exc.status_code, "bad_request")
        err = ApplicationError(str(exc.message) if exc.status_code != 400 else _("请求无效。"), code)
        return api.create_response(request, err.as_dict(), status=exc.status_code)
