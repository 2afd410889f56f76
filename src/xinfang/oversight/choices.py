from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.petitions.choices import Status


class Stage(models.TextChoices):
    """The stages of a 包案 (issue 10): 转包案 → 推进化解 → 稳控 → 化解."""

    TRANSFER = "transfer", _("转包案")
    PROGRESS = "progress", _("推进化解")
    STABILIZE = "stabilize", _("稳控")
    RESOLVE = "resolve", _("化解")


STAGE_ORDER = (Stage.TRANSFER, Stage.PROGRESS, Stage.STABILIZE, Stage.RESOLVE)


class EndKind(models.TextChoices):
    RELEASED = "released", _("解除包案")
    TRANSFERRED = "transferred", _("转交其他领导")
    MERGED = "merged", _("信访件已并案")


# The petition states that count as 化解 (resolved) for 包案 and 包案化解率; see
# `selectors.petition_resolved_q` for the rule and the reasons.
RESOLVED_STATES = frozenset({Status.CLOSED, Status.ARCHIVED})

# Timeline actions (PetitionEvent.action) written by the ownership services.
EVENT_OWN, EVENT_OWN_END, EVENT_OWN_TRANSFER = "own", "own_end", "own_transfer"
EVENT_OWN_PLAN, EVENT_OWN_STAGE = "own_plan", "own_stage"
EVENT_LABELS = {
    EVENT_OWN_PLAN: _("包案方案"),
    EVENT_OWN_STAGE: _("包案阶段推进"),
    EVENT_OWN: _("领导包案"),
    EVENT_OWN_END: _("解除包案"),
    EVENT_OWN_TRANSFER: _("转交包案"),
}
