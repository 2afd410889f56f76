"""The grouping dimensions and their SQL columns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    F,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.petitions.choices import Channel

from .periods import Period

# ---- dimensions ----------------------------------------------------------------------------------

DIMENSIONS = ("unit", "region", "category", "channel", "visit_kind", "nature", "month")


def dimension_labels() -> dict[str, str]:
    return {"unit": _("承办单位"), "region": _("问题属地"), "category": _("内容分类"), "channel": _("信访形式"),
            "visit_kind": _("来访类型"), "nature": _("性质"), "month": _("月份")}


@dataclass(frozen=True)
class Segments:
    """A grouping by spans of local days (not one of DIMENSIONS): a row's value is the first day (ISO
    date) of the span its receipt falls in; the spans start at `starts` (ascending), the last one ends
    with `end` (inclusive); '' outside them."""

    starts: tuple[dt.date, ...]
    end: dt.date

    def column(self):
        ends = [*self.starts[1:], self.end + dt.timedelta(days=1)]
        return _month_case([(Period(s, e - dt.timedelta(days=1)).bounds()[1], s.isoformat())
                            for s, e in zip(self.starts, ends, strict=True)])


def _dim_column(dim: str | Segments, period: Period):
    if isinstance(dim, Segments):
        return dim.column()
    if dim == "unit":
        return Coalesce("handling_unit_id", "receiving_unit_id")
    if dim == "region":
        return F("problem_region_id")
    if dim == "category":
        return F("category_id")
    if dim == "channel":
        return F("channel")
    if dim == "nature":
        return F("nature")
    if dim == "visit_kind":
        return Case(When(channel=Channel.VISIT, then=F("visit_kind")), default=Value(""), output_field=CharField())
    if dim == "month":
        return _month_case([(m.bounds()[1], f"{m.start:%Y-%m}") for m in period.months()])
    raise ApplicationError(_("不支持的分组：%(d)s") % {"d": dim}, "invalid", "group_by")


def _month_case(months: list[tuple]):
    """The label of the first month whose (exclusive) end lies after `received_at`, '' after the last:
    a binary search of nested CASEs (about five comparisons a row for two years, not twelve on average)."""
    if len(months) == 1:
        end, label = months[0]
        return Case(When(received_at__lt=end, then=Value(label)), default=Value(""), output_field=CharField())
    mid = len(months) // 2
    return Case(When(received_at__lt=months[mid - 1][0], then=_month_case(months[:mid])),
                default=_month_case(months[mid:]), output_field=CharField())
