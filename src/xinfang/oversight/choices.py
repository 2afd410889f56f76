from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.petitions.choices import Status


class EndKind(models.TextChoices):
    RELEASED = "released", _("解除包案")
    TRANSFERRED = "transferred", _("转交其他领导")
    MERGED = "merged", _("信访件已并案")


# The petition states that count as 化解 (resolved) for 包案 and 包案化解率; see
# `selectors.petition_resolved_q` for the rule and the reasons.
RESOLVED_STATES = frozenset({Status.CLOSED, Status.ARCHIVED})

# Timeline actions (PetitionEvent.action) written by the ownership services.
EVENT_OWN, EVENT_OWN_END, EVENT_OWN_TRANSFER = "own", "own_end", "own_transfer"
EVENT_LABELS = {
    EVENT_OWN: _("领导包案"),
    EVENT_OWN_END: _("解除包案"),
    EVENT_OWN_TRANSFER: _("转交包案"),
}
