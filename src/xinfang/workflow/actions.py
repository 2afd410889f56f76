"""The effect of each move of the transition table. `services.petition_act` has already checked the
state, the version and the actor's role; each function validates its own input, then writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.common.text import has_bad_characters
from xinfang.org.choices import Role
from xinfang.org.hierarchy import review_bodies
from xinfang.org.jurisdiction import has_role
from xinfang.org.models import Unit
from xinfang.petitions.choices import Status
from xinfang.petitions.models import Petition
from xinfang.petitions.reach import access_grant
from xinfang.petitions.selectors import petition_by_ref

from . import deadlines as dl
from .choices import (
    CURRENT_OPINION_KINDS,
    DeliveryMethod,
    EvaluationSource,
    HearingStage,
    Outcome,
    ReplyKind,
    RouteKind,
    Satisfaction,
)
from .guards import guard_unit
from .models import (
    ConflictDeclaration,
    Deadline,
    Delivery,
    DivertChannel,
    Evaluation,
    Extension,
    Hearing,
    Reply,
    Route,
)
from .rules import final_predecessor, recusal_check, staff_in


@dataclass
class Ctx:
    petition: Petition
    actor: object | None
    unit: Unit | None
    now: dt.datetime
    today: dt.date
    params: dict
    data: dict = field(default_factory=dict)  # goes onto the timeline event
    note: str = ""


# ---- input helpers ---------------------------------------------------------------------------

def _text(ctx: Ctx, name: str, label: str, required: bool = True, max_len: int = 20000) -> str:
    value = ctx.params.get(name)
    if value is not None and not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ApplicationError(_("%(label)s应为文本。") % {"label": label}, "invalid", name)
    value = "" if value is None else str(value).strip()
    if has_bad_characters(value):
        raise ApplicationError(_("%(label)s含有无法保存的字符。") % {"label": label}, "invalid", name)
    if required and not value:
        raise ApplicationError(_("请填写%(label)s。") % {"label": label}, "invalid", name)
    if len(value) > max_len:
        raise ApplicationError(_("%(label)s过长。") % {"label": label}, "invalid", name)
    return value


def _int(ctx: Ctx, name: str, label: str, lo: int, hi: int) -> int:
    value = ctx.params.get(name)
    try:
        number = int(value)
        if isinstance(value, bool) or str(number) != str(value).strip():
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise ApplicationError(_("%(label)s应为整数。") % {"label": label}, "invalid", name) from None
    if not lo <= number <= hi:
        raise ApplicationError(_("%(label)s应在%(lo)d到%(hi)d之间。") % {"label": label, "lo": lo, "hi": hi},
                               "invalid", name)
    return number


def _choice(ctx: Ctx, name: str, label: str, choices) -> str:
    value = ctx.params.get(name)
    if value not in choices.values:
        raise ApplicationError(_("%(label)s取值无效，可选：%(opts)s。") % {
            "label": label, "opts": "、".join(f"{v}（{lbl}）" for v, lbl in choices.choices)}, "invalid", name)
    return value


def _unit(ctx: Ctx, name: str = "unit", required: bool = True) -> Unit | None:
    code = ctx.params.get(name)
    if not code:
        if required:
            raise ApplicationError(_("请选择单位。"), "invalid", name)
        return None
    unit = Unit.objects.select_related("region").filter(code=str(code), is_active=True).first()
    if unit is None:
        raise ApplicationError(_("单位不存在：%(code)s") % {"code": code}, "invalid", name)
    return unit


def _date(ctx: Ctx, name: str, label: str) -> dt.date | None:
    value = ctx.params.get(name)
    if not value:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ApplicationError(_("%(label)s日期格式应为YYYY-MM-DD。") % {"label": label}, "invalid", name) from None


def _flag(ctx: Ctx, name: str) -> bool:
    value = ctx.params.get(name)
    if value in (None, "", False, 0, "0", "false", "off"):
        return False
    if value in (True, 1, "1", "true", "on"):
        return True
    raise ApplicationError(_("%(name)s应为true或false。") % {"name": name}, "invalid", name)


def _documents(ctx: Ctx, *names: str) -> None:
    ctx.data.setdefault("documents", []).extend(names)


def _report(ctx: Ctx) -> None:
    """交办: the 办结报告 goes to the assigning office with the reply, or with whatever ends the
    matter first; its deadline is met (on time or late), never silently cancelled."""
    p = ctx.petition
    if Deadline.objects.filter(petition=p, kind="report", met_at__isnull=True, cancelled=False).exists():
        dl.deadlines_meet(p, "report", at=ctx.now)
        _documents(ctx, "办结报告")


def _close(ctx: Ctx) -> None:
    ctx.petition.closed_at = ctx.now
    _report(ctx)
    dl.deadlines_cancel(ctx.petition)


# ---- routing ---------------------------------------------------------------------------------

def _route(ctx: Ctx, kind: str) -> None:
    p = ctx.petition
    target = _unit(ctx)
    if target.pk == p.receiving_unit_id:
        raise ApplicationError(_("不能转送或交办给本单位，请直接受理。"), "invalid", "unit")
    guard_unit(p, target)
    note = _text(ctx, "note", _("说明"), required=False)
    report_due = None
    if kind == RouteKind.ASSIGN:
        report_due = _date(ctx, "report_due", _("结果报告期限"))
        if report_due and report_due <= ctx.today:
            raise ApplicationError(_("结果报告期限应晚于今天。"), "invalid", "report_due")
    dl.deadlines_meet(p, "route", "accept", at=ctx.now)
    dl.deadlines_cancel(p, "accept", "object", "report")
    dl.deadline_open(p, "accept", ctx.today, unit=target)
    dl.deadline_open(p, "object", ctx.today, unit=target)
    if kind == RouteKind.ASSIGN:
        if report_due:
            days = (report_due - ctx.today).days
            dl.deadline_open(p, "report", ctx.today, days=days, unit=target)
        else:
            report_due = dl.deadline_open(p, "report", ctx.today, unit=target).due
    Route.objects.create(petition=p, kind=kind, from_unit=ctx.unit, to_unit=target, at=ctx.now, by=ctx.actor,
                         report_due=report_due, note=note)
    p.handling_unit = target
    access_grant(p, target, kind)
    ctx.data.update({"to_unit": target.code, "to_unit_name": target.name, "report_due": report_due})
    ctx.note = note
    _documents(ctx, "转送交办告知")


def do_forward(ctx: Ctx) -> None:
    _route(ctx, RouteKind.FORWARD)


def do_assign(ctx: Ctx) -> None:
    _route(ctx, RouteKind.ASSIGN)


def pending_objection(p: Petition) -> Route | None:
    return p.routes.filter(to_unit=p.handling_unit, objection="pending").last()


def do_object(ctx: Ctx) -> None:
    """异议退回: the receiving unit objects within 5 working days; the routing office decides."""
    p = ctx.petition
    reason = _text(ctx, "reason", _("退回理由"))
    if pending_objection(p) is not None:
        raise ApplicationError(_("已提出异议，等待交办单位确认。"), "illegal_transition")
    window = Deadline.objects.filter(petition=p, kind="object", met_at__isnull=True, cancelled=False).first()
    if window is None or ctx.today > window.due:
        raise ApplicationError(_("已超过5个工作日的异议期限，不能退回。"), "illegal_transition")
    route = p.routes.filter(to_unit=p.handling_unit, objected_at__isnull=True).last()
    if route is None:
        raise ApplicationError(_("没有可以提出异议的转送记录。"), "illegal_transition")
    route.objected_at, route.object_reason, route.objection = ctx.now, reason, "pending"
    route.save(update_fields=["objected_at", "object_reason", "objection"])
    dl.deadlines_meet(p, "object", at=ctx.now)
    ctx.data.update({"from_unit": p.handling_unit.code, "reason": reason})
    ctx.note = reason


def do_confirm_objection(ctx: Ctx) -> None:
    """The routing office agrees: the matter comes back to it to be routed again."""
    p = ctx.petition
    route = pending_objection(p)
    if route is None:
        raise ApplicationError(_("没有待确认的异议退回。"), "illegal_transition")
    route.objection, route.objection_decided_at = "confirmed", ctx.now
    route.save(update_fields=["objection", "objection_decided_at"])
    dl.deadlines_cancel(p, "accept", "report")
    Deadline.objects.filter(petition=p, kind="route").update(met_at=None)  # back at the router, clock runs on
    ctx.note = _text(ctx, "note", _("说明"), required=False)
    ctx.data.update({"from_unit": p.handling_unit.code})
    p.handling_unit = None


def do_reject_objection(ctx: Ctx) -> None:
    """The routing office disagrees: the unit it was routed to stays competent and must accept it."""
    p = ctx.petition
    route = pending_objection(p)
    if route is None:
        raise ApplicationError(_("没有待确认的异议退回。"), "illegal_transition")
    reason = _text(ctx, "reason", _("不同意退回的理由"))
    route.objection, route.objection_decided_at = "rejected", ctx.now
    route.save(update_fields=["objection", "objection_decided_at"])
    ctx.note = reason
    ctx.data.update({"unit": p.handling_unit.code, "reason": reason})


# ---- acceptance ------------------------------------------------------------------------------

def _set_handler(ctx: Ctx, username: str) -> None:
    p = ctx.petition
    unit = p.handling_unit or p.receiving_unit
    user = staff_in(unit, username, Role.HANDLER, "handler")
    recusal_check(p, user)
    p.handler = user
    p.status = Status.IN_HANDLING
    ctx.data["handler"] = user.username


def do_accept(ctx: Ctx) -> None:
    p = ctx.petition
    final = final_predecessor(p, linked_only=True)
    if final is not None:
        raise ApplicationError(_("同一事实和理由已于信访件%(n)s复核终结，应当不再受理。") % {"n": final.number},
                               "illegal_transition")
    fast = _flag(ctx, "fast_track")
    if fast and not p.is_first:
        raise ApplicationError(_("只有初信初访事项可以简易办理。"), "invalid", "fast_track")
    if p.handling_unit_id is None:
        p.handling_unit = p.receiving_unit
    pending = pending_objection(p)
    if pending is not None:  # accepting withdraws the unit's own objection
        pending.objection, pending.objection_decided_at = "withdrawn", ctx.now
        pending.save(update_fields=["objection", "objection_decided_at"])
    p.accepted_at = ctx.now
    dl.deadlines_meet(p, "route", "accept", "object", at=ctx.now)
    dl.deadline_open(p, "handle", ctx.today, unit=p.handling_unit)
    if fast:  # 简易办理: its own 10-working-day limit, which the warnings follow
        dl.deadline_open(p, "fast_track", ctx.today, unit=p.handling_unit)
        ctx.data["fast_track"] = True
    p.status = Status.ACCEPTED
    if ctx.params.get("handler"):
        _set_handler(ctx, str(ctx.params["handler"]))
    ctx.note = _text(ctx, "note", _("说明"), required=False)
    _documents(ctx, "受理告知书")


def do_reject(ctx: Ctx) -> None:
    reason = _text(ctx, "reason", _("不予受理理由"))
    route = _text(ctx, "route", _("救济途径"), required=False, max_len=2000)
    dl.deadlines_meet(ctx.petition, "route", "accept", "object", at=ctx.now)
    _close(ctx)
    ctx.note, ctx.data["reason"] = reason, reason
    if route:
        ctx.data["route"] = route
    _documents(ctx, "不予受理告知书")


def do_refuse_again(ctx: Ctx) -> None:
    final = final_predecessor(ctx.petition)
    if final is None:
        raise ApplicationError(_("只有同一事实和理由已复核终结的信访事项才能不再受理。"), "illegal_transition")
    reason = _text(ctx, "reason", _("不再受理理由"), required=False) or _(
        "该信访事项已经复查复核终结，信访人以同一事实和理由提出的信访事项，不再受理。")
    dl.deadlines_meet(ctx.petition, "route", "accept", "object", at=ctx.now)
    _close(ctx)
    ctx.note, ctx.data["final_petition"] = reason, final.number
    _documents(ctx, "不再受理告知书")


def do_divert(ctx: Ctx) -> None:
    """告知引导: the petitioner is told in writing which lawful channel to use."""
    code = ctx.params.get("target")
    channel = DivertChannel.objects.filter(code=str(code), is_active=True).first() if code else None
    if channel is None:
        opts = "、".join(f"{c.code}（{c.name}）" for c in DivertChannel.objects.filter(is_active=True))
        raise ApplicationError(_("引导去向取值无效，可选：%(opts)s。") % {"opts": opts}, "invalid", "target")
    unit = _unit(ctx, required=False)
    guard_unit(ctx.petition, unit)
    reason = _text(ctx, "reason", _("告知内容"))
    dl.deadlines_meet(ctx.petition, "route", "accept", at=ctx.now)
    _close(ctx)
    ctx.note = reason
    ctx.data.update({"target": channel.code, "channel_name": channel.name, "channel_guidance": channel.guidance,
                     "unit": unit.code if unit else None, "unit_name": unit.name if unit else None})
    _documents(ctx, "信访事项告知书")


def do_archive(ctx: Ctx) -> None:
    ctx.note = _text(ctx, "note", _("存档说明"))
    dl.deadlines_meet(ctx.petition, "route", "accept", at=ctx.now)
    _close(ctx)


def do_assign_handler(ctx: Ctx) -> None:
    _set_handler(ctx, _text(ctx, "handler", _("承办人")))


# ---- handling --------------------------------------------------------------------------------

def do_note(ctx: Ctx) -> None:
    ctx.note = _text(ctx, "text", _("办理记录"))


def do_mediate(ctx: Ctx) -> None:
    ctx.note = _text(ctx, "text", _("调解情况"))
    agreed = bool(ctx.params.get("agreement"))
    ctx.data["agreement"] = agreed
    if agreed:
        _documents(ctx, "调解协议书")


def _unit_codes(ctx: Ctx, name: str) -> list[Unit]:
    raw = ctx.params.get(name) or []
    if isinstance(raw, str):
        raw = [c for c in raw.replace("，", ",").split(",")]
    if not isinstance(raw, list) or len(raw) > 20:
        raise ApplicationError(_("听证单位应为单位代码列表。"), "invalid", name)
    units = []
    for code in raw:
        code = str(code).strip()
        if not code:
            continue
        unit = Unit.objects.filter(code=code, is_active=True).first()
        if unit is None:
            raise ApplicationError(_("单位不存在：%(code)s") % {"code": code}, "invalid", name)
        units.append(unit)
    return units


def do_hold_hearing(ctx: Ctx) -> None:
    """听证 (S22 Art 36): a record with date, place, panel, participants, minutes and conclusion, and
    a 听证通知书. Held during 复核, its days do not count against the 复核 limit."""
    p = ctx.petition
    held_on = _date(ctx, "held_on", _("听证日期"))
    if held_on is None:
        raise ApplicationError(_("请填写听证日期。"), "invalid", "held_on")
    end_on = _date(ctx, "end_on", _("结束日期")) or held_on
    if end_on < held_on or (end_on - held_on).days > 30:
        raise ApplicationError(_("结束日期应在听证日期当天或之后30日内。"), "invalid", "end_on")
    if held_on < dl.local_date(p.received_at):
        raise ApplicationError(_("听证日期不能早于收到信访事项的日期。"), "invalid", "held_on")
    place = _text(ctx, "place", _("听证地点"), max_len=200)
    panel_units = _unit_codes(ctx, "panel_units")
    panel = _text(ctx, "panel", _("听证员"), max_len=2000)
    participants = _text(ctx, "participants", _("参加人员"), max_len=2000)
    held = end_on <= ctx.today  # a hearing already held has its minutes and conclusion
    if not ctx.params.get("minutes") and ctx.params.get("text"):
        ctx.params["minutes"] = ctx.params["text"]
    minutes = _text(ctx, "minutes", _("听证记录"), required=held)
    conclusion = _text(ctx, "conclusion", _("听证结论"), required=held, max_len=5000)
    stage = HearingStage.REREVIEW if p.status == Status.UNDER_REREVIEW else HearingStage.HANDLING
    hearing = Hearing.objects.create(petition=p, stage=stage, held_on=held_on, end_on=end_on, place=place,
                                     panel=panel, participants=participants, minutes=minutes, conclusion=conclusion,
                                     by=ctx.actor, at=ctx.now)
    hearing.panel_units.set(panel_units)
    if stage == HearingStage.REREVIEW:
        answer = Deadline.objects.filter(petition=p, kind="rereview_answer", met_at__isnull=True,
                                         cancelled=False).first()
        if answer is not None:
            dl.deadline_extend(answer, hearing.days)
            ctx.data["new_due"] = answer.due
    ctx.note = minutes
    ctx.data.update({"hearing_id": hearing.pk, "held_on": held_on, "end_on": end_on, "place": place,
                     "panel": "、".join([u.name for u in panel_units] + ([panel] if panel else [])),
                     "participants": participants, "conclusion": conclusion, "stage": stage,
                     "days": hearing.days})
    _documents(ctx, "听证通知书")


def _handling_limit_running(ctx: Ctx) -> Deadline:
    """S22 Art 34: an extension is asked for and approved only while the handling limit runs."""
    handle = Deadline.objects.filter(petition=ctx.petition, kind="handle", met_at__isnull=True,
                                     cancelled=False).first()
    if handle is None:
        raise ApplicationError(_("没有正在计算的办理期限。"), "illegal_transition")
    if ctx.today > handle.due:
        raise ApplicationError(_("办理期限已于%(d)s届满，不能再申请或批准延期。") % {"d": handle.due},
                               "illegal_transition")
    return handle


def do_request_extension(ctx: Ctx) -> None:
    p = ctx.petition
    cap, _working, _active = dl.policy("extension_max", p.handling_unit)
    days = _int(ctx, "days", _("延长天数"), 1, cap)
    reason = _text(ctx, "reason", _("延期理由"))
    if p.extensions.exists():
        raise ApplicationError(_("办理期限只能延长一次。"), "illegal_transition")
    _handling_limit_running(ctx)
    Extension.objects.create(petition=p, days=days, reason=reason, requested_by=ctx.actor, requested_at=ctx.now)
    ctx.note, ctx.data["days"] = reason, days


def do_approve_extension(ctx: Ctx) -> None:
    p = ctx.petition
    ext = p.extensions.filter(approved_at__isnull=True).first()
    if ext is None:
        raise ApplicationError(_("没有待审批的延期申请。"), "illegal_transition")
    handle = _handling_limit_running(ctx)
    ext.approved_by, ext.approved_at = ctx.actor, ctx.now
    ext.save(update_fields=["approved_by", "approved_at"])
    dl.deadline_extend(handle, ext.days)
    ctx.data.update({"days": ext.days, "new_due": handle.due})
    ctx.note = ext.reason
    _documents(ctx, "延长办理期限告知书")


def _reply_fields(ctx: Ctx) -> tuple[str, str, str]:
    outcome = _choice(ctx, "outcome", _("处理结果"), Outcome)
    text = _text(ctx, "text", _("处理意见"))
    basis = _text(ctx, "basis", _("事实和依据"))
    return outcome, text, basis


def _replied(ctx: Ctx, reply: Reply) -> None:
    p = ctx.petition
    p.replied_at = ctx.now
    p.status = Status.REPLIED
    dl.deadlines_meet(p, "handle", "fast_track", "hotline", at=ctx.now)
    ctx.data.update({"outcome": reply.outcome, "reply_id": reply.pk})
    _documents(ctx, "信访处理意见书")
    _report(ctx)  # 交办: the 办结报告 goes with the reply
    _hand_over(ctx, reply)


def _hand_over(ctx: Ctx, reply: Reply) -> None:
    """Hand-over at the counter: the opinion is delivered in person in the same step."""
    if _flag(ctx, "delivered"):
        _delivery_record(ctx, reply, ctx.today, DeliveryMethod.IN_PERSON, note="", tracking_no="")


def _window_after(reply: Reply) -> str | None:
    return {ReplyKind.REPLY: "review_request", ReplyKind.FAST_TRACK: "review_request",
            ReplyKind.REVIEW: "rereview_request"}.get(reply.kind)


def _delivery_record(ctx: Ctx, reply: Reply | None, day: dt.date, method: str, *, note: str, tracking_no: str,
                     document: str = "") -> Delivery:
    p = ctx.petition
    delivery = Delivery.objects.create(petition=p, reply=reply, document=document, delivered_at=day, method=method,
                                       tracking_no=tracking_no, note=note, by=ctx.actor, recorded_at=ctx.now)
    kind = _window_after(reply) if reply is not None else None
    if kind is not None:  # S22 Art 35/36: 30 days from receipt of the written opinion
        unit = reply.unit
        window = dl.deadline_open(p, kind, day, unit=unit)
        ctx.data["window_due"] = window.due
    ctx.data.update({"delivered_at": day, "method": method, "delivery_id": delivery.pk})
    return delivery


def current_opinion(p: Petition) -> Reply | None:
    kinds = CURRENT_OPINION_KINDS.get(p.status, ())
    return (p.replies.filter(kind__in=kinds, approved_at__isnull=False, returned_at__isnull=True)
            .order_by("-approved_at", "-id").first())


def do_deliver(ctx: Ctx) -> None:
    """送达: how and when the written opinion (or a named notice) reached the petitioner; the
    delivery of an opinion opens the 30-day 复查/复核 request window."""
    p = ctx.petition
    method = _choice(ctx, "method", _("送达方式"), DeliveryMethod)
    day = _date(ctx, "delivered_at", _("送达日期")) or ctx.today
    note = _text(ctx, "note", _("说明"), required=False, max_len=2000)
    tracking_no = _text(ctx, "tracking_no", _("邮件单号"), required=False, max_len=64)
    document = _text(ctx, "document", _("送达的文书"), required=False, max_len=64)
    if day > ctx.today:
        raise ApplicationError(_("送达日期不能晚于今天。"), "invalid", "delivered_at")
    if document:  # a notice (受理告知书 …): recorded, opens no window
        if day < dl.local_date(p.received_at):
            raise ApplicationError(_("送达日期不能早于文书形成的日期。"), "invalid", "delivered_at")
        _delivery_record(ctx, None, day, method, note=note, tracking_no=tracking_no, document=document)
        ctx.note = note
        return
    reply = current_opinion(p)
    if reply is None:
        raise ApplicationError(_("没有待送达的意见书。"), "illegal_transition")
    if reply.deliveries.exists():
        raise ApplicationError(_("该意见书已于%(d)s送达。") % {"d": reply.delivery.delivered_at}, "illegal_transition")
    if day < dl.local_date(reply.approved_at):
        raise ApplicationError(_("送达日期不能早于意见书出具的日期（%(d)s）。") % {"d": dl.local_date(reply.approved_at)},
                               "invalid", "delivered_at")
    _delivery_record(ctx, reply, day, method, note=note, tracking_no=tracking_no)
    ctx.data["document"] = reply.get_kind_display()
    ctx.note = note


def do_draft_reply(ctx: Ctx) -> None:
    outcome, text, basis = _reply_fields(ctx)
    p = ctx.petition
    reply = Reply.objects.create(petition=p, kind=ReplyKind.REPLY, unit=p.handling_unit or p.receiving_unit,
                                 outcome=outcome, text=text, basis=basis, drafted_by=ctx.actor, drafted_at=ctx.now)
    ctx.data.update({"outcome": outcome, "reply_id": reply.pk})
    if not settings.XINFANG["REPLY_APPROVAL"]:
        reply.approved_by, reply.approved_at = ctx.actor, ctx.now
        reply.save(update_fields=["approved_by", "approved_at"])
        _replied(ctx, reply)
    else:
        p.status = Status.REPLY_PENDING


def _pending_draft(ctx: Ctx) -> Reply | None:
    return ctx.petition.replies.filter(kind=ReplyKind.REPLY, approved_at__isnull=True,
                                       returned_at__isnull=True).last()


def do_return_reply(ctx: Ctx) -> None:
    """退回修改: the leader sends the draft back with a note; it stays in the history."""
    reply = _pending_draft(ctx)
    if reply is None:
        raise ApplicationError(_("没有待审批的处理意见。"), "illegal_transition")
    note = _text(ctx, "note", _("退回意见"))
    reply.returned_by, reply.returned_at, reply.return_note = ctx.actor, ctx.now, note
    reply.save(update_fields=["returned_by", "returned_at", "return_note"])
    ctx.petition.status = Status.IN_HANDLING
    ctx.note = note
    ctx.data["reply_id"] = reply.pk


def do_approve_reply(ctx: Ctx) -> None:
    reply = _pending_draft(ctx)
    if reply is None:
        raise ApplicationError(_("没有待审批的处理意见。"), "illegal_transition")
    reply.approved_by, reply.approved_at = ctx.actor, ctx.now
    reply.save(update_fields=["approved_by", "approved_at"])
    ctx.note = _text(ctx, "note", _("审批意见"), required=False)
    _replied(ctx, reply)


def do_fast_track(ctx: Ctx) -> None:
    """简易办理: first-time simple items answered within 10 working days of acceptance; the limit is
    stored (at acceptance when chosen then, else now) and met by this reply."""
    p = ctx.petition
    if not p.is_first:
        raise ApplicationError(_("只有初信初访事项可以简易办理。"), "illegal_transition")
    limit = Deadline.objects.filter(petition=p, kind="fast_track", cancelled=False).first()
    if limit is None:
        limit = dl.deadline_open(p, "fast_track", dl.local_date(p.accepted_at), unit=p.handling_unit)
    if ctx.today > limit.due:
        raise ApplicationError(_("已超过简易办理的%(n)d个工作日时限，请按普通程序办理。") % {"n": limit.days},
                               "illegal_transition")
    outcome, text, basis = _reply_fields(ctx)
    reply = Reply.objects.create(petition=p, kind=ReplyKind.FAST_TRACK, unit=p.handling_unit or p.receiving_unit,
                                 outcome=outcome, text=text, basis=basis, drafted_by=ctx.actor, drafted_at=ctx.now,
                                 approved_by=ctx.actor, approved_at=ctx.now)
    p.handler = p.handler or ctx.actor
    _replied(ctx, reply)


# ---- appeals ---------------------------------------------------------------------------------

def _appeal_window(ctx: Ctx, kind: str, message: str) -> None:
    """The request must come within 30 days of delivery. Before a recorded delivery no window runs; a
    petitioner who asks for review has the opinion, so the request is taken and noted."""
    window = Deadline.objects.filter(petition=ctx.petition, kind=kind, met_at__isnull=True, cancelled=False).first()
    if window is None:
        if Deadline.objects.filter(petition=ctx.petition, kind=kind, cancelled=False).exists():
            raise ApplicationError(message, "illegal_transition")
        # no recorded delivery: the petitioner has the opinion all the same; the request is taken and
        # its window recorded as opened and used today, so the statistics see the 复查 like any other
        ctx.data["before_delivery"] = True
        dl.deadline_open(ctx.petition, kind, ctx.today, unit=ctx.petition.handling_unit or ctx.petition.receiving_unit)
        dl.deadlines_meet(ctx.petition, kind, at=ctx.now)
        return
    if ctx.today > window.due:
        raise ApplicationError(message, "illegal_transition")
    dl.deadlines_meet(ctx.petition, kind, at=ctx.now)


def _review_body(ctx: Ctx, below: Unit, label: str) -> Unit:
    """S22 Art 35/36: only the superior administrative body or the government at `below`'s level."""
    lawful = review_bodies(below)
    code = ctx.params.get("unit")
    if not lawful:
        raise ApplicationError(_("%(unit)s未设置上级主管机关或本级人民政府，请系统管理员在单位管理中补充。")
                               % {"unit": below.name}, "invalid", "unit")
    if code:
        unit = next((u for u in lawful if u.code == str(code)), None)
        if unit is None:
            raise ApplicationError(_("%(label)s应为%(unit)s的上一级主管机关或本级人民政府：%(opts)s。") % {
                "label": label, "unit": below.name, "opts": "、".join(u.name for u in lawful)}, "invalid", "unit")
    else:
        unit = lawful[0]
    guard_unit(ctx.petition, unit)
    return unit


def do_request_review(ctx: Ctx) -> None:
    p = ctx.petition
    _appeal_window(ctx, "review_request", _("已超过收到处理意见书之日起30日的复查申请期限。"))
    unit = _review_body(ctx, p.handling_unit or p.receiving_unit, _("复查机关"))
    p.review_unit = unit
    access_grant(p, unit, "review")
    dl.deadline_open(p, "review_answer", ctx.today, unit=unit)
    ctx.note = _text(ctx, "reason", _("复查请求"), required=False)
    ctx.data.update({"review_unit": unit.code, "review_unit_name": unit.name})


def _answer(ctx: Ctx, kind: str, deadline: str) -> Reply:
    p = ctx.petition
    if settings.XINFANG["REPLY_APPROVAL"] and not has_role(ctx.actor, p.review_unit, Role.LEADER):
        raise ApplicationError(_("复查、复核意见须由复查（复核）机关领导审批出具。"), "illegal_transition")
    outcome, text, basis = _reply_fields(ctx)
    reply = Reply.objects.create(petition=p, kind=kind, unit=p.review_unit, outcome=outcome, text=text, basis=basis,
                                 drafted_by=ctx.actor, drafted_at=ctx.now, approved_by=ctx.actor, approved_at=ctx.now)
    dl.deadlines_meet(p, deadline, at=ctx.now)
    ctx.data.update({"outcome": outcome, "reply_id": reply.pk})
    _hand_over(ctx, reply)
    return reply


def do_answer_review(ctx: Ctx) -> None:
    _answer(ctx, ReplyKind.REVIEW, "review_answer")  # the 复核 window opens at delivery
    _documents(ctx, "复查意见书")


def do_request_rereview(ctx: Ctx) -> None:
    p = ctx.petition
    _appeal_window(ctx, "rereview_request", _("已超过收到复查意见书之日起30日的复核申请期限。"))
    unit = _review_body(ctx, p.review_unit, _("复核机关"))
    p.review_unit = unit
    access_grant(p, unit, "rereview")
    dl.deadline_open(p, "rereview_answer", ctx.today, unit=unit)
    ctx.note = _text(ctx, "reason", _("复核请求"), required=False)
    ctx.data.update({"review_unit": unit.code, "review_unit_name": unit.name})


def do_answer_rereview(ctx: Ctx) -> None:
    _answer(ctx, ReplyKind.REREVIEW, "rereview_answer")
    _close(ctx)
    _documents(ctx, "复核意见书")


# ---- ending ----------------------------------------------------------------------------------

def do_close(ctx: Ctx) -> None:
    """办结 by hand: refused while the petitioner may still appeal (an undelivered opinion, or a 复查/
    复核 window still open), unless their written waiver or satisfaction is recorded now."""
    p = ctx.petition
    waiver = _flag(ctx, "waiver")
    note = _text(ctx, "note", _("办结说明"), required=waiver)
    open_window = Deadline.objects.filter(petition=p, kind__in=("review_request", "rereview_request"),
                                          met_at__isnull=True, cancelled=False, due__gte=ctx.today).first()
    opinion = current_opinion(p)
    undelivered = opinion is not None and not opinion.deliveries.exists()
    if (open_window is not None or undelivered) and not waiver:
        if open_window is not None:
            msg = _("信访人仍可在%(d)s前申请复查或复核，不能办结；如信访人书面表示不再申请或表示满意，请勾选并记录。") % {
                "d": open_window.due}
        else:
            msg = _("意见书尚未送达，信访人仍可申请复查或复核，不能办结；如信访人书面表示不再申请或表示满意，请勾选并记录。")
        raise ApplicationError(msg, "illegal_transition")
    ctx.note = note
    ctx.data["waiver"] = waiver
    _close(ctx)


def do_merge(ctx: Ctx) -> None:
    p = ctx.petition
    ref = ctx.params.get("into")
    if not ref:
        raise ApplicationError(_("请填写并入的信访件编号。"), "invalid", "into")
    from xinfang.common.errors import NotFound

    try:
        target = petition_by_ref(ctx.actor, ref)
    except NotFound:
        raise ApplicationError(_("并入的信访件不存在：%(ref)s") % {"ref": ref}, "invalid", "into") from None
    if target.pk == p.pk:
        raise ApplicationError(_("不能并入自身。"), "invalid", "into")
    if target.status in (Status.MERGED, Status.CLOSED, Status.FINAL, Status.REJECTED, Status.DIVERTED,
                         Status.ARCHIVED):
        raise ApplicationError(_("只能并入仍在办理的信访件。"), "invalid", "into")
    for unit in {target.handling_unit, target.receiving_unit, *[a.unit for a in target.accesses.select_related("unit")]}:
        guard_unit(p, unit, "into")
    p.merged_into = target
    _close(ctx)
    ctx.note = _text(ctx, "note", _("并案说明"), required=False)
    ctx.data.update({"into": target.number})


def _evaluation_target(p: Petition, today: dt.date) -> tuple[Reply | None, str]:
    """The opinion an evaluation would judge now, or None and why not."""
    opinion = (p.replies.filter(approved_at__isnull=False, returned_at__isnull=True)
               .order_by("-approved_at", "-id").first())
    if opinion is None:
        return None, _("尚未出具处理意见，不能评价。")
    if opinion.evaluations.filter(counted=True).exists():
        return None, _("该阶段已评价，每个阶段只能评价一次。")
    delivered = opinion.delivery
    start = delivered.delivered_at if delivered else dl.local_date(opinion.approved_at)
    window = settings.XINFANG["EVALUATION_WINDOW_DAYS"]
    if (today - start).days > window:
        return None, _("已超过%(n)d日的评价期限。") % {"n": window}
    return opinion, ""


def evaluation_open(p: Petition, today: dt.date | None = None) -> bool:
    from django.utils import timezone

    return _evaluation_target(p, today or timezone.localdate())[0] is not None


def do_evaluate(ctx: Ctx) -> None:
    """满意度评价: only after an opinion was issued, within the window, once per stage (opinion)."""
    p = ctx.petition
    opinion, why = _evaluation_target(p, ctx.today)
    if opinion is None:
        raise ApplicationError(why, "illegal_transition")
    level = _choice(ctx, "level", _("满意度"), Satisfaction)
    reason = _text(ctx, "reason", _("不满意理由"), required=level == Satisfaction.DISSATISFIED, max_len=2000)
    source = EvaluationSource.CITIZEN if ctx.actor is None else EvaluationSource.CALLBACK
    Evaluation.objects.create(petition=p, reply=opinion, level=level, reason=reason, source=source, at=ctx.now,
                              by=ctx.actor)
    ctx.note = reason
    ctx.data.update({"level": level, "source": source, "reply_id": opinion.pk})


def do_declare_conflict(ctx: Ctx) -> None:
    """申请回避: the actor can no longer act on this petition; a handler who declares hands it back."""
    p = ctx.petition
    reason = _text(ctx, "reason", _("回避理由"), max_len=2000)
    if ConflictDeclaration.objects.filter(petition=p, user=ctx.actor).exists():
        raise ApplicationError(_("您已就该信访事项申请回避。"), "illegal_transition")
    ConflictDeclaration.objects.create(petition=p, user=ctx.actor, reason=reason, at=ctx.now)
    if p.handler_id == ctx.actor.pk and p.status == Status.IN_HANDLING:
        p.handler, p.status = None, Status.ACCEPTED  # the unit names another handler
        ctx.data["handler_released"] = True
    ctx.note = reason


EFFECTS = {name[3:]: fn for name, fn in globals().items() if name.startswith("do_") and callable(fn)}



def effect_register(action: str, fn) -> None:
    """A package above the workflow (oversight) supplies the effect of a move the table names (the
    overlays urge, supervise, instruct): the table stays the one place that says who may take it."""
    from .transitions import TABLE

    if action not in TABLE:
        raise KeyError(action)
    EFFECTS[action] = fn
