"""The fields a ledger can fill, the headers that name them, and header matching.

Fields are the keyword arguments of `petition_register` (plus the petitioner's, and the optional
history columns of `handling`); each has exact header aliases and keywords for a fallback match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: object  # lazy translation
    aliases: tuple[str, ...] = ()  # exact header names (after `header_key`)
    keywords: tuple[str, ...] = ()  # a header containing one of these (fallback)
    required: bool = False


FIELDS: dict[str, FieldSpec] = {f.name: f for f in (
    FieldSpec("external_id", gettext_lazy("原编号"),
              ("编号", "原编号", "原信访件编号", "信访件编号", "信访编号", "登记编号", "件号", "来信编号", "来访编号",
               "工单号", "工单编号", "案件编号", "受理编号", "外部编号", "留言编号"),
              ("原编号", "信访件编号", "登记编号", "工单号", "工单编号", "件号")),
    FieldSpec("received_at", gettext_lazy("收到时间"),
              ("收到时间", "收到日期", "来信来访日期", "来信来访时间", "登记日期", "登记时间", "来信日期", "来访日期",
               "来电日期", "来信时间", "来访时间", "来电时间", "信访日期", "信访时间", "收信日期", "收件日期",
               "接收时间", "接收日期", "反映时间", "反映日期", "投诉时间", "提交时间", "来件日期", "日期", "时间",
               "留言时间", "留言日期"),
              ("收到", "来信来访", "来信日期", "来访日期", "来电日期", "来信时间", "来访时间", "来电时间", "登记日期",
               "登记时间", "信访日期", "信访时间", "反映时间", "提交时间"),
              required=True),
    FieldSpec("channel", gettext_lazy("信访形式"),
              ("信访形式", "形式", "渠道", "信访渠道", "来源渠道", "信访方式", "方式", "登记方式", "信访类型"),
              ("信访形式", "渠道", "信访方式")),
    FieldSpec("title", gettext_lazy("标题"),
              ("标题", "事由", "信访事由", "主题", "信访标题", "问题标题", "诉求标题", "案由", "简要事由", "问题概要",
               "留言主题", "留言标题"),
              ("标题", "事由"), required=True),
    FieldSpec("content", gettext_lazy("反映内容"),
              ("内容", "反映内容", "主要内容", "信访内容", "反映问题", "主要问题", "问题描述", "具体内容", "来信内容",
               "来访内容", "来电内容", "详细内容", "内容摘要", "简要内容", "反映的主要问题", "信访事项", "诉求内容",
               "问题内容", "基本情况", "留言详情", "留言内容"),
              ("内容", "反映问题", "主要问题", "问题描述", "信访事项"), required=True),
    FieldSpec("demands", gettext_lazy("诉求"),
              ("诉求", "信访诉求", "主要诉求", "具体诉求", "诉求事项", "要求", "请求", "诉求及要求"),
              ("诉求", "要求")),
    FieldSpec("category", gettext_lazy("内容分类"),
              ("分类", "内容分类", "问题分类", "类别", "问题类别", "信访分类", "事项分类", "业务类别", "信访类别",
               "分类代码", "一级标签", "一级分类", "标签"),
              ("分类", "类别")),
    FieldSpec("nature", gettext_lazy("性质"), ("性质", "信访性质", "事项性质", "问题性质"), ("性质",)),
    FieldSpec("demand_type", gettext_lazy("诉求类型"),
              ("诉求类型", "诉求类别", "来电类型", "工单类型", "诉求种类"), ("诉求类",)),
    FieldSpec("problem_region", gettext_lazy("问题属地"),
              ("问题属地", "属地", "问题发生地", "发生地", "事发地", "事发地点", "问题所在地", "所属区域", "所属地区",
               "区域", "地区", "行政区划", "区划代码", "所属乡镇"),
              ("属地", "发生地", "所在地", "事发地")),
    FieldSpec("headcount", gettext_lazy("人数"),
              ("人数", "来访人数", "信访人数", "涉及人数", "人次", "来访人次"), ("人数",)),
    FieldSpec("accused_unit", gettext_lazy("被反映单位"),
              ("被反映单位", "被投诉单位", "被举报单位", "被反映对象单位"), ("被反映单位", "被投诉单位", "被举报单位")),
    FieldSpec("accused_person", gettext_lazy("被反映人"),
              ("被反映人", "被投诉人", "被举报人", "被反映对象", "被反映人姓名"), ("被反映人", "被投诉人", "被举报人")),
    FieldSpec("is_urgent", gettext_lazy("是否紧急"), ("紧急", "是否紧急", "紧急程度", "缓急"), ("紧急",)),
    FieldSpec("is_anonymous", gettext_lazy("是否匿名"), ("匿名", "是否匿名"), ("匿名",)),
    FieldSpec("is_litigation", gettext_lazy("涉法涉诉"), ("涉法涉诉", "是否涉法涉诉", "涉诉", "是否涉诉"),
              ("涉法", "涉诉")),
    FieldSpec("petitioner_name", gettext_lazy("信访人姓名"),
              ("姓名", "信访人", "信访人姓名", "来信人", "来访人", "来电人", "反映人", "投诉人", "联系人", "当事人",
               "来信来访人", "申请人", "信访人名称", "姓名或名称", "诉求人", "留言用户", "留言人"),
              ("姓名", "信访人")),
    FieldSpec("petitioner_id_number", gettext_lazy("身份证号"),
              ("身份证号", "身份证号码", "公民身份号码", "证件号码", "证件号", "身份证", "身份证件号码"),
              ("身份证", "身份证号", "身份证号码", "证件号", "证件号码", "身份号码")),
    FieldSpec("petitioner_phone", gettext_lazy("联系电话"),
              ("电话", "联系电话", "手机", "手机号", "手机号码", "联系方式", "电话号码", "来电号码", "联系号码"),
              ("电话", "手机", "联系方式")),
    FieldSpec("petitioner_address", gettext_lazy("地址"),
              ("地址", "住址", "家庭住址", "联系地址", "通讯地址", "现住址", "户籍地址", "居住地址", "信访人地址"),
              ("地址", "住址")),
    # how far a legacy case got (optional; see `handling`)
    FieldSpec("status", gettext_lazy("状态"),
              ("状态", "办理状态", "案件状态", "信访状态", "当前状态", "事项状态", "处理状态", "办件状态", "办结状态"),
              ("状态",)),
    FieldSpec("accepted_at", gettext_lazy("受理时间"),
              ("受理时间", "受理日期", "受理告知时间", "受理告知日期"), ("受理时间", "受理日期")),
    FieldSpec("replied_at", gettext_lazy("答复时间"),
              ("答复时间", "答复日期", "回复时间", "回复日期", "答复意见时间", "处理意见出具时间", "出具意见时间",
               "意见书出具时间"),
              ("答复时间", "答复日期", "回复时间", "回复日期")),
    FieldSpec("closed_at", gettext_lazy("办结时间"),
              ("办结时间", "办结日期", "结案时间", "结案日期", "完结时间", "完结日期", "办毕时间", "办毕日期"),
              ("办结时间", "办结日期", "结案时间", "结案日期")),
    FieldSpec("outcome", gettext_lazy("处理结果"),
              ("处理结果", "办理结果", "答复结果", "处理结论", "办理结论", "处理意见类型"), ("处理结果", "办理结果")),
    FieldSpec("handling_unit", gettext_lazy("承办单位"),
              ("承办单位", "承办部门", "办理单位", "责任单位", "主办单位", "承办机关"),
              ("承办单位", "承办部门", "办理单位", "责任单位")),
)}

# The order in which fields claim headers when several could match one header.
FIELD_ORDER = list(FIELDS)
# the optional history columns (a legacy case's status, dates, outcome and handling unit)
HISTORY_FIELDS = ("status", "accepted_at", "replied_at", "closed_at", "outcome", "handling_unit")

_BRACKETS = re.compile(r"[（(\[【<《][^）)\]】>》]*[）)\]】>》]")
_HEADER_JUNK = re.compile(r"[\s*＊※:：!！?？_\-—·.。]+")


def header_key(text) -> str:
    """A header reduced for matching: NFKC, no spaces, marks or bracketed notes, lower case."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _BRACKETS.sub("", s)
    return _HEADER_JUNK.sub("", s).lower()


_EXACT: dict[str, str] = {}
for _f in FIELD_ORDER:
    _EXACT.setdefault(header_key(_f), _f)  # the API field name itself: petitioner_name, received_at
    for _a in FIELDS[_f].aliases:
        _EXACT.setdefault(header_key(_a), _f)


def field_for_header(header) -> tuple[str | None, bool]:
    """(field, exact) for one header: an exact alias, else the field with the longest keyword inside."""
    key = header_key(header)
    if not key:
        return None, False
    if key in _EXACT:
        return _EXACT[key], True
    # a keyword at the end weighs most: the head noun of a Chinese header comes last (信访人联系电话)
    best, best_score = None, 0
    for name in FIELD_ORDER:
        for kw in FIELDS[name].keywords:
            if kw in key:
                score = len(kw) + (10 if key.endswith(kw) else 0)
                if score > best_score:
                    best, best_score = name, score
    return best, False


def field_label(name: str) -> str:
    spec = FIELDS.get(name)
    return str(spec.label) if spec else name
