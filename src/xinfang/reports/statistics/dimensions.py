"""The grouping dimensions and their SQL columns."""

from __future__ import annotations

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


def _dim_column(dim: str, period: Period):
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
        whens = [When(received_at__lt=m.bounds()[1], then=Value(f"{m.start:%Y-%m}")) for m in period.months()]
        return Case(*whens, default=Value(""), output_field=CharField())
    raise ApplicationError(_("不支持的分组：%(d)s") % {"d": dim}, "invalid", "group_by")
