"""Small SQL functions shared by the workflow's stored facts and the reports (SQLite and PostgreSQL).

Django stores datetimes as UTC; China keeps one fixed offset all year, so a local day's bounds are
the UTC instant of its midnight shifted by that offset.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import DateTimeField, FloatField, Func
from django.utils import timezone


def utc_offset_seconds() -> int:
    return int(timezone.localtime().utcoffset().total_seconds())


class _LocalDayBound(Func):
    """The instant a local day begins: the day of the date `expression`, plus `days_after` days."""

    output_field = DateTimeField()
    arity = 1
    days_after = 0

    def as_sqlite(self, compiler, conn, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        # Django stores UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]'
        return f"datetime({sql}, %s)", [*params, f"{86400 * self.days_after - utc_offset_seconds():+d} seconds"]

    def as_postgresql(self, compiler, conn, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql} + {int(self.days_after)})::timestamp AT TIME ZONE %s)", [*params, settings.TIME_ZONE]

    def as_sql(self, compiler, conn, **extra):  # other backends: PostgreSQL's form, unverified
        return self.as_postgresql(compiler, conn, **extra)


class DayStart(_LocalDayBound):
    """The instant the local day `expression` (a date) begins."""


class DayEnd(_LocalDayBound):
    """The instant the local day after the date `expression` begins (the end of a due day)."""

    days_after = 1


class DaysBetween(Func):
    """Days (fractional) from the first datetime to the second."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler, conn, **extra):
        a, pa = compiler.compile(self.source_expressions[0])
        b, pb = compiler.compile(self.source_expressions[1])
        return f"(julianday({b}) - julianday({a}))", [*pb, *pa]

    def as_postgresql(self, compiler, conn, **extra):
        a, pa = compiler.compile(self.source_expressions[0])
        b, pb = compiler.compile(self.source_expressions[1])
        return f"CAST(EXTRACT(EPOCH FROM ({b} - {a})) / 86400.0 AS double precision)", [*pb, *pa]

    def as_sql(self, compiler, conn, **extra):
        return self.as_postgresql(compiler, conn, **extra)
