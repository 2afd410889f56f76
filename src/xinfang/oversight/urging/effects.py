"""The effect of the `urge` overlay move (workflow.transitions), registered with
`workflow.actions.effect_register` when the app is ready. `services.petition_act` has already checked
the state, the version, the role, 回避 and the accusation rule for the acting unit."""

from __future__ import annotations

from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.common.text import has_bad_characters
from xinfang.workflow.guards import guard_unit

from .services import MAX_NOTE, responsible_unit, urge_record


def _note(ctx, name: str, label: str) -> str:
    value = ctx.params.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApplicationError(_("请填写%(label)s。") % {"label": label}, "invalid", name)
    value = value.strip()
    if has_bad_characters(value):
        raise ApplicationError(_("%(label)s含有无法保存的字符。") % {"label": label}, "invalid", name)
    if len(value) > MAX_NOTE:
        raise ApplicationError(_("%(label)s不能超过%(n)d字。") % {"label": label, "n": MAX_NOTE}, "invalid", name)
    return value


def do_urge(ctx) -> None:
    """催办: a note is required; the responsible unit (the handling unit, else the receiving unit) is
    urged and its handler, leaders and dispatchers are told."""
    ctx.note = _note(ctx, "note", _("催办意见"))
    p = ctx.petition
    unit = responsible_unit(p)
    guard_unit(p, unit, "note")
    urge = urge_record(petition=p, unit=unit, at=ctx.now, actor=ctx.actor, actor_unit=ctx.unit, note=ctx.note,
                       due_kind=p.due_kind, due_on=p.due_on)
    ctx.data.update({"urge": urge.pk, "unit": unit.code, "auto": False})


EFFECTS = {"urge": do_urge}
