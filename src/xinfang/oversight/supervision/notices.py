"""The notifications of 督办 and 批示 (kinds in notifications/kinds.py). Titles name the petition by its
number only (never its title: an accuser's name may be in it). Sent inside the caller's transaction."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from xinfang.notifications.selectors import unit_members
from xinfang.notifications.services import notify
from xinfang.org.choices import Role

UNIT_ROLES = (Role.LEADER, Role.DISPATCHER)


def link(petition_id: int, anchor: str = "supervision") -> str:
    try:
        return reverse("web:petition", args=[petition_id]) + f"#{anchor}"
    except NoReverseMatch:  # pragma: no cover (the workbench is always installed)
        return ""


def _target_people(order, exclude=None) -> list:
    """The target unit's leaders and dispatchers, and the case's handler when in that unit."""
    people = unit_members(order.target_unit_id, UNIT_ROLES)
    handler = order.petition.handler
    if handler is not None and handler.memberships.filter(unit_id=order.target_unit_id).exists():
        people.append(handler)
    return [u for u in people if exclude is None or u.pk != exclude.pk]


def _issuer_people(sup, exclude=None) -> list:
    people = [sup.issued_by] if sup.issued_by.is_active else unit_members(sup.issuing_unit_id, (Role.SUPERVISOR,))
    return [u for u in people if exclude is None or u.pk != exclude.pk]


def supervision_issued(sup, *, at) -> None:
    p = sup.petition
    title = (_("挂牌督办：%(n)s，请于%(d)s前办结并报告结果") if sup.listed else _("督办：%(n)s，请于%(d)s前办结并报告结果")) % {
        "n": p.number, "d": sup.due_on.isoformat()}
    notify(recipients=_target_people(sup, sup.issued_by), kind="supervision", title=title, body=sup.requirement,
           link=link(p.pk), petition=p, at=at)


def supervision_reported(sup, report, *, at) -> None:
    title = _("督办件%(n)s收到%(u)s的%(k)s") % {"n": sup.petition.number, "u": report.unit.name,
                                             "k": report.get_kind_display()}
    notify(recipients=_issuer_people(sup, report.by), kind="supervision_report", title=title, body=report.text,
           link=link(sup.petition_id), petition=sup.petition_id, at=at)


def supervision_decided(sup, report, *, actor, at) -> None:
    if report.decision == "accepted":
        title = _("督办件%(n)s已销号") % {"n": sup.petition.number}
    else:
        title = _("督办件%(n)s的反馈被退回，请重新报告") % {"n": sup.petition.number}
    people = _target_people(sup, actor) + ([report.by] if report.by_id != actor.pk else [])
    notify(recipients=people, kind="supervision_report", title=title, body=report.decision_note,
           link=link(sup.petition_id), petition=sup.petition_id, at=at)


def instruction_issued(ins, *, at) -> None:
    p = ins.petition
    if ins.due_on:
        title = _("领导批示：%(n)s，请于%(d)s前反馈") % {"n": p.number, "d": ins.due_on.isoformat()}
    else:
        title = _("领导批示：%(n)s，请办理并反馈") % {"n": p.number}
    notify(recipients=_target_people(ins, ins.leader), kind="instruction", title=title, body=ins.text,
           link=link(p.pk, "instructions"), petition=p, at=at)


def instruction_reported(ins, report, *, at) -> None:
    title = _("批示件%(n)s收到%(u)s的反馈") % {"n": ins.petition.number, "u": report.unit.name}
    people = [ins.leader] if ins.leader.pk != report.by_id else []
    notify(recipients=people, kind="instruction_report", title=title, body=report.text,
           link=link(ins.petition_id, "instructions"), petition=ins.petition_id, at=at)


def instruction_closed(ins, *, at) -> None:
    title = _("批示件%(n)s已办结") % {"n": ins.petition.number}
    notify(recipients=_target_people(ins, ins.leader), kind="instruction_report", title=title, body=ins.close_note,
           link=link(ins.petition_id, "instructions"), petition=ins.petition_id, at=at)


def due_notice(order, *, which: str, kind_label: str, at) -> list:
    """The sweep's warning to the target unit: `which` is "soon" or "overdue"; once per order and fact."""
    p = order.petition
    if which == "soon":
        title = _("%(k)s%(n)s将于%(d)s到期，请按时办结并报告") % {"k": kind_label, "n": p.number,
                                                         "d": order.due_on.isoformat()}
    else:
        title = _("%(k)s%(n)s已超过时限（%(d)s），请立即办理并报告") % {"k": kind_label, "n": p.number,
                                                              "d": order.due_on.isoformat()}
    kind = "supervision" if order._meta.model_name == "supervision" else "instruction"
    return notify(recipients=_target_people(order), kind="supervision_due", title=title,
           link=link(p.pk, "supervision" if kind == "supervision" else "instructions"), petition=p,
           dedupe_key=f"{kind}:{order.pk}:{which}:{order.due_on.isoformat()}", at=at)
