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


def do_urge(ctx) -> None:  # placeholder until the urging rules are built
    ctx.note = _note(ctx, "note", _("催办意见"))


EFFECTS = {"urge": do_urge}
