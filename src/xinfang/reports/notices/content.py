"""What each official notice says, built from the petition, the move that issued it and its reply.

The wording paraphrases the 《信访工作条例》 (2022); a locality may adapt the templates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from xinfang.petitions.models import Petition
from xinfang.workflow.models import PetitionEvent, Reply

from ..models import DocumentKind

# 文号 abbreviation per kind: 〔年〕 and the sequence follow.
ABBREVIATION = {
    DocumentKind.RECEIPT: "登", DocumentKind.ACCEPT: "受", DocumentKind.REJECT: "不受",
    DocumentKind.REFUSE_AGAIN: "不再", DocumentKind.ROUTE: "转", DocumentKind.EXTENSION: "延",
    DocumentKind.REPLY: "处", DocumentKind.REVIEW: "复查", DocumentKind.REREVIEW: "复核",
    DocumentKind.MEDIATION: "调", DocumentKind.COMPLETION: "结",
}

# The document names the workflow puts on its timeline events -> kinds.
BY_EVENT_NAME = {
    "登记回执": DocumentKind.RECEIPT, "受理告知书": DocumentKind.ACCEPT, "不予受理告知书": DocumentKind.REJECT,
    "不再受理告知书": DocumentKind.REFUSE_AGAIN, "转送交办告知": DocumentKind.ROUTE,
    "延长办理期限告知书": DocumentKind.EXTENSION, "信访处理意见书": DocumentKind.REPLY,
    "复查意见书": DocumentKind.REVIEW, "复核意见书": DocumentKind.REREVIEW, "调解协议书": DocumentKind.MEDIATION,
    "办结报告": DocumentKind.COMPLETION,
}


@dataclass
class Notice:
    kind: str
    title: str
    issuer: str  # 发文机关 (also the 发文机关标志 in the header)
    number: str = ""  # 发文字号, filled when issued
    addressee: str = ""
    paragraphs: list[str] = field(default_factory=list)
    date: dt.date | None = None
    copy_to: str = ""  # 抄送
    facts: list[tuple[str, str]] = field(default_factory=list)  # label/value table (receipts)


def cn_date(value: dt.date | dt.datetime | None) -> str:
    """GB/T 9704-2012 writes dates in Arabic numerals: 2026年3月2日."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _addressee(p: Petition) -> str:
    if p.is_anonymous:
        return "信访人"
    names = [link.petitioner.name for link in p.petitioner_links.select_related("petitioner").order_by("position")]
    if not names:
        return "信访人"
    return names[0] + ("等" if len(names) > 1 else "")


def _intro(p: Petition) -> str:
    return (f"你（们）于{cn_date(p.received_at)}以{p.get_channel_display()}形式反映的“{p.title}”"
            f"信访事项（登记编号：{p.number}）")


def build(kind: str, petition: Petition, event: PetitionEvent | None, reply: Reply | None) -> Notice:
    p, data = petition, (event.data if event else {}) or {}
    issuer_unit = (event.unit if event and event.unit_id else None) or p.handling_unit or p.receiving_unit
    n = Notice(kind=kind, title=str(DocumentKind(kind).label), issuer=issuer_unit.name, addressee=_addressee(p),
               date=timezone.localtime(event.at).date() if event else timezone.localdate())
    intro = _intro(p)
    if kind == DocumentKind.RECEIPT:
        n.paragraphs = [f"{intro}已登记。本机关将自收到之日起15日内告知是否受理；属于其他机关职责范围的，"
                        "将转送、交办有权处理的机关并告知你（们）。",
                        "请妥善保管登记编号和查询码，可凭其查询办理进展。"]
        n.facts = [("登记编号", p.number), ("收到时间", timezone.localtime(p.received_at).strftime("%Y-%m-%d %H:%M")),
                   ("信访形式", str(p.get_channel_display())), ("事项", p.title), ("人数", str(p.headcount))]
    elif kind == DocumentKind.ACCEPT:
        n.paragraphs = [f"{intro}，经审查，属于本机关职责范围，依据《信访工作条例》的规定，决定予以受理。",
                        "本机关将自受理之日起60日内办结并出具书面处理意见；情况复杂的，经批准可以适当延长，"
                        "延长期限不超过30日，并告知延期理由。"]
    elif kind == DocumentKind.REJECT:
        reason = event.note if event else ""
        n.paragraphs = [f"{intro}，经审查，{reason.rstrip('。')}。依据《信访工作条例》的规定，决定不予受理。",
                        "你（们）可以依照法律、法规规定的程序，向有权处理的机关提出。"]
    elif kind == DocumentKind.REFUSE_AGAIN:
        final = data.get("final_petition", "")
        n.paragraphs = [f"{intro}，与已经复查、复核终结的信访事项（登记编号：{final}）属同一事实和理由。",
                        "依据《信访工作条例》的规定，对该信访事项不再受理。"]
    elif kind == DocumentKind.ROUTE:
        target = data.get("to_unit_name") or (p.handling_unit.name if p.handling_unit_id else "")
        n.paragraphs = [f"{intro}，按照“属地管理、分级负责，谁主管、谁负责”的原则，"
                        f"本机关已于{cn_date(n.date)}转送/交办{target}办理，请与该机关联系。"]
        n.copy_to = target
    elif kind == DocumentKind.EXTENSION:
        days, due = data.get("days"), data.get("new_due")
        due_text = cn_date(dt.date.fromisoformat(due)) if isinstance(due, str) and due else ""
        reason = event.note if event else ""
        n.paragraphs = [f"{intro}，因{reason.rstrip('。')}，经本机关负责人批准，办理期限延长{days}日，"
                        f"至{due_text}届满。特此告知。"]
    elif kind in (DocumentKind.REPLY, DocumentKind.REVIEW, DocumentKind.REREVIEW) and reply is not None:
        n.issuer = reply.unit.name
        n.paragraphs = [f"{intro}，本机关经调查核实，现将处理意见告知如下：", reply.text.strip(),
                        f"处理结果：{reply.get_outcome_display()}。", f"事实和依据：{reply.basis.strip()}"]
        if kind == DocumentKind.REPLY:
            n.paragraphs.append("如对本处理意见不服，可以自收到本意见书之日起30日内请求原办理机关的上一级机关复查。")
        elif kind == DocumentKind.REVIEW:
            n.paragraphs.append("如对本复查意见不服，可以自收到本意见书之日起30日内向复查机关的上一级机关请求复核。")
        else:
            n.paragraphs.append("本复核意见为终结意见。信访人以同一事实和理由提出的信访事项，不再受理。")
    elif kind == DocumentKind.MEDIATION:
        n.paragraphs = [f"{intro}，经调解，各方自愿达成如下协议：", (event.note if event else "").strip(),
                        "本协议经各方签字后生效。"]
    elif kind == DocumentKind.COMPLETION:
        route = p.routes.filter(kind="assign").select_related("from_unit").last()
        n.addressee = route.from_unit.name if route else p.receiving_unit.name
        last = p.replies.filter(approved_at__isnull=False).last()
        n.paragraphs = [f"你单位交办的“{p.title}”信访事项（登记编号：{p.number}）已于{cn_date(n.date)}办结。"]
        if last:
            n.paragraphs.append(f"处理结果：{last.get_outcome_display()}。{last.text.strip()}")
        n.paragraphs.append("特此报告。")
    else:
        n.paragraphs = [f"{intro}。"]
    return n
