"""Business calendar and the one due-date function (民法典 Art 201/203, DESIGN §4).

`due_date` is pure: it takes a `BusinessCalendar` snapshot. `current_calendar()` builds one from the
`CalendarDay`/`CalendarYear` tables and caches it in-process until `invalidate()` is called or a
short time passes (other processes pick up admin edits within that time).

Years whose State Council schedule is not known (no `CalendarYear` row; the `chinesecalendar` package
stops at its release year) still have their statutory holidays: `statutory_holidays(year)` computes
them from 《全国年节及纪念日放假办法》 (2024 revision, in force from 2025) with the lunar dates and the
清明 solar term from `lunar-python`. The calendar of `current_calendar()` treats those days as rest
days, lazily per year. Only the 调休 arrangement (make-up workdays, 补休 days, the length of each break)
stays unknown, so a due date reaching such a year is still `provisional`.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from dataclasses import dataclass, field
from types import MappingProxyType

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


# 《全国年节及纪念日放假办法》 as revised by State Council Decree No. 795 (2024-11-10), in force from
# 2025-01-01: the holidays of all citizens (Art 2). Earlier years are all in the package.
STATUTORY_RULES_FROM = 2025
LAST_COMPUTABLE_YEAR = 2100


@functools.lru_cache(maxsize=128)
def statutory_holidays(year: int) -> MappingProxyType:
    """The statutory holidays of `year` ({date: Chinese name}) by the 2024 放假办法, without any 调休:
    元旦 1-1; 春节 农历除夕 and 正月初一 to 初三; 清明节 the day of the 清明 solar term; 劳动节 5-1 and 5-2;
    端午节 农历五月初五; 中秋节 农历八月十五; 国庆节 10-1 to 10-3. Empty before the revision took effect."""
    if not STATUTORY_RULES_FROM <= year <= LAST_COMPUTABLE_YEAR:
        return MappingProxyType({})
    from lunar_python import Lunar, Solar

    def solar(lunar_month: int, lunar_day: int) -> dt.date:
        s = Lunar.fromYmd(year, lunar_month, lunar_day).getSolar()  # lunar year `year`, not a leap month
        return dt.date(s.getYear(), s.getMonth(), s.getDay())

    days: dict[dt.date, str] = {}

    def add(day: dt.date, name: str) -> None:  # 中秋 can fall inside 国庆 (2020, 2031)
        days[day] = f"{days[day]}、{name}" if day in days else name

    add(dt.date(year, 1, 1), "元旦")
    new_year = solar(1, 1)  # 正月初一 of the lunar year that begins in January/February of `year`
    for offset in range(-1, 3):  # 除夕 (the last day of 腊月, 29th or 30th) and 初一 to 初三
        add(new_year + dt.timedelta(days=offset), "春节")
    qingming = Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"]
    add(dt.date(qingming.getYear(), qingming.getMonth(), qingming.getDay()), "清明节")
    add(dt.date(year, 5, 1), "劳动节")
    add(dt.date(year, 5, 2), "劳动节")
    add(solar(5, 5), "端午节")
    add(solar(8, 15), "中秋节")
    for d in (1, 2, 3):
        add(dt.date(year, 10, d), "国庆节")
    return MappingProxyType(dict(sorted(days.items())))


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days are working days. `overrides` maps a date to True (workday) / False (holiday).

    With `statutory_fallback`, a day of a year outside `covered_years` that has no override is a rest
    day when it is a statutory holiday computed by `statutory_holidays` (the published schedule is not
    known yet, the law's holidays are). `overrides` always win.
    """

    overrides: dict[dt.date, bool] = field(default_factory=dict)
    covered_years: frozenset[int] = frozenset()
    statutory_fallback: bool = False

    def is_workday(self, day: dt.date) -> bool:
        known = self.overrides.get(day)
        if known is not None:
            return known
        if self.statutory_fallback and day.year not in self.covered_years and day in statutory_holidays(day.year):
            return False
        return day.weekday() < 5

    def computed_holidays(self, year: int) -> dict[dt.date, str]:
        """The statutory holidays this calendar computes for `year` (none for a covered year)."""
        if not self.statutory_fallback or year in self.covered_years:
            return {}
        return dict(statutory_holidays(year))

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
    cal = BusinessCalendar(overrides=overrides, covered_years=years, statutory_fallback=True)
    with _lock:
        _cached = (now, cal)
    return cal
