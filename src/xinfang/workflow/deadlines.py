"""Deadline policies, stored deadlines and warning levels (DESIGN §4).

Every due date comes from `xinfang.common.calendar.due_date`; this module decides which period
applies, stores it, and keeps the petition's current deadline and warning level up to date.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.utils import timezone

from xinfang.common.calendar import BusinessCalendar, current_calendar, due_date, working_days_between
from xinfang.petitions.choices import WarningLevel

from .models import Deadline, DeadlinePolicy

# key: (days, working_days, source). The hotline profile is off until an admin turns it on.
DEFAULT_POLICIES: dict[str, tuple[int, bool, str]] = {
    "route": (15, False, "《信访工作条例》第二十二条"),
    "accept": (15, False, "《信访工作条例》第二十三条"),
    "object": (5, True, "《信访工作条例》第二十三条"),
    "handle": (60, False, "《信访工作条例》第三十四条"),
    "extension_max": (30, False, "《信访工作条例》第三十四条"),
    "fast_track": (10, True, "国家信访局《关于进一步加强初信初访办理工作的办法》简易办理"),
    "review_request": (30, False, "《信访工作条例》第三十五条"),
    "review_answer": (30, False, "《信访工作条例》第三十五条"),
    "rereview_request": (30, False, "《信访工作条例》第三十六条"),
    "rereview_answer": (30, False, "《信访工作条例》第三十六条"),
    "report": (90, False, "交办件结果报告（本地规定）"),
    "hotline_consult": (2, True, "12345热线 咨询"),
    "hotline_help": (10, True, "12345热线 求助"),
    "hotline_suggest": (10, True, "12345热线 建议"),
    "hotline_complaint": (15, True, "12345热线 投诉"),
    "hotline_report": (15, True, "12345热线 举报"),
}
INACTIVE_BY_DEFAULT = {k for k in DEFAULT_POLICIES if k.startswith("hotline_")}

_policy_cache: tuple[float, dict] | None = None


def invalidate_policies() -> None:
    global _policy_cache
    _policy_cache = None


def _policies() -> dict[tuple[str, int | None], DeadlinePolicy]:
    global _policy_cache
    now = time.monotonic()
    if _policy_cache and now - _policy_cache[0] < 30:
        return _policy_cache[1]
    rows = {(p.key, p.unit_id): p for p in DeadlinePolicy.objects.all()}
    _policy_cache = (now, rows)
    return rows


def policy(key: str, unit=None) -> tuple[int, bool, bool]:
    """(days, working_days, active) for `key` as it applies to `unit` (nearest unit row, else default)."""
    rows = _policies()
    node = unit
    while node is not None:
        row = rows.get((key, node.pk))
        if row is not None:
            return row.days, row.working_days, row.is_active
        node = node.parent if node.parent_id else None
    row = rows.get((key, None))
    if row is not None:
        return row.days, row.working_days, row.is_active
    days, working, _ = DEFAULT_POLICIES[key]
    return days, working, key not in INACTIVE_BY_DEFAULT


def local_date(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date()
    return value


def compute_due(start: dt.date, days: int, working: bool, extra: int = 0,
                calendar: BusinessCalendar | None = None) -> tuple[dt.date, bool]:
    cal = calendar or current_calendar()
    base = due_date(start, days, working_days=working, calendar=cal)
    if not extra:
        return base.date, base.provisional
    ext = due_date(base.date, extra, working_days=False, calendar=cal)
    return ext.date, base.provisional or ext.provisional


def deadline_open(petition, kind: str, start: dt.date, *, key: str | None = None, unit=None,
                  days: int | None = None) -> Deadline:
    """Store a new running deadline of `kind` counted from `start` under policy `key`."""
    pdays, working, _ = policy(key or kind, unit)
    if days is not None:
        pdays = days
    due, provisional = compute_due(start, pdays, working)
    return Deadline.objects.create(petition=petition, kind=kind, start=start, days=pdays, working_days=working,
                                   due=due, provisional=provisional)


def deadlines_meet(petition, *kinds: str, at: dt.datetime) -> None:
    Deadline.objects.filter(petition=petition, kind__in=kinds, met_at__isnull=True, cancelled=False).update(met_at=at)


def deadlines_cancel(petition, *kinds: str) -> None:
    qs = Deadline.objects.filter(petition=petition, met_at__isnull=True, cancelled=False)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    qs.update(cancelled=True)


def deadline_extend(deadline: Deadline, extra: int) -> Deadline:
    deadline.extra_days += extra
    deadline.due, deadline.provisional = compute_due(deadline.start, deadline.days, deadline.working_days,
                                                     deadline.extra_days)
    deadline.save(update_fields=["extra_days", "due", "provisional"])
    return deadline


def warning_for(start: dt.date, due: dt.date, today: dt.date, working: bool,
                calendar: BusinessCalendar | None = None) -> str:
    if today > due:
        return WarningLevel.OVERDUE
    if working:
        cal = calendar or current_calendar()
        total = max(working_days_between(start, due, cal), 1)
        used = working_days_between(start, today, cal)
    else:
        total = max((due - start).days, 1)
        used = (today - start).days
    share = used / total
    notice, warning, severe = settings.XINFANG["WARNING_THRESHOLDS"]
    if share >= severe:
        return WarningLevel.SEVERE
    if share >= warning:
        return WarningLevel.WARNING
    if share >= notice:
        return WarningLevel.NOTICE
    return WarningLevel.NORMAL


def refresh_current_due(petition, today: dt.date | None = None) -> list[str]:
    """Set the petition's current deadline (earliest open one) and warning level; returns changed fields."""
    today = today or timezone.localdate()
    current = (Deadline.objects.filter(petition=petition, met_at__isnull=True, cancelled=False)
               .order_by("due", "id").first())
    if current is None:
        values = {"due_kind": "", "due_start": None, "due_on": None, "due_provisional": False,
                  "warning_level": WarningLevel.NORMAL}
    else:
        values = {"due_kind": current.kind, "due_start": current.start, "due_on": current.due,
                  "due_provisional": current.provisional,
                  "warning_level": warning_for(current.start, current.due, today, current.working_days)}
    changed = [k for k, v in values.items() if getattr(petition, k) != v]
    for k in changed:
        setattr(petition, k, values[k])
    return changed
