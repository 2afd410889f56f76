"""Idempotent registration: `POST /api/v1/petitions` with an `Idempotency-Key` header.

A client that did not get the answer (a timeout, a dropped connection) sends the same request again
with the same key: the first answer comes back (same status, same body) and nothing more is created.
The same key with another body is refused (422, field `Idempotency-Key`). Keys are per user and live
for `TTL` (24 hours); after that the key may be used again.

The key's row is written in the same transaction as the petition, under a unique constraint
(user, key): of two concurrent retries one inserts and registers, the other waits on the row (the
database's unique index) and then replays the answer. A request that fails stores nothing, so it may
be retried with the same key. The stored answer holds the query code, shown once: it is kept
encrypted with the data key, like other personal data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.common import crypto
from xinfang.common.errors import ApplicationError

HEADER = "Idempotency-Key"
TTL = dt.timedelta(hours=24)
MAX_KEY = 255
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, e.g. a UUID


class IdempotencyKey(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+",
                             verbose_name=gettext_lazy("用户"))
    key = models.CharField(gettext_lazy("幂等键"), max_length=MAX_KEY)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.TextField(blank=True)  # JSON, encrypted with the data key
    created_at = models.DateTimeField(gettext_lazy("创建时间"), default=timezone.now, db_index=True)

    class Meta:
        app_label = "api"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_user_key")]
        verbose_name = gettext_lazy("幂等键")
        verbose_name_plural = gettext_lazy("幂等键")


def check_key(key: str | None) -> str | None:
    """The header's value, or None without one; ApplicationError when it cannot be a key."""
    if key is None:
        return None
    if not _KEY_RE.match(key):
        raise ApplicationError(_("请求头 %(h)s 无效：应为1至%(n)d个可见的 ASCII 字符（如 UUID）。") % {
            "h": HEADER, "n": MAX_KEY}, "invalid", HEADER)
    return key


def request_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
                          .encode("utf-8", "surrogatepass")).hexdigest()


def _replay(record: IdempotencyKey, digest: str) -> tuple[int, dict]:
    if record.request_hash != digest:
        raise ApplicationError(_("请求头 %(h)s 已用于另一请求体不同的登记；重试请发送相同的请求体，新的登记请使用新的键。") % {
            "h": HEADER}, "invalid", HEADER)
    return record.response_status, json.loads(crypto.decrypt(record.response_body))


def stored_answer(*, user, key: str) -> tuple[int, dict] | None:
    """The stored answer of a key still alive, or None."""
    record = IdempotencyKey.objects.filter(user=user, key=key, created_at__gte=timezone.now() - TTL).first()
    if record is None or not record.response_status:
        return None
    return record.response_status, json.loads(crypto.decrypt(record.response_body))


def run_once(*, user, key: str | None, body: dict, create) -> tuple[int, dict]:
    """(status, JSON body) of `create()` -> (status, body), run once per (user, key, body)."""
    if key is None:
        return create()
    digest = request_hash(body)
    with transaction.atomic():
        # the user's expired keys go (this one included), so the table holds about a day of keys
        IdempotencyKey.objects.filter(user=user, created_at__lt=timezone.now() - TTL).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(user=user, key=key, request_hash=digest)
        except IntegrityError:
            record = None
        if record is not None:
            status, data = create()
            record.response_status = status
            record.response_body = crypto.encrypt(json.dumps(data, ensure_ascii=False))
            record.save(update_fields=["response_status", "response_body"])
            return status, data
    # another request holds the key: it committed (its answer is stored) before our insert failed
    record = IdempotencyKey.objects.get(user=user, key=key)
    return _replay(record, digest)
