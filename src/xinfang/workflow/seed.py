"""Reference data every installation starts with: calendar, categories, deadline policies.

The data migrations seed it once; `seed_reference_data` restores it where a database was emptied
(transactional tests flush every table).
"""

from __future__ import annotations

from xinfang.audit.models import AuditHead
from xinfang.common.calendar import invalidate, package_schedule
from xinfang.common.models import CalendarDay, CalendarYear
from xinfang.petitions.models import Category
from xinfang.petitions.seed.categories import rows

from .deadlines import DEFAULT_POLICIES, INACTIVE_BY_DEFAULT, invalidate_policies
from .models import DeadlinePolicy


def seed_reference_data() -> None:
    if not CalendarYear.objects.exists():
        days, years = package_schedule()
        CalendarDay.objects.bulk_create([CalendarDay(date=d, is_workday=w, name=n[:64])
                                         for d, (w, n) in sorted(days.items())], ignore_conflicts=True)
        CalendarYear.objects.bulk_create([CalendarYear(year=y) for y in sorted(years)], ignore_conflicts=True)
        invalidate()
    if not Category.objects.exists():
        by_code: dict[str, Category] = {}
        for code, name, parent in rows():
            obj = Category(code=code, name=name, parent=by_code.get(parent))
            obj.save()
            by_code[code] = obj
    if not DeadlinePolicy.objects.exists():
        DeadlinePolicy.objects.bulk_create([
            DeadlinePolicy(key=k, days=d, working_days=w, source=s, is_active=k not in INACTIVE_BY_DEFAULT)
            for k, (d, w, s) in DEFAULT_POLICIES.items()])
        invalidate_policies()
    AuditHead.objects.get_or_create(id=1)
