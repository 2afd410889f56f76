"""The one due-date function and the business calendar (DESIGN §4, 民法典 Art 201/203).

Every expected date below was worked out by hand from the State Council schedules:

2025  春节 01-28..02-04 off, 01-26 (Sun) and 02-08 (Sat) workdays
      国庆/中秋 10-01..10-08 off, 09-28 (Sun) and 10-11 (Sat) workdays
2026  元旦 01-01..01-03 off, 01-04 (Sun) workday
      春节 02-15..02-23 off, 02-14 (Sat) and 02-28 (Sat) workdays
      中秋 09-25..09-27 off; 国庆 10-01..10-07 off, 09-20 (Sun) and 10-10 (Sat) workdays
2027  not in the package (chinese-calendar 1.11.0): weekends only in the package calendar below,
      provisional; `current_calendar()` adds the statutory holidays computed from the 放假办法
      (tests/common/test_calendar_statutory.py)
"""

from __future__ import annotations

import datetime as dt

import pytest

from xinfang.common import calendar as bizcal
from xinfang.common.calendar import BusinessCalendar, Due, due_date, package_schedule, working_days_between
from xinfang.common.models import CalendarDay, CalendarYear


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _package_calendar() -> BusinessCalendar:
    days, years = package_schedule()
    return BusinessCalendar(overrides={d: w for d, (w, _name) in days.items()}, covered_years=frozenset(years))


PKG = _package_calendar()

# Spring Festival 2026 entered by hand (same as the State Council notice).
HAND_2026 = BusinessCalendar(
    overrides={
        D("2026-01-01"): False, D("2026-01-02"): False, D("2026-01-03"): False, D("2026-01-04"): True,
        D("2026-02-14"): True,
        **{D("2026-02-15") + dt.timedelta(days=i): False for i in range(9)},  # 02-15 .. 02-23
        D("2026-02-28"): True,
    },
    covered_years=frozenset({2026}),
)

# The same year with no holidays known at all: weekends only.
WEEKENDS_ONLY_2026 = BusinessCalendar(overrides={}, covered_years=frozenset({2026}))


# ---- BusinessCalendar ------------------------------------------------------------------------

class TestBusinessCalendar:
    def test_plain_weekends_without_overrides(self):
        cal = BusinessCalendar()
        assert cal.is_workday(D("2026-03-06")) is True  # Friday
        assert cal.is_workday(D("2026-03-07")) is False  # Saturday
        assert cal.is_workday(D("2026-03-08")) is False  # Sunday
        assert cal.is_workday(D("2026-03-09")) is True  # Monday
        assert cal.is_covered(2026) is False

    def test_overrides_make_holidays_and_make_up_workdays(self):
        assert HAND_2026.is_workday(D("2026-02-16")) is False  # Monday in the Spring Festival
        assert HAND_2026.is_workday(D("2026-02-23")) is False  # last day of the break, a Monday
        assert HAND_2026.is_workday(D("2026-02-14")) is True  # Saturday 调休
        assert HAND_2026.is_workday(D("2026-02-28")) is True  # Saturday 调休
        assert HAND_2026.is_workday(D("2026-02-24")) is True
        assert HAND_2026.is_workday(D("2026-03-07")) is False  # an ordinary Saturday
        assert HAND_2026.is_covered(2026) is True
        assert HAND_2026.is_covered(2027) is False

    def test_next_workday(self):
        assert HAND_2026.next_workday(D("2026-02-15")) == D("2026-02-24")
        assert HAND_2026.next_workday(D("2026-02-14")) == D("2026-02-14")
        assert HAND_2026.next_workday(D("2026-03-07")) == D("2026-03-09")
        assert HAND_2026.next_workday(D("2026-01-01")) == D("2026-01-04")  # the 调休 Sunday

    def test_package_calendar_knows_the_real_schedules(self):
        for day in ("2025-01-26", "2025-02-08", "2025-09-28", "2025-10-11", "2026-01-04", "2026-02-14",
                    "2026-02-28", "2026-09-20", "2026-10-10"):
            assert PKG.is_workday(D(day)) is True, day
        for day in ("2025-01-28", "2025-02-04", "2025-10-01", "2025-10-08", "2026-01-01", "2026-02-15",
                    "2026-02-23", "2026-09-25", "2026-10-01", "2026-10-07"):
            assert PKG.is_workday(D(day)) is False, day
        assert PKG.is_covered(2025) and PKG.is_covered(2026)
        assert not PKG.is_covered(2027)


# ---- package_schedule ------------------------------------------------------------------------

def test_package_schedule_entries_and_years():
    days, years = package_schedule()
    assert days[D("2026-02-14")] == (True, "春节调休")
    assert days[D("2026-02-28")] == (True, "春节调休")
    assert days[D("2026-02-15")] == (False, "春节")
    assert days[D("2026-02-23")] == (False, "春节")
    assert days[D("2025-09-28")] == (True, "国庆节调休")
    assert days[D("2025-10-11")] == (True, "国庆节调休")
    assert days[D("2026-10-01")] == (False, "国庆节")
    assert days[D("2026-10-10")] == (True, "国庆节调休")
    assert days[D("2026-01-01")] == (False, "元旦")
    assert D("2026-03-02") not in days  # an ordinary Monday is not listed
    assert D("2026-03-07") not in days  # nor an ordinary Saturday
    assert {2025, 2026} <= years
    assert 2027 not in years
    assert max(years) == 2026


# ---- due_date: calendar-day periods ----------------------------------------------------------

CALENDAR_DAY_CASES = [
    # Art 201: counting starts the day after the event
    ("2026-03-02", 1, "2026-03-03", "the day after a Monday"),
    ("2026-03-02", 10, "2026-03-12", "Monday + 10 = Thursday"),
    ("2026-03-02", 30, "2026-04-01", "30 days, a Wednesday"),
    # Art 203: an ordinary weekend moves the last day to Monday
    ("2026-03-02", 5, "2026-03-09", "ends Saturday 03-07"),
    ("2026-03-02", 6, "2026-03-09", "ends Sunday 03-08"),
    ("2026-01-20", 60, "2026-03-23", "60 days end Saturday 03-21"),
    # Art 203 in the 2026 Spring Festival (02-15..02-23 off)
    ("2026-01-31", 15, "2026-02-24", "ends Sunday 02-15, first day of the break"),
    ("2026-02-01", 15, "2026-02-24", "ends Monday 02-16, a holiday"),
    ("2026-02-08", 15, "2026-02-24", "ends Monday 02-23, the last holiday"),
    ("2026-02-09", 15, "2026-02-24", "ends on the first working day itself"),
    # ... but a 调休 make-up workday is a working day: no move
    ("2026-01-30", 15, "2026-02-14", "ends Saturday 02-14, 调休"),
    ("2026-02-13", 15, "2026-02-28", "ends Saturday 02-28, 调休"),
    # 2025 Spring Festival (01-28..02-04 off; 01-26 and 02-08 workdays)
    ("2025-01-13", 15, "2025-02-05", "ends Tuesday 01-28 (除夕)"),
    ("2025-01-17", 15, "2025-02-05", "ends Saturday 02-01 inside the break"),
    ("2025-01-11", 15, "2025-01-26", "ends Sunday 01-26, 调休"),
    ("2025-01-24", 15, "2025-02-08", "ends Saturday 02-08, 调休"),
    # 2025 National Day (10-01..10-08 off; 09-28 and 10-11 workdays)
    ("2025-08-02", 60, "2025-10-09", "60 days end on 10-01"),
    ("2025-09-23", 15, "2025-10-09", "ends 10-08, the last holiday"),
    ("2025-09-13", 15, "2025-09-28", "ends Sunday 09-28, 调休"),
    ("2025-09-26", 15, "2025-10-11", "ends Saturday 10-11, 调休"),
    # 2026 Mid-autumn and National Day (09-25..27, 10-01..07 off; 09-20 and 10-10 workdays)
    ("2026-09-10", 15, "2026-09-28", "ends Friday 09-25, 中秋"),
    ("2026-09-16", 15, "2026-10-08", "ends 10-01"),
    ("2026-09-22", 15, "2026-10-08", "ends 10-07, the last holiday"),
    ("2026-09-05", 15, "2026-09-20", "ends Sunday 09-20, 调休"),
    ("2026-09-25", 15, "2026-10-10", "ends Saturday 10-10, 调休"),
    # across the new year 2025 -> 2026 (01-01..03 off, Sunday 01-04 a workday)
    ("2025-12-17", 15, "2026-01-04", "ends on New Year's Day; next working day is the 调休 Sunday"),
    ("2025-12-20", 15, "2026-01-04", "ends Sunday 01-04, 调休"),
]


@pytest.mark.parametrize(("start", "days", "expected", "why"), CALENDAR_DAY_CASES,
                         ids=[f"{c[0]}+{c[1]}" for c in CALENDAR_DAY_CASES])
def test_calendar_day_periods_with_package_schedule(start, days, expected, why):
    assert due_date(D(start), days, working_days=False, calendar=PKG) == Due(D(expected), False), why


@pytest.mark.parametrize(("start", "days", "expected"), [
    ("2026-01-30", 15, "2026-02-14"),  # 调休 Saturday
    ("2026-02-13", 15, "2026-02-28"),  # 调休 Saturday
    ("2026-02-01", 15, "2026-02-24"),  # inside the break
    ("2025-12-17", 15, "2026-01-04"),  # New Year's Day -> 调休 Sunday (2025 is not covered: provisional)
])
def test_calendar_day_periods_with_hand_built_calendar(start, days, expected):
    due = due_date(D(start), days, working_days=False, calendar=HAND_2026)
    assert due.date == D(expected)
    assert due.provisional is (D(start).year != 2026)


def test_weekends_only_calendar_moves_a_saturday_that_is_really_a_make_up_workday():
    # Without the schedule the 调休 Saturday is a rest day: the contrast proves the overrides matter.
    assert due_date(D("2026-01-30"), 15, working_days=False, calendar=WEEKENDS_ONLY_2026).date == D("2026-02-16")
    # ... and a holiday Monday counts as a working day
    assert due_date(D("2026-02-01"), 15, working_days=False, calendar=WEEKENDS_ONLY_2026).date == D("2026-02-16")


# ---- due_date: working-day periods -----------------------------------------------------------

WORKING_DAY_CASES = [
    ("2026-03-06", 5, "2026-03-13", "Friday + 5 working days = next Friday"),
    ("2026-03-02", 10, "2026-03-16", "two plain weeks"),
    # 2026 Spring Festival: 02-13 Fri, 02-14 Sat 调休, break, 02-24 .. ; 02-28 Sat 调休
    ("2026-02-12", 1, "2026-02-13", "Thursday -> Friday"),
    ("2026-02-13", 1, "2026-02-14", "Friday -> the 调休 Saturday"),
    ("2026-02-14", 1, "2026-02-24", "over the nine-day break"),
    ("2026-02-12", 5, "2026-02-26", "13, 14, 24, 25, 26"),
    ("2026-02-12", 10, "2026-03-04", "13, 14, 24, 25, 26, 27, 28(Sat), 03-02, 03, 04"),
    # 2025 Spring Festival: 01-26 Sun 调休, 01-27, break 01-28..02-04, 02-05.., 02-08 Sat 调休
    ("2025-01-24", 1, "2025-01-26", "Friday -> the 调休 Sunday"),
    ("2025-01-24", 5, "2025-02-07", "26, 27, 02-05, 06, 07"),
    ("2025-01-24", 6, "2025-02-08", "... and the 调休 Saturday"),
    # 2025 National Day: 09-28 Sun 调休, 09-29, 09-30, break 10-01..08, 10-09, 10-10, 10-11 Sat 调休
    ("2025-09-26", 1, "2025-09-28", "Friday -> the 调休 Sunday"),
    ("2025-09-26", 5, "2025-10-10", "28, 29, 30, 10-09, 10"),
    ("2025-09-26", 6, "2025-10-11", "... and the 调休 Saturday"),
    # 2026 Mid-autumn + National Day
    ("2026-09-18", 1, "2026-09-20", "Friday -> the 调休 Sunday"),
    ("2026-09-18", 10, "2026-10-09", "20, 21, 22, 23, 24, 28, 29, 30, 10-08, 09"),
    ("2026-09-18", 11, "2026-10-10", "... and the 调休 Saturday"),
    ("2026-09-30", 1, "2026-10-08", "over the National Day break"),
]


@pytest.mark.parametrize(("start", "days", "expected", "why"), WORKING_DAY_CASES,
                         ids=[f"{c[0]}+{c[1]}wd" for c in WORKING_DAY_CASES])
def test_working_day_periods_with_package_schedule(start, days, expected, why):
    assert due_date(D(start), days, working_days=True, calendar=PKG) == Due(D(expected), False), why


def test_working_day_periods_with_hand_built_calendar_and_without_holidays():
    assert due_date(D("2026-02-12"), 5, working_days=True, calendar=HAND_2026).date == D("2026-02-26")
    assert due_date(D("2026-02-12"), 10, working_days=True, calendar=HAND_2026).date == D("2026-03-04")
    # weekends only: 13, 16, 17, 18, 19
    assert due_date(D("2026-02-12"), 5, working_days=True, calendar=WEEKENDS_ONLY_2026).date == D("2026-02-19")


# ---- provisional: periods reaching a year the package does not know --------------------------

@pytest.mark.parametrize(("start", "days", "working", "expected", "provisional"), [
    ("2026-12-17", 15, False, "2027-01-01", True),  # a Friday; 2027's New Year not known yet
    ("2026-12-20", 15, False, "2027-01-04", True),
    ("2026-11-20", 60, False, "2027-01-19", True),
    ("2026-12-28", 5, True, "2027-01-04", True),  # 29, 30, 31, 01-01 (Fri, weekday rule), 01-04
    ("2026-12-01", 15, False, "2026-12-16", False),
    ("2026-12-16", 15, False, "2026-12-31", False),  # last day of the covered year
    ("2026-12-24", 5, True, "2026-12-31", False),  # 25, 28, 29, 30, 31
])
def test_provisional_flag_with_package_schedule(start, days, working, expected, provisional):
    assert due_date(D(start), days, working_days=working, calendar=PKG) == Due(D(expected), provisional)


def test_moved_into_an_unknown_year_by_art_203_is_provisional():
    cal = BusinessCalendar(overrides={D("2026-12-31"): False}, covered_years=frozenset({2026}))
    assert due_date(D("2026-12-16"), 15, working_days=False, calendar=cal) == Due(D("2027-01-01"), True)


def test_entering_the_next_year_makes_it_final():
    cal = BusinessCalendar(overrides={D("2027-01-01"): False}, covered_years=frozenset({2026, 2027}))
    assert due_date(D("2026-12-17"), 15, working_days=False, calendar=cal) == Due(D("2027-01-04"), False)


def test_a_calendar_without_any_year_is_always_provisional():
    assert due_date(D("2026-03-02"), 10, working_days=False, calendar=BusinessCalendar()) == Due(
        D("2026-03-12"), True)


# ---- zero and negative periods ---------------------------------------------------------------

def test_zero_day_period_ends_on_the_event_day():
    assert due_date(D("2026-03-02"), 0, working_days=False, calendar=PKG) == Due(D("2026-03-02"), False)
    assert due_date(D("2026-03-02"), 0, working_days=True, calendar=PKG) == Due(D("2026-03-02"), False)
    assert due_date(D("2026-02-14"), 0, working_days=False, calendar=PKG) == Due(D("2026-02-14"), False)


def test_zero_day_period_on_a_holiday_moves_to_the_next_working_day():
    assert due_date(D("2026-02-16"), 0, working_days=False, calendar=PKG) == Due(D("2026-02-24"), False)


def test_zero_day_period_provisional_only_by_its_own_year():
    assert due_date(D("2026-12-31"), 0, working_days=False, calendar=PKG) == Due(D("2026-12-31"), False)
    assert due_date(D("2027-01-05"), 0, working_days=False, calendar=PKG) == Due(D("2027-01-05"), True)


def test_negative_period_is_an_error():
    with pytest.raises(ValueError):
        due_date(D("2026-03-02"), -1, working_days=False, calendar=PKG)


# ---- working_days_between --------------------------------------------------------------------

@pytest.mark.parametrize(("start", "end", "expected"), [
    ("2026-02-12", "2026-02-12", 0),
    ("2026-02-12", "2026-02-26", 5),  # 13, 14, 24, 25, 26
    ("2026-02-13", "2026-02-24", 2),  # 14, 24
    ("2026-02-14", "2026-02-23", 0),  # the break
    ("2026-02-12", "2026-03-04", 10),
    ("2026-03-06", "2026-03-13", 5),
    ("2026-03-13", "2026-03-06", 0),  # end before start
])
def test_working_days_between(start, end, expected):
    assert working_days_between(D(start), D(end), PKG) == expected


# ---- the database-backed snapshot ------------------------------------------------------------

def test_current_calendar_reads_the_seeded_tables(db):
    cal = bizcal.current_calendar()
    assert cal.is_workday(D("2026-02-14")) is True
    assert cal.is_workday(D("2026-02-16")) is False
    assert cal.is_workday(D("2025-10-11")) is True
    assert cal.is_covered(2026) and not cal.is_covered(2027)
    assert due_date(D("2026-02-12"), 10, working_days=True, calendar=cal).date == D("2026-03-04")


def test_current_calendar_is_cached_until_invalidated(db):
    first = bizcal.current_calendar()
    assert bizcal.current_calendar() is first
    CalendarDay.objects.create(date=D("2027-01-01"), is_workday=False, name="元旦")
    CalendarYear.objects.create(year=2027, source=CalendarYear.SOURCE_ADMIN)
    assert bizcal.current_calendar().is_covered(2027) is False  # still the cached snapshot
    bizcal.invalidate()
    fresh = bizcal.current_calendar()
    assert fresh is not first
    assert fresh.is_covered(2027) is True
    assert fresh.is_workday(D("2027-01-01")) is False
    assert due_date(D("2026-12-17"), 15, working_days=False, calendar=fresh) == Due(D("2027-01-04"), False)
