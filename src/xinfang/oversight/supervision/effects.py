"""The effects of the overlay moves `supervise` (督办, 挂牌督办) and `instruct` (领导批示) of the transition
table, registered with `workflow.actions.effect_register` when the app is ready. They run inside
`workflow.services.petition_act`, which has checked the state, the version, the role, 回避 and the
accusation rule for the acting unit; these check the target unit and the fields, then create the order."""

from __future__ import annotations

from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.org.jurisdiction import covers
from xinfang.petitions.reach import access_grant
from xinfang.workflow.actions import _date, _flag, _text, _unit
from xinfang.workflow.guards import guard_unit

from . import notices
from .models import Instruction, Supervision

TEXT_MAX = 5000
HORIZON_DAYS = 366  # a due date more than a year ahead is a typing error


def _target(ctx):
    p = ctx.petition
    unit = _unit(ctx, "unit", required=False) or p.handling_unit or p.receiving_unit
    guard_unit(p, unit, "unit")  # an accusation never reaches the accused unit
    if not covers(ctx.actor, unit):
        raise ApplicationError(_("“%(u)s”不在您的管辖范围内。") % {"u": unit.name}, "invalid", "unit")
    return unit


def _due(ctx, required: bool):
    due = _date(ctx, "due_on", _("时限"))
    if due is None:
        if required:
            raise ApplicationError(_("请填写办结时限。"), "invalid", "due_on")
        return None
    if due < ctx.today:
        raise ApplicationError(_("时限不能早于今天。"), "invalid", "due_on")
    if (due - ctx.today).days > HORIZON_DAYS:
        raise ApplicationError(_("时限不能晚于一年以后。"), "invalid", "due_on")
    return due


def _access(petition, unit) -> None:
    """The target unit sees the petition it must act on (jurisdiction follows the task)."""
    access_grant(petition, unit, "supervise")


def do_supervise(ctx) -> None:
    requirement = _text(ctx, "requirement", _("督办要求"), max_len=TEXT_MAX)
    unit = _target(ctx)
    due = _due(ctx, required=True)
    listed = _flag(ctx, "listed")
    sup = Supervision.objects.create(petition=ctx.petition, issued_by=ctx.actor, issuing_unit=ctx.unit,
                                     target_unit=unit, requirement=requirement, issued_at=ctx.now, due_on=due,
                                     listed=listed)
    _access(ctx.petition, unit)
    ctx.note = requirement
    ctx.data.update({"supervision": sup.pk, "to_unit": unit.code, "to_unit_name": unit.name, "due_on": due,
                     "listed": listed})
    notices.supervision_issued(sup, at=ctx.now)


def do_instruct(ctx) -> None:
    text = _text(ctx, "text", _("批示内容"), max_len=TEXT_MAX)
    unit = _target(ctx)
    due = _due(ctx, required=False)
    ins = Instruction.objects.create(petition=ctx.petition, leader=ctx.actor, unit=ctx.unit, text=text,
                                     target_unit=unit, issued_at=ctx.now, due_on=due)
    _access(ctx.petition, unit)
    ctx.note = text
    ctx.data.update({"instruction": ins.pk, "to_unit": unit.code, "to_unit_name": unit.name, "due_on": due})
    notices.instruction_issued(ins, at=ctx.now)


EFFECTS = {"supervise": do_supervise, "instruct": do_instruct}
