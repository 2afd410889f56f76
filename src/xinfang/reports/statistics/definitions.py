"""The KPI definitions (the text the notes cite) and the statistics settings."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _


def conf(key: str):
    """A statistics setting from settings.XINFANG, with its default."""
    defaults = {
        "EVALUATION_WINDOW_DAYS": 30,  # 参评率: days after the reply in which an evaluation is expected
        "ONE_TIME_RESOLUTION_DAYS": 90,  # 一次性化解率: observation window after the reply
        "KPI_THRESHOLDS": (85.0, 90.0),  # dashboard tiles: red below the first, green above the second
        "REPORT_THREADS": 2,  # independent report queries run side by side, each on its own connection
        # read the handling facts stored on each petition where they answer (False: always read the
        # deadline and evaluation rows; the same figures, slower: a baseline for the benchmarks)
        "REPORT_STORED_FACTS": True,
    }
    return settings.XINFANG.get(key, defaults[key])


# ---- KPI definitions ---------------------------------------------------------------------------

@dataclass(frozen=True)
class KpiDef:
    key: str
    label: str
    numerator: str | None  # measure names (see MEASURES)
    denominator: str | None
    kind: str  # "rate" (percent, one decimal) or "mean" (days, one decimal)
    definition: str
    higher_is_better: bool = True


def kpi_definitions() -> list[KpiDef]:
    """The KPIs of DESIGN §6 with their definitions (translated at call time)."""
    ev = conf("EVALUATION_WINDOW_DAYS")
    ot = conf("ONE_TIME_RESOLUTION_DAYS")
    return [
        KpiDef("timely_acceptance", _("及时受理率"), "acc_timely", "acc_due", "rate", _(
            "及时受理率 = 在时限内作出受理决定（受理、不予受理、转送交办、告知引导或存档）的件数 ÷ 应受理件数。"
            "一件信访的登记转送时限和受理告知时限（含转交后承办单位的受理时限）全部按期完成才算及时；"
            "应受理件数 = 及时件数 + 逾期作出决定的件数 + 已过时限仍未作出决定的件数，时限未到且尚未决定的不计入。")),
        KpiDef("on_time_reply", _("按期办结率"), "rep_on_time", "rep_due", "rate", _(
            "按期办结率 = 在到期日当天或之前出具处理意见（含简易办理、12345热线答复）的件数 ÷ "
            "（按期答复件数 + 逾期答复件数 + 已到期仍未答复件数）。到期日为存储的办理时限（含批准的延期），"
            "时限未到且尚未答复的不计入。")),
        KpiDef("satisfaction", _("群众满意率"), "sat_ok", "evaluated", "rate", _(
            "群众满意率 =（满意 + 基本满意）÷ 全部评价。每件信访以其最近记录的一次评价（网上评价或回访）计。")),
        KpiDef("participation", _("参评率"), "evaluated", "eval_base", "rate", _(
            "参评率 = 已评价件数 ÷（已评价件数 + 答复后%(days)d日评价期已满仍未评价的件数）。"
            "评价期尚未届满且未评价的不计入。") % {"days": ev}),
        KpiDef("repeat_rate", _("重复信访率"), "repeat", "items", "rate", _(
            "重复信访率 = 重复信访件数（登记时关联了此前信访件，同人同事）÷ 信访总件数。"), higher_is_better=False),
        KpiDef("one_time_resolution", _("一次性化解率"), "ot_resolved", "ot_closed", "rate", _(
            "一次性化解率 = 初信初访件中，答复后%(days)d日内同一信访人没有就同一事项再次信访（重复信访）、"
            "也没有申请复查的件数 ÷ 已答复且%(days)d日观察期已满的初信初访件数。") % {"days": ot}),
        KpiDef("avg_handling_days", _("平均办理时长"), "reply_days", "replied", "mean", _(
            "平均办理时长 = 已答复件从收到之日到出具处理意见的天数之和 ÷ 已答复件数（单位：天）。"),
            higher_is_better=False),
        KpiDef("ownership_resolution", _("包案化解率"), "own_resolved", "own_cases", "rate", _(
            "包案化解率 = 包案件中已化解件数 ÷ 包案件数。包案件：统计截止时已安排过领导包案的信访件（转交、解除后"
            "再包案的计为一件）；已化解：其中已办结或已存档的件数（复核终结、不予受理、告知引导的不计为化解）。")),
    ]


def kpi_def(key: str) -> KpiDef:
    for k in kpi_definitions():
        if k.key == key:
            return k
    raise KeyError(key)


def general_notes() -> list[str]:
    """The counting rules common to every figure, for the notes of any output."""
    return [
        _("统计对象为本单位管辖范围内、在统计期间收到的信访件（按收到时间统计）；已并案的信访件不单独计数。"),
        _("批次：一次来访登记为一批；人次：来访人数之和；件次：各渠道信访件数。来访按人数分为个人访（1人）、"
          "群体访（%(g)d至%(c)d人）和集体访（%(c1)d人及以上）。") % {
            "g": settings.XINFANG["GROUP_MIN"], "c": settings.XINFANG["COLLECTIVE_MIN"] - 1,
            "c1": settings.XINFANG["COLLECTIVE_MIN"]},
        _("同比：与上年同期（相同日期）比较；环比：与上一个等长期间比较（整月期间按相同月数）。比较期间的办理情况"
          "按同样的截止间隔计算。"),
        _("取整规则：同比、环比变化幅度按四舍五入（0.5进位）取整数百分比，变化不足0.5%的写作“基本持平”，"
          "数值相同的写作“持平”；上年同期该项为0时不计算百分比，写作“去年同期为0”（上年同期没有任何信访数据时写作“去年同期无数据”）。各项比率按四舍五入保留一位小数，"
          "比率的变化以百分点表示。"),
    ]
