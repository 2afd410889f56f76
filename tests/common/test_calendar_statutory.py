"""Statutory holidays of years without a published schedule (DESIGN §4, GitHub issue item 11).

《全国年节及纪念日放假办法》 (2024 revision, in force from 2025): 元旦 1-1; 春节 农历除夕 and 正月初一 to
初三; 清明节 (the 清明 solar term); 劳动节 5-1, 5-2; 端午节 农历五月初五; 中秋节 农历八月十五; 国庆节
10-1 to 10-3. For 2027 (not in chinesecalendar 1.11.0), worked out by hand from the lunar calendar:

2027  元旦 01-01 (Fri); 除夕 02-05 (Fri), 初一 02-06 (Sat), 初二 02-07 (Sun), 初三 02-08 (Mon);
      清明 04-05 (Mon); 劳动节 05-01 (Sat), 05-02 (Sun); 端午 06-09 (Wed); 中秋 09-15 (Wed);
      国庆 10-01 (Fri), 10-02 (Sat), 10-03 (Sun)
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine

from xinfang.common import calendar as bizcal
from xinfang.common.calendar import BusinessCalendar, Due, due_date, package_schedule, statutory_holidays
from xinfang.common.models import CalendarDay, CalendarYear

TZ = ZoneInfo("Asia/Shanghai")


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(D(day), dt.time(hour), tzinfo=TZ)


HOLIDAYS_2027 = {
    "2027-01-01": "元旦",
    "2027-02-05": "春节", "2027-02-06": "春节", "2027-02-07": "春节", "2027-02-08": "春节",
    "2027-04-05": "清明节",
    "2027-05-01": "劳动节", "2027-05-02": "劳动节",
    "2027-06-09": "端午节",
    "2027-09-15": "中秋节",
    "2027-10-01": "国庆节", "2027-10-02": "国庆节", "2027-10-03": "国庆节",
}


def _package() -> BusinessCalendar:
    days, years = package_schedule()
    return BusinessCalendar(overrides={d: w for d, (w, _n) in days.items()}, covered_years=frozenset(years))


PKG = _package()
# What current_calendar() builds from the seeded tables: the package's years, computed ones after them.
PKG_COMPUTED = BusinessCalendar(overrides=PKG.overrides, covered_years=PKG.covered_years, statutory_fallback=True)


# ---- the computed holidays -------------------------------------------------------------------

def test_2027_statutory_holidays():
    assert {d.isoformat(): name for d, name in statutory_holidays(2027).items()} == HOLIDAYS_2027


def test_spring_festival_2027_is_new_years_eve_and_the_first_three_days():
    from lunar_python import Lunar

    spring = [d for d, name in statutory_holidays(2027).items() if name == "春节"]
    assert spring == [D("2027-02-05"), D("2027-02-06"), D("2027-02-07"), D("2027-02-08")]
    first = Lunar.fromYmd(2027, 1, 1).getSolar()
    assert (first.getYear(), first.getMonth(), first.getDay()) == (2027, 2, 6)  # 正月初一
    eve = Lunar.fromDate(dt.datetime(2027, 2, 5))  # 除夕: the last day of 腊月 (a 29-day month in 2027)
    assert (eve.getMonth(), eve.getDay()) == (12, 29)


def test_new_years_eve_is_the_last_day_of_the_twelfth_month_whether_29th_or_30th():
    from lunar_python import Lunar

    for year in range(2025, 2060):
        eve = min(d for d, name in statutory_holidays(year).items() if name == "春节")
        lunar = Lunar.fromDate(dt.datetime(eve.year, eve.month, eve.day))
        after = Lunar.fromDate(dt.datetime(eve.year, eve.month, eve.day) + dt.timedelta(days=1))
        assert lunar.getMonth() == 12 and lunar.getDay() in (29, 30), year
        assert (after.getMonth(), after.getDay()) == (1, 1), year


@pytest.mark.parametrize("year", [2025, 2026])
def test_computed_holidays_are_the_packages_statutory_days(year):
    """Every computed day is a holiday of the State Council schedule in chinesecalendar, same festival."""
    from chinese_calendar import constants

    computed = statutory_holidays(year)
    assert len(computed) == 13
    names = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
             "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节",
             "National Day": "国庆节"}
    for day, name in computed.items():
        assert day in constants.holidays, (day, name)
        assert names[str(constants.holidays[day])] == name, (day, name, constants.holidays[day])


def test_lunar_festivals_of_earlier_years_are_package_holidays(monkeypatch):
    """The lunar and solar-term computation checked over 2008-2024 (the 2007 rules' festivals: no 除夕
    and one 劳动节 day then), against the State Council schedules the package knows. The package does not
    list every weekend inside a break (2012-06-23, 端午 on a Saturday), so a weekend day not made a
    调休 workday counts as a rest day there."""
    from chinese_calendar import constants

    monkeypatch.setattr(bizcal, "STATUTORY_RULES_FROM", 2008)
    statutory_holidays.cache_clear()
    checked = 0
    try:
        for year in range(2008, 2025):
            days = statutory_holidays(year)
            eve = min(d for d, name in days.items() if name == "春节")
            for day, name in days.items():
                if day == eve or day == dt.date(year, 5, 2):
                    continue
                rest = day in constants.holidays or (day.weekday() >= 5 and day not in constants.workdays)
                assert rest, (day, name)
                checked += 1
        assert checked > 17 * 10  # 11 a year, 10 when 中秋 falls inside 国庆 (2009, 2020)
    finally:
        monkeypatch.undo()
        statutory_holidays.cache_clear()


def test_mid_autumn_inside_national_day_is_one_day_with_both_names():
    days = statutory_holidays(2031)
    assert days[D("2031-10-01")] == "中秋节、国庆节"
    assert len(days) == 12


def test_no_computation_before_the_2024_revision_took_effect():
    assert dict(statutory_holidays(2024)) == {}
    assert dict(statutory_holidays(2101)) == {}


# ---- the calendar with the computed holidays -------------------------------------------------

def test_fallback_makes_computed_holidays_rest_days_only_in_uncovered_years():
    for day in HOLIDAYS_2027:
        assert PKG_COMPUTED.is_workday(D(day)) is False, day
        assert PKG.is_workday(D(day)) is (D(day).weekday() < 5), day  # without the fallback: weekdays
    assert PKG_COMPUTED.is_workday(D("2027-02-09")) is True
    assert PKG_COMPUTED.is_workday(D("2027-02-04")) is True
    # a covered year is the entered schedule only
    covered = BusinessCalendar(covered_years=frozenset({2027}), statutory_fallback=True)
    assert covered.is_workday(D("2027-10-01")) is True
    assert covered.computed_holidays(2027) == {}
    assert set(PKG_COMPUTED.computed_holidays(2027)) == {D(d) for d in HOLIDAYS_2027}
    assert PKG_COMPUTED.computed_holidays(2026) == {}


def test_an_entered_day_overrides_the_computed_one():
    cal = BusinessCalendar(overrides={D("2027-10-01"): True, D("2027-10-04"): False},
                           covered_years=frozenset({2026}), statutory_fallback=True)
    assert cal.is_workday(D("2027-10-01")) is True
    assert cal.is_workday(D("2027-10-04")) is False
    assert cal.is_workday(D("2027-10-05")) is True


@pytest.mark.parametrize(("start", "days", "working", "expected", "why"), [
    ("2027-09-01", 30, False, "2027-10-04", "the 30th day is 10-01 (国庆), 10-02/03 too: next working day"),
    ("2026-12-17", 15, False, "2027-01-04", "the 15th day is 元旦 2027 (Friday)"),
    ("2027-01-21", 15, False, "2027-02-09", "the 15th day is 除夕 (Friday), then 初一..初三"),
    ("2027-01-25", 15, False, "2027-02-09", "the 15th day is 初三 (Monday)"),
    ("2027-03-21", 15, False, "2027-04-06", "the 15th day is 清明 (Monday)"),
    ("2027-05-25", 15, False, "2027-06-10", "the 15th day is 端午 (Wednesday)"),
    ("2027-08-31", 15, False, "2027-09-16", "the 15th day is 中秋 (Wednesday)"),
    ("2027-08-02", 60, False, "2027-10-04", "60 days of handling end on 10-01"),
    ("2027-02-04", 1, True, "2027-02-09", "one working day over the Spring Festival"),
    ("2027-09-29", 3, True, "2027-10-05", "30, 10-04, 10-05"),
])
def test_due_dates_never_fall_on_a_computed_holiday_and_stay_provisional(start, days, working, expected, why):
    due = due_date(D(start), days, working_days=working, calendar=PKG_COMPUTED)
    assert due == Due(D(expected), True), why
    assert due.date.isoformat() not in HOLIDAYS_2027


def test_2025_and_2026_due_dates_are_unchanged_by_the_fallback():
    """The legal review's 2026 calendar: the covered years never use the computed days."""
    day = D("2025-01-01")
    while day < D("2027-01-01"):
        assert PKG_COMPUTED.is_workday(day) is PKG.is_workday(day), day
        day += dt.timedelta(days=1)
    for start, days in (("2026-09-16", 15), ("2026-01-31", 15), ("2025-12-17", 15), ("2026-02-13", 15)):
        assert due_date(D(start), days, working_days=False, calendar=PKG_COMPUTED) == due_date(
            D(start), days, working_days=False, calendar=PKG)


# ---- current_calendar() and the stored deadlines ---------------------------------------------

def test_current_calendar_computes_the_years_without_a_schedule(db):
    with time_machine.travel(at("2026-09-01"), tick=False):
        cal = bizcal.current_calendar()
        assert cal.statutory_fallback is True
        assert cal.is_covered(2026) and not cal.is_covered(2027)
        assert cal.is_workday(D("2027-10-01")) is False
        assert cal.is_workday(D("2026-10-10")) is True  # 2026's 调休 Saturday, as entered
        assert due_date(D("2027-09-01"), 30, working_days=False, calendar=cal) == Due(D("2027-10-04"), True)


def test_an_entered_year_replaces_the_computed_holidays(db):
    CalendarDay.objects.create(date=D("2027-01-01"), is_workday=False, name="元旦")
    CalendarYear.objects.create(year=2027, source=CalendarYear.SOURCE_ADMIN)
    bizcal.invalidate()
    cal = bizcal.current_calendar()
    assert cal.is_workday(D("2027-10-01")) is True  # the admin's (incomplete) schedule wins
    assert due_date(D("2027-09-01"), 30, working_days=False, calendar=cal) == Due(D("2027-10-01"), False)


def test_stored_deadlines_into_2027_skip_the_computed_holidays_and_stay_provisional(register, act, users):
    from xinfang.petitions.models import Petition
    from xinfang.workflow.models import Deadline
    from xinfang.workflow.services import calendar_year_set

    with time_machine.travel(at("2027-08-02"), tick=False):
        p, _ = register()
        p = act("demo_dispatcher", p, "accept")
        handle = Deadline.objects.get(petition=p, kind="handle", cancelled=False, met_at__isnull=True)
        assert (handle.start, handle.days, handle.working_days) == (D("2027-08-02"), 60, False)
        assert (handle.due, handle.provisional) == (D("2027-10-04"), True)  # 10-01..03 are holidays
        p = Petition.objects.get(pk=p.pk)
        assert (p.due_on, p.due_provisional) == (D("2027-10-04"), True)
    with time_machine.travel(at("2027-09-16"), tick=False):
        q, _ = register(title="小区路灯不亮")
        accept = Deadline.objects.get(petition=q, kind="accept")
        assert (accept.due, accept.provisional) == (D("2027-10-04"), True)  # 09-16 + 15 = 10-01
        # the State Council's schedule entered: 10-01..07 off, 10-09 (Sat) a workday
        calendar_year_set(actor=users["demo_admin"], year=2027, days=[
            *[(D("2027-10-01") + dt.timedelta(days=i), False, "国庆节") for i in range(7)],
            (D("2027-10-09"), True, "国庆节调休")])
    handle.refresh_from_db()
    accept.refresh_from_db()
    assert (handle.due, handle.provisional) == (D("2027-10-08"), False)
    assert (accept.due, accept.provisional) == (D("2027-10-08"), False)


# ---- the management page ---------------------------------------------------------------------

def test_calendar_page_shows_computed_holidays_as_provisional(org, users, client):
    client.force_login(users["demo_admin"])
    with time_machine.travel(at("2026-09-01"), tick=False):
        page = client.get("/manage/calendar/?year=2027").content.decode()
        assert "按法定节日推算的休息日" in page and "推算（暂定）" in page
        assert "尚未录入" in page and "待定" in page
        for day, name in HOLIDAYS_2027.items():
            assert day in page and name in page, day
        known = client.get("/manage/calendar/?year=2026").content.decode()
        assert "推算（暂定）" not in known and "按法定节日推算的休息日" not in known
        # an entered day is shown as entered, not as computed
        CalendarDay.objects.create(date=D("2027-10-01"), is_workday=False, name="国庆节")
        page = client.get("/manage/calendar/?year=2027").content.decode()
        assert page.count("推算（暂定）") == len(HOLIDAYS_2027) - 1  # every computed row but the entered one
        assert "已录入" in page


def test_calendar_export_names_the_computed_holidays(org, users, client):
    from openpyxl import load_workbook

    client.force_login(users["demo_admin"])
    with time_machine.travel(at("2026-09-01"), tick=False):
        r = client.get("/manage/calendar/?year=2027&export=xlsx")
        wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
        notes = " ".join(str(v) for row in wb["说明"].iter_rows(values_only=True) for v in row if v)
        assert "按《全国年节及纪念日放假办法》推算的法定节假日" in notes
        assert "2027-02-05 春节" in notes and "2027-10-03 国庆节" in notes
        r = client.get("/manage/calendar/?year=2026&export=xlsx")
        wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
        notes = " ".join(str(v) for row in wb["说明"].iter_rows(values_only=True) for v in row if v)
        assert "推算" not in notes
