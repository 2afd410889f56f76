"""Creating, checking and revoking API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinfang.audit.services import audit_record

from .models import ApiToken

MAX_DAYS = 3650


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_days_default() -> int:
    return int(getattr(settings, "XINFANG_TOKEN_DAYS", 90))


def token_create(*, user, name: str = "", days: int | None = None) -> str:
    days = token_days_default() if days is None else int(days)
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(days)
    token = "xf_" + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=days)
    with transaction.atomic():
        row = ApiToken.objects.create(user=user, name=name, prefix=token[:10], token_hash=_hash(token),
                                      expires_at=expires_at)
        audit_record(actor=user, action="api_token.create", object_type="api_token", object_id=token[:10],
                     data={"id": row.pk, "days": days, "expires_at": expires_at.isoformat()})
    return token


def token_user(token: str):
    """The token's user, or None when the token is unknown, revoked, expired or its user inactive."""
    if not token or len(token) > 200:
        return None
    row = ApiToken.objects.select_related("user").filter(token_hash=_hash(token), revoked=False).first()
    now = timezone.now()
    if row is None or not row.is_live(now) or not row.user.is_active:
        return None
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def token_find(key: str) -> list[ApiToken]:
    """Tokens matching a whole token, an id, or the start of the shown prefix (``xf_…``)."""
    key = (key or "").strip()
    if not key or len(key) > 200:
        return []
    if key.isdigit():
        return list(ApiToken.objects.filter(pk=int(key)).select_related("user")) if len(key) < 19 else []
    exact = list(ApiToken.objects.filter(token_hash=_hash(key)).select_related("user"))
    if exact:
        return exact
    if len(key) < 5:  # "xf_" plus at least two characters of the random part
        return []
    return list(ApiToken.objects.filter(prefix__startswith=key[:12]).select_related("user"))


def token_revoke(row: ApiToken, *, actor=None, reason: str = ApiToken.Reason.MANUAL) -> bool:
    """Revoke one token (idempotent); True if it was live."""
    with transaction.atomic():
        n = ApiToken.objects.filter(pk=row.pk, revoked=False).update(
            revoked=True, revoked_at=timezone.now(), revoked_reason=reason)
        if n:
            audit_record(actor=actor or row.user, action="api_token.revoke", object_type="api_token",
                         object_id=row.prefix, data={"id": row.pk, "user": row.user.username, "reason": str(reason)})
    return bool(n)


def tokens_revoke_all(*, user, actor=None, reason: str = ApiToken.Reason.MANUAL) -> int:
    """Revoke every token of ``user`` that is not revoked yet; the number revoked."""
    rows = list(ApiToken.objects.filter(user=user, revoked=False).select_related("user"))
    return sum(token_revoke(row, actor=actor, reason=reason) for row in rows)
