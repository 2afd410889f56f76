"""The one error type of the application (DESIGN §8)."""

from __future__ import annotations

# Error codes and the HTTP status they map to.
STATUS_BY_CODE = {
    "invalid": 422,
    "not_found": 404,
    "conflict": 409,
    "illegal_transition": 409,
    "stale_version": 409,
    "forbidden_route": 409,
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
}


class ApplicationError(Exception):
    """A refusal a user can understand: a translated message, a machine code and maybe a field."""

    def __init__(self, message: str, code: str = "invalid", field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
        self.field = field

    @property
    def status(self) -> int:
        return STATUS_BY_CODE.get(self.code, 400)

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


class NotFound(ApplicationError):
    def __init__(self, message: str = "", field: str | None = None):
        from django.utils.translation import gettext

        super().__init__(message or gettext("Not found."), "not_found", field)


class Forbidden(ApplicationError):
    """Inside the user's jurisdiction, but without the role this needs (code "forbidden", 403). Outside
    the jurisdiction the answer is NotFound instead (DESIGN §5: never reveal what exists)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, "forbidden", field)
