"""The effect of each move of the transition table. `services.petition_act` has already checked the
state, the version and the actor's role; each function validates its own input, then writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from xinfang.common.calendar import current_calendar, working_days_between
from xinfang.common.errors import ApplicationError
from xinfang.common.text import has_bad_characters
from xinfang.org.choices import Role
from xinfang.org.jurisdiction import has_role
from xinfang.org.models import Unit
from xinfang.petitions.choices import Nature, Status
from xinfang.petitions.models import Petition, PetitionAccess
from xinfang.petitions.selectors import petition_by_ref

from . import deadlines as dl
from .choices import DivertTarget, EvaluationSource, Outcome, ReplyKind, RouteKind, Satisfaction
from .models import Deadline, Evaluation, Extension, Reply, Route
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


def _documents(ctx: Ctx, *names: str) -> None:
    ctx.data.setdefault("documents", []).extend(names)


def _grant_access(petition: Petition, unit: Unit, reason: str) -> None:
    PetitionAccess.objects.get_or_create(petition=petition, unit=unit, defaults={"reason": reason})


def _close(ctx: Ctx) -> None:
    ctx.petition.closed_at = ctx.now
    dl.deadlines_cancel(ctx.petition)


# ---- routing ---------------------------------------------------------------------------------

def _route(ctx: Ctx, kind: str) -> None:
    p = ctx.petition
    target = _unit(ctx)
    if target.pk == p.receiving_unit_id:
        raise ApplicationError(_("不能转送或交办给本单位，请直接受理。"), "invalid", "unit")
    if p.nature == Nature.ACCUSATION and p.accused_unit_id:
        accused = p.accused_unit
        if target.pk == accused.pk or target.path.startswith(accused.path):
            raise ApplicationError(_("检举控告类信访事项不得转送、交办给被检举控告的单位。"), "forbidden_route", "unit")
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
    _grant_access(p, target, kind)
    ctx.data.update({"to_unit": target.code, "to_unit_name": target.name, "report_due": report_due})
    ctx.note = note
    _documents(ctx, "转送交办告知")


def do_forward(ctx: Ctx) -> None:
    _route(ctx, RouteKind.FORWARD)


def do_assign(ctx: Ctx) -> None:
    _route(ctx, RouteKind.ASSIGN)


def do_object(ctx: Ctx) -> None:
    p = ctx.petition
    reason = _text(ctx, "reason", _("退回理由"))
    window = Deadline.objects.filter(petition=p, kind="object", met_at__isnull=True, cancelled=False).first()
    if window is None or ctx.today > window.due:
        raise ApplicationError(_("已超过5个工作日的异议期限，不能退回。"), "illegal_transition")
    route = p.routes.filter(to_unit=p.handling_unit, objected_at__isnull=True).last()
    if route:
        route.objected_at, route.object_reason = ctx.now, reason
        route.save(update_fields=["objected_at", "object_reason"])
    dl.deadlines_meet(p, "object", at=ctx.now)
    dl.deadlines_cancel(p, "accept", "report")
    Deadline.objects.filter(petition=p, kind="route").update(met_at=None)  # back at the router, clock runs on
    ctx.data.update({"from_unit": p.handling_unit.code, "reason": reason})
    ctx.note = reason
    p.handling_unit = None


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
    final = final_predecessor(p)
    if final is not None:
        raise ApplicationError(_("同一事实和理由已于信访件%(n)s复核终结，应当不再受理。") % {"n": final.number},
                               "illegal_transition")
    if p.handling_unit_id is None:
        p.handling_unit = p.receiving_unit
    p.accepted_at = ctx.now
    dl.deadlines_meet(p, "route", "accept", "object", at=ctx.now)
    dl.deadline_open(p, "handle", ctx.today, unit=p.handling_unit)
    p.status = Status.ACCEPTED
    if ctx.params.get("handler"):
        _set_handler(ctx, str(ctx.params["handler"]))
    ctx.note = _text(ctx, "note", _("说明"), required=False)
    _documents(ctx, "受理告知书")


def do_reject(ctx: Ctx) -> None:
    reason = _text(ctx, "reason", _("不予受理理由"))
    dl.deadlines_meet(ctx.petition, "route", "accept", "object", at=ctx.now)
    _close(ctx)
    ctx.note, ctx.data["reason"] = reason, reason
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
    target = _choice(ctx, "target", _("引导去向"), DivertTarget)
    unit = _unit(ctx, required=False)
    reason = _text(ctx, "reason", _("告知内容"))
    dl.deadlines_meet(ctx.petition, "route", "accept", at=ctx.now)
    _close(ctx)
    ctx.note = reason
    ctx.data.update({"target": target, "unit": unit.code if unit else None})


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


def do_hold_hearing(ctx: Ctx) -> None:
    ctx.note = _text(ctx, "text", _("听证情况"))
    ctx.data["participants"] = _text(ctx, "participants", _("参加人员"), required=False, max_len=2000)


def do_request_extension(ctx: Ctx) -> None:
    p = ctx.petition
    cap, _working, _active = dl.policy("extension_max", p.handling_unit)
    days = _int(ctx, "days", _("延长天数"), 1, cap)
    reason = _text(ctx, "reason", _("延期理由"))
    if p.extensions.exists():
        raise ApplicationError(_("办理期限只能延长一次。"), "illegal_transition")
    Extension.objects.create(petition=p, days=days, reason=reason, requested_by=ctx.actor, requested_at=ctx.now)
    ctx.note, ctx.data["days"] = reason, days


def do_approve_extension(ctx: Ctx) -> None:
    p = ctx.petition
    ext = p.extensions.filter(approved_at__isnull=True).first()
    if ext is None:
        raise ApplicationError(_("没有待审批的延期申请。"), "illegal_transition")
    handle = Deadline.objects.filter(petition=p, kind="handle", met_at__isnull=True, cancelled=False).first()
    if handle is None:
        raise ApplicationError(_("没有正在计算的办理期限。"), "illegal_transition")
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
    dl.deadline_open(p, "review_request", ctx.today, unit=p.handling_unit)
    ctx.data.update({"outcome": reply.outcome, "reply_id": reply.pk})
    _documents(ctx, "信访处理意见书")


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


def do_approve_reply(ctx: Ctx) -> None:
    reply = ctx.petition.replies.filter(kind=ReplyKind.REPLY, approved_at__isnull=True).last()
    if reply is None:
        raise ApplicationError(_("没有待审批的处理意见。"), "illegal_transition")
    reply.approved_by, reply.approved_at = ctx.actor, ctx.now
    reply.save(update_fields=["approved_by", "approved_at"])
    ctx.note = _text(ctx, "note", _("审批意见"), required=False)
    _replied(ctx, reply)


def do_fast_track(ctx: Ctx) -> None:
    p = ctx.petition
    if not p.is_first:
        raise ApplicationError(_("只有初信初访事项可以简易办理。"), "illegal_transition")
    days, _working, _active = dl.policy("fast_track", p.handling_unit)
    if working_days_between(dl.local_date(p.accepted_at), ctx.today, current_calendar()) > days:
        raise ApplicationError(_("已超过简易办理的%(n)d个工作日时限，请按普通程序办理。") % {"n": days},
                               "illegal_transition")
    outcome, text, basis = _reply_fields(ctx)
    reply = Reply.objects.create(petition=p, kind=ReplyKind.FAST_TRACK, unit=p.handling_unit or p.receiving_unit,
                                 outcome=outcome, text=text, basis=basis, drafted_by=ctx.actor, drafted_at=ctx.now,
                                 approved_by=ctx.actor, approved_at=ctx.now)
    p.handler = p.handler or ctx.actor
    _replied(ctx, reply)


# ---- appeals ---------------------------------------------------------------------------------

def _appeal_window(ctx: Ctx, kind: str, message: str) -> None:
    window = Deadline.objects.filter(petition=ctx.petition, kind=kind, met_at__isnull=True, cancelled=False).first()
    if window is None or ctx.today > window.due:
        raise ApplicationError(message, "illegal_transition")
    dl.deadlines_meet(ctx.petition, kind, at=ctx.now)


def _upper_unit(ctx: Ctx, below: Unit, label: str) -> Unit:
    unit = _unit(ctx, required=False) or (below.parent if below and below.parent_id else None)
    if unit is None:
        raise ApplicationError(_("请指定%(label)s。") % {"label": label}, "invalid", "unit")
    if below and (unit.pk == below.pk or unit.path.startswith(below.path)):
        raise ApplicationError(_("%(label)s应为原办理机关的上一级机关或本级人民政府。") % {"label": label},
                               "invalid", "unit")
    return unit


def do_request_review(ctx: Ctx) -> None:
    p = ctx.petition
    _appeal_window(ctx, "review_request", _("已超过收到处理意见书之日起30日的复查申请期限。"))
    unit = _upper_unit(ctx, p.handling_unit or p.receiving_unit, _("复查机关"))
    p.review_unit = unit
    _grant_access(p, unit, "review")
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
    return reply


def do_answer_review(ctx: Ctx) -> None:
    _answer(ctx, ReplyKind.REVIEW, "review_answer")
    dl.deadline_open(ctx.petition, "rereview_request", ctx.today, unit=ctx.petition.review_unit)
    _documents(ctx, "复查意见书")


def do_request_rereview(ctx: Ctx) -> None:
    p = ctx.petition
    _appeal_window(ctx, "rereview_request", _("已超过收到复查意见书之日起30日的复核申请期限。"))
    unit = _upper_unit(ctx, p.review_unit, _("复核机关"))
    p.review_unit = unit
    _grant_access(p, unit, "rereview")
    dl.deadline_open(p, "rereview_answer", ctx.today, unit=unit)
    ctx.note = _text(ctx, "reason", _("复核请求"), required=False)
    ctx.data.update({"review_unit": unit.code, "review_unit_name": unit.name})


def do_answer_rereview(ctx: Ctx) -> None:
    _answer(ctx, ReplyKind.REREVIEW, "rereview_answer")
    _close(ctx)
    _documents(ctx, "复核意见书")


# ---- ending ----------------------------------------------------------------------------------

def do_close(ctx: Ctx) -> None:
    p = ctx.petition
    ctx.note = _text(ctx, "note", _("办结说明"), required=False)
    dl.deadlines_meet(p, "report", at=ctx.now)
    _close(ctx)
    if p.routes.filter(kind=RouteKind.ASSIGN, objected_at__isnull=True).exists():
        _documents(ctx, "办结报告")


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
    p.merged_into = target
    _close(ctx)
    ctx.note = _text(ctx, "note", _("并案说明"), required=False)
    ctx.data.update({"into": target.number})


def do_evaluate(ctx: Ctx) -> None:
    level = _choice(ctx, "level", _("满意度"), Satisfaction)
    reason = _text(ctx, "reason", _("不满意理由"), required=level == Satisfaction.DISSATISFIED, max_len=2000)
    source = EvaluationSource.CITIZEN if ctx.actor is None else EvaluationSource.CALLBACK
    Evaluation.objects.create(petition=ctx.petition, level=level, reason=reason, source=source, at=ctx.now,
                              by=ctx.actor)
    ctx.note = reason
    ctx.data.update({"level": level, "source": source})


EFFECTS = {name[3:]: fn for name, fn in globals().items() if name.startswith("do_") and callable(fn)}
