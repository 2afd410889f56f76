"""Reporting periods: local dates, 同比 and 环比 periods, labels."""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)


def _local_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# ---- periods -------------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the month's last day (31 Mar − 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, pycal.monthrange(year, month)[1]))


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=pycal.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class Period:
    """Local dates, both inclusive."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return _local_start(self.start), _local_start(self.end + dt.timedelta(days=1))

    def whole_months(self) -> int | None:
        """The number of whole calendar months when the period is exactly whole months, else None."""
        if self.start.day != 1 or self.end != month_end(self.end):
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def same_period_last_year(self) -> Period:
        return Period(add_months(self.start, -12), _shift_end(self.end, -12))

    def previous(self) -> Period:
        months = self.whole_months()
        if months:
            start = add_months(self.start, -months)
            return Period(start, self.start - dt.timedelta(days=1))
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def shift_instant(self, other: Period, instant: dt.datetime) -> dt.datetime:
        """`instant` moved as this period moves to `other` (months when both start on the 1st, else days)."""
        if self.start.day == other.start.day == 1 or (self.start.month == other.start.month
                                                       and self.start.day == other.start.day):
            months = (other.start.year - self.start.year) * 12 + other.start.month - self.start.month
            local = timezone.localtime(instant)
            moved = add_months(local.date(), months)
            return timezone.make_aware(dt.datetime.combine(moved, local.time()))
        return instant + (_local_start(other.start) - _local_start(self.start))

    def months(self) -> list[Period]:
        out, cursor = [], self.start.replace(day=1)
        while cursor <= self.end:
            out.append(Period(max(cursor, self.start), min(month_end(cursor), self.end)))
            cursor = add_months(cursor, 1)
        return out

    def label(self) -> str:
        """The period as bulletins write it: 2026年1至10月份, 2026年10月份, 2026年全年, …"""
        s, e = self.start, self.end
        months = self.whole_months()
        if months and s.year == e.year:
            if s.month == 1 and e.month == 12:
                return _("%(y)d年全年") % {"y": s.year}
            if s.month == e.month:
                return _("%(y)d年%(m)d月份") % {"y": s.year, "m": s.month}
            return _("%(y)d年%(a)d至%(b)d月份") % {"y": s.year, "a": s.month, "b": e.month}
        if months:
            return _("%(y1)d年%(m1)d月至%(y2)d年%(m2)d月") % {"y1": s.year, "m1": s.month, "y2": e.year, "m2": e.month}
        if s.year == e.year:
            return _("%(y)d年%(m1)d月%(d1)d日至%(m2)d月%(d2)d日") % {
                "y": s.year, "m1": s.month, "d1": s.day, "m2": e.month, "d2": e.day}
        return _("%(y1)d年%(m1)d月%(d1)d日至%(y2)d年%(m2)d月%(d2)d日") % {
            "y1": s.year, "m1": s.month, "d1": s.day, "y2": e.year, "m2": e.month, "d2": e.day}

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "label": self.label()}


def _shift_end(day: dt.date, months: int) -> dt.date:
    """The end of a period moved by months: a month's last day stays the month's last day."""
    moved = add_months(day, months)
    return month_end(moved) if day == month_end(day) else moved


def check_date(day: dt.date | None, name: str) -> None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise ApplicationError(_("日期超出范围（%(lo)s 至 %(hi)s）。") % {"lo": EARLIEST, "hi": LATEST},
                               "invalid", name)


def make_period(date_from: dt.date | None, date_to: dt.date | None, *, as_of: dt.datetime | None = None,
                default: str = "year") -> Period:
    """The period asked for, validated, with its end capped at the `as_of` date (no future days).

    Without `date_from`: the 1st of January of the end's year (`default="year"`) or the 1st of its
    month (`default="month"`). Without `date_to`: the `as_of` date."""
    check_date(date_from, "from")
    check_date(date_to, "to")
    today = timezone.localtime(as_of or timezone.now()).date()
    end = min(date_to or today, today)
    if date_from is None:
        date_from = end.replace(month=1, day=1) if default == "year" else end.replace(day=1)
    if date_to and date_from > date_to:
        raise ApplicationError(_("开始日期不能晚于结束日期。"), "invalid", "to")
    if date_from > today:
        raise ApplicationError(_("统计期间尚未开始（开始日期晚于今天）。"), "invalid", "from")
    if date_from < dt.date(1901, 1, 1):
        raise ApplicationError(_("开始日期过早。"), "invalid", "from")
    return Period(date_from, end)
