"""API authentication: `Authorization: Bearer <token>`, or the workbench's session (with CSRF)."""

from ninja.security import HttpBearer, SessionAuth

from .tokens import token_user


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    """The logged-in workbench user. ninja checks CSRF before it looks at the session, so a request
    with neither a session nor a valid token would answer "CSRF failed" (403); here it is simply
    unauthenticated (401), and CSRF is still enforced for requests that do carry a session."""

    def _get_key(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)


AUTH = [BearerToken(), Session()]
