"""The effects of the overlay moves of the transition table (workflow.transitions: urge, supervise,
instruct), registered with `workflow.actions.effect_register` when the app is ready."""

from __future__ import annotations

from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError


def _note(ctx, name: str, label: str) -> str:
    value = ctx.params.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApplicationError(_("请填写%(label)s。") % {"label": label}, "invalid", name)
    return value.strip()[:20000]


def do_supervise(ctx) -> None:  # placeholder until supervision orders are built
    ctx.note = _note(ctx, "requirement", _("督办要求"))


def do_instruct(ctx) -> None:  # placeholder until instructions are built
    ctx.note = _note(ctx, "text", _("批示内容"))


EFFECTS = {"supervise": do_supervise, "instruct": do_instruct}
