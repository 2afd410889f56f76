"""The kinds of notification: each with its label (the inbox, the preferences page) and whether it
goes by SMS or e-mail unless the user chose otherwise. A kind not listed here is shown by its code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# kind: (label, SMS by default, e-mail by default)
KINDS: dict[str, tuple[str, bool, bool]] = {
    "deadline_warning": (_("时限预警"), False, False),
    "deadline_serious": (_("时限严重警告"), True, False),
    "urge": (_("催办"), True, False),
    "escalation": (_("超期升级"), True, True),
    "delivery_due": (_("待送达提醒"), False, False),
    "evaluation_due": (_("回访评价提醒"), False, False),
    "review_window": (_("复查期限即将届满"), False, False),
    "contact_due": (_("联系信访人提醒"), False, False),
    "progress_due": (_("进展报告提醒"), False, False),
    "first_contact": (_("首问来电"), False, False),
    "supervision": (_("督办"), True, True),
    "supervision_report": (_("督办报告"), False, False),
    "supervision_due": (_("督办到期提醒"), True, False),
    "instruction": (_("领导批示"), True, False),
    "instruction_report": (_("批示件反馈"), False, False),
    "informant_urgent": (_("紧急信息"), True, True),
    "informant_report": (_("信息员报告"), False, False),
    "early_warning": (_("预警"), True, False),
    "risk_due": (_("风险化解到期"), False, False),
    "screening_round": (_("排查提醒"), False, False),
    "reception": (_("领导接待"), False, False),
    "ownership_stage": (_("包案阶段"), False, False),
    "accountability": (_("问责通报"), False, True),
    "system": (_("系统消息"), False, False),
}


def kind_label(kind: str) -> str:
    entry = KINDS.get(kind)
    return str(entry[0]) if entry else kind
