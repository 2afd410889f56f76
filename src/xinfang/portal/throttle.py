"""Rate limits and lock-outs of the portal, counted in the database (`Attempt`), so every web process and
machine sees the same counts. What is counted is stored as a keyed hash only.

Scopes and their defaults (settings.XINFANG_PORTAL, env XINFANG_PORTAL_<NAME>):

- `track_number`: wrong query codes for one case number: after TRACK_NUMBER_LIMIT within
  LOCK_MINUTES the number is locked for tracking, whether or not it exists (the answer is the same);
- `track_address`: wrong number/code pairs from one address (TRACK_ADDRESS_LIMIT per LOCK_MINUTES);
- `submit_address` / `submit_phone`: online petitions per address / per phone per day;
- `book_address` / `book_phone`: 接待日 bookings per address / per phone per day;
- `act_address`: evaluations, 复查/复核 requests and openings per address per hour.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from xinfang.common import crypto

from .models import Attempt

SCOPES = ("track_number", "track_address", "submit_address", "submit_phone", "book_address", "book_phone",
          "act_address")
DEFAULTS = {
    "TRACK_NUMBER_LIMIT": 10, "TRACK_ADDRESS_LIMIT": 30, "LOCK_MINUTES": 60,
    "SUBMIT_ADDRESS_DAY": 10, "SUBMIT_PHONE_DAY": 3, "BOOK_ADDRESS_DAY": 10, "BOOK_PHONE_DAY": 2,
    "ACT_ADDRESS_HOUR": 60,
}
KEEP_DAYS = 2  # attempts older than this are pruned by the sweep


def conf(name: str) -> int:
    return int(getattr(settings, "XINFANG_PORTAL", {}).get(name, DEFAULTS[name]))


def client_address(request) -> str:
    """The address limits count: REMOTE_ADDR (behind a proxy, the proxy sets it; see docs/portal.md)."""
    return (request.META.get("REMOTE_ADDR") or "")[:64]


def _key(value: str) -> str:
    return crypto.keyed_hash(str(value).strip().upper(), "portal-throttle")


def attempts(scope: str, value: str, *, minutes: int, now: dt.datetime | None = None) -> int:
    """How many attempts of `scope` for `value` were counted in the last `minutes`."""
    if not value:
        return 0
    since = (now or timezone.now()) - dt.timedelta(minutes=minutes)
    return Attempt.objects.filter(scope=scope, key=_key(value), at__gte=since).count()


def attempt_add(scope: str, value: str, *, now: dt.datetime | None = None) -> None:
    if value:
        Attempt.objects.create(scope=scope, key=_key(value), at=now or timezone.now())


def attempts_clear(scope: str, value: str) -> int:
    if not value:
        return 0
    return Attempt.objects.filter(scope=scope, key=_key(value)).delete()[0]


def over(scope: str, value: str, limit: int, *, minutes: int, now: dt.datetime | None = None) -> bool:
    """True when `value` already used its `limit` attempts of `scope` in the last `minutes`."""
    return bool(value) and attempts(scope, value, minutes=minutes, now=now) >= limit


def attempts_prune(now: dt.datetime) -> int:
    """Sweep rule: forget attempts older than KEEP_DAYS."""
    return Attempt.objects.filter(at__lt=now - dt.timedelta(days=KEEP_DAYS)).delete()[0]
