"""Business calendar and the one due-date function (民法典 Art 201/203, DESIGN §4).

`due_date` is pure: it takes a `BusinessCalendar` snapshot. `current_calendar()` builds one from the
`CalendarDay`/`CalendarYear` tables and caches it in-process until `invalidate()` is called or a
short time passes (other processes pick up admin edits within that time).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field

_CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days are working days. `overrides` maps a date to True (workday) / False (holiday)."""

    overrides: dict[dt.date, bool] = field(default_factory=dict)
    covered_years: frozenset[int] = frozenset()

    def is_workday(self, day: dt.date) -> bool:
        return self.overrides.get(day, day.weekday() < 5)

    def is_covered(self, year: int) -> bool:
        return year in self.covered_years

    def next_workday(self, day: dt.date) -> dt.date:
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day


@dataclass(frozen=True)
class Due:
    date: dt.date
    provisional: bool  # computed across a year whose holiday schedule is not known yet


def due_date(start: dt.date, days: int, *, working_days: bool, calendar: BusinessCalendar) -> Due:
    """The last day of a period of `days` that starts with the event on `start`.

    Counting begins the day after the event (民法典 Art 201). Calendar-day periods whose last day
    falls on a rest day (a statutory holiday or a weekend that is not a 调休 workday) end on the
    next working day (Art 203). Working-day periods count only working days.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    if working_days:
        day, left = start, days
        while left > 0:
            day += dt.timedelta(days=1)
            if calendar.is_workday(day):
                left -= 1
    else:
        day = calendar.next_workday(start + dt.timedelta(days=days))
    years = range(start.year, day.year + 1) if days else range(day.year, day.year + 1)
    provisional = any(not calendar.is_covered(y) for y in years)
    return Due(day, provisional)


def working_days_between(start: dt.date, end: dt.date, calendar: BusinessCalendar) -> int:
    """Working days after `start` up to and including `end`."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            count += 1
    return count


def package_schedule() -> tuple[dict[dt.date, tuple[bool, str]], set[int]]:
    """Holidays and 调休 workdays known to the `chinese-calendar` package, and the years it covers."""
    from chinese_calendar import constants

    days: dict[dt.date, tuple[bool, str]] = {}
    for day, name in constants.holidays.items():
        if day.weekday() < 5:  # a weekday made a holiday
            days[day] = (False, _CHINESE_NAMES.get(str(name), str(name)))
        else:  # a weekend inside a holiday: a rest day anyway, kept for display
            days[day] = (False, _CHINESE_NAMES.get(str(name), str(name)))
    for day, name in constants.workdays.items():
        days[day] = (True, _CHINESE_NAMES.get(str(name), str(name)) + "调休")
    years = {d.year for d in constants.holidays}
    return days, years


# ---- database-backed snapshot --------------------------------------------------------------

_lock = threading.Lock()
_cached: tuple[float, BusinessCalendar] | None = None
_TTL = 30.0


def invalidate() -> None:
    global _cached
    with _lock:
        _cached = None


def current_calendar() -> BusinessCalendar:
    global _cached
    now = time.monotonic()
    cached = _cached
    if cached and now - cached[0] < _TTL:
        return cached[1]
    from .models import CalendarDay, CalendarYear

    overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    cal = BusinessCalendar(overrides=overrides, covered_years=years)
    with _lock:
        _cached = (now, cal)
    return cal
