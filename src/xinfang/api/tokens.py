"""Creating and checking API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from xinfang.audit.services import audit_record

from .models import ApiToken


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user, name: str = "") -> str:
    token = "xf_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=token[:10], token_hash=_hash(token))
    audit_record(actor=user, action="api_token.create", object_type="api_token", object_id=token[:10])
    return token


def token_user(token: str):
    if not token or len(token) > 200:
        return None
    row = ApiToken.objects.select_related("user").filter(token_hash=_hash(token), revoked=False).first()
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
