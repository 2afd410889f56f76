"""/api/v1/insight: text intelligence at intake."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from xinfang.common.errors import ApplicationError, Forbidden
from xinfang.insight.feedback.selectors import acceptance_rates
from xinfang.insight.selectors import category_suggestions, suggestions_method
from xinfang.org.choices import Role
from xinfang.org.jurisdiction import all_roles, is_global

from ..schemas import SuggestIn, SuggestOut

router = Router(tags=["insight"])


@router.post("/insight/suggest", response=SuggestOut, summary="建议内容分类")
def suggest(request, payload: SuggestIn):
    if not (payload.title.strip() or payload.content.strip()):
        raise ApplicationError(_("请填写标题或反映内容。"), "invalid", "content")
    found = category_suggestions(title=payload.title, content=payload.content)
    return {"method": suggestions_method(), "suggestions": [
        {"code": s.code, "name": s.name, "confidence": s.confidence, "keywords": list(s.keywords)} for s in found]}


class AcceptanceFilters(Schema):
    date_from: dt.date | None = Field(None, alias="from", description="开始日期（含）")
    date_to: dt.date | None = Field(None, alias="to", description="结束日期（含）")


class AcceptanceRate(Schema):
    shown: int
    taken: int
    rate: float | None


class AcceptanceOut(Schema):
    category: AcceptanceRate
    unit: AcceptanceRate


@router.get("/insight/acceptance", response=AcceptanceOut, summary="智能建议采纳率",
            description="登记时建议的内容分类、转送交办时建议的单位被采纳的比例（全系统，仅计数，不含个人信息）："
                        "shown 给出建议的次数，taken 采纳次数，rate = taken ÷ shown。"
                        "`from`、`to` 为日期（含）。仅系统管理员和统计分析人员可查看（否则403）。")
def acceptance(request, filters: Query[AcceptanceFilters]):
    date_from, date_to = filters.date_from, filters.date_to
    if not (is_global(request.user) or all_roles(request.user) & {Role.ADMIN, Role.ANALYST}):
        raise Forbidden(_("只有系统管理员和统计分析人员可以查看智能建议采纳率。"))
    if date_from and date_to and date_from > date_to:
        raise ApplicationError(_("开始日期不能晚于结束日期。"), "invalid", "from")
    start = _day_start(date_from) if date_from else None
    end = _day_start(date_to + dt.timedelta(days=1)) if date_to else None
    return acceptance_rates(date_from=start, date_to=end)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
