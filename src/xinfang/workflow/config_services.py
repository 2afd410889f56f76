"""Admin writes to the calendar and the deadline policies; each recomputes what depends on it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common import calendar as bizcal
from xinfang.common.errors import ApplicationError
from xinfang.common.models import CalendarDay, CalendarYear

from . import deadlines as dl
from .models import DeadlinePolicy
from .services import deadlines_recompute


def _recompute_after_commit() -> None:
    bizcal.invalidate()
    transaction.on_commit(bizcal.invalidate)


def calendar_day_save(*, actor, day: dt.date, is_workday: bool, name: str = "") -> int:
    """Mark one day a holiday or a 调休 workday; recompute open deadlines. Returns how many."""
    with transaction.atomic():
        CalendarDay.objects.update_or_create(date=day, defaults={"is_workday": is_workday, "name": name[:64]})
        audit_record(actor=actor, action="calendar.day_save", object_type="calendar", object_id=day.isoformat(),
                     data={"is_workday": is_workday, "name": name})
        _recompute_after_commit()
        return deadlines_recompute(provisional_only=False)


def calendar_day_delete(*, actor, day: dt.date) -> int:
    with transaction.atomic():
        CalendarDay.objects.filter(date=day).delete()
        audit_record(actor=actor, action="calendar.day_delete", object_type="calendar", object_id=day.isoformat())
        _recompute_after_commit()
        return deadlines_recompute(provisional_only=False)


def calendar_year_mark(*, actor, year: int, covered: bool) -> int:
    """Declare a year's schedule complete (or not); provisional deadlines in it are recomputed."""
    if not 2000 <= int(year) <= 2100:
        raise ApplicationError(_("年份无效。"), "invalid", "year")
    with transaction.atomic():
        if covered:
            CalendarYear.objects.update_or_create(year=year, defaults={"source": CalendarYear.SOURCE_ADMIN})
        else:
            CalendarYear.objects.filter(year=year).delete()
        audit_record(actor=actor, action="calendar.year_mark", object_type="calendar", object_id=str(year),
                     data={"covered": covered})
        _recompute_after_commit()
        return deadlines_recompute(provisional_only=False)


def calendar_missing_years(today: dt.date) -> list[int]:
    """This year and next, where the State Council schedule has not been entered yet."""
    known = set(CalendarYear.objects.filter(year__in=(today.year, today.year + 1)).values_list("year", flat=True))
    return [y for y in (today.year, today.year + 1) if y not in known]


def deadline_policy_save(*, actor, policy: DeadlinePolicy) -> DeadlinePolicy:
    """Save a time limit. A unit's own row may only tighten the default (S22 sets the maximum)."""
    if policy.key not in dl.DEFAULT_POLICIES:
        raise ApplicationError(_("未知的时限项目：%(k)s") % {"k": policy.key}, "invalid", "key")
    if policy.days < 0 or policy.days > 365:
        raise ApplicationError(_("天数应在0到365之间。"), "invalid", "days")
    default_days, default_working, _src = dl.DEFAULT_POLICIES[policy.key]
    if policy.unit_id is not None:
        # A unit's row may only tighten: the same way of counting, no more days than the default.
        if policy.working_days != default_working:
            raise ApplicationError(_("地方时限须与默认规则采用相同的计算方式（自然日或工作日）。"), "invalid",
                                   "working_days")
        if policy.days > default_days:
            raise ApplicationError(_("地方时限只能缩短，不能超过法定的%(n)d天。") % {"n": default_days}, "invalid",
                                   "days")
    with transaction.atomic():
        policy.save()
        audit_record(actor=actor, action="deadline_policy.save", obj=policy,
                     data={"key": policy.key, "days": policy.days, "working_days": policy.working_days,
                           "unit": policy.unit_id, "active": policy.is_active})
        transaction.on_commit(dl.invalidate_policies)
    return policy


def deadline_policy_delete(*, actor, policy_id) -> None:
    """Remove a unit's own time limit, so the unit falls back to the default again. Default rows
    (no unit) are never deleted: switch them off or edit them instead."""
    policy = DeadlinePolicy.objects.filter(pk=policy_id).select_related("unit").first()
    if policy is None:
        raise ApplicationError(_("时限规则不存在。"), "not_found")
    if policy.unit_id is None:
        raise ApplicationError(_("默认时限不能删除，可以修改或停用。"), "conflict")
    with transaction.atomic():
        audit_record(actor=actor, action="deadline_policy.delete", obj=policy,
                     data={"key": policy.key, "days": policy.days, "unit": policy.unit_id})
        policy.delete()
        transaction.on_commit(dl.invalidate_policies)
