"""Which sweep policy applies to a unit: the nearest row up the unit tree, else the global row (no
unit), else the built-in defaults (the model's field defaults)."""

from __future__ import annotations

from .models import SweepPolicy

FIELDS = ("remind_notice", "remind_severe", "auto_urge", "escalate_after", "delivery_after", "evaluation_after",
          "review_window_before", "contact_within", "progress_every")


class Policies:
    """The policy rows read once per sweep (a sweep asks for many units)."""

    def __init__(self):
        rows = list(SweepPolicy.objects.all())
        self.by_unit = {r.unit_id: r for r in rows if r.unit_id is not None}
        self.default = next((r for r in rows if r.unit_id is None), None) or SweepPolicy()

    def for_unit(self, unit) -> SweepPolicy:
        node = unit
        while node is not None:
            row = self.by_unit.get(node.pk)
            if row is not None:
                return row
            node = node.parent if node.parent_id else None
        return self.default


def policy_for(unit) -> SweepPolicy:
    return Policies().for_unit(unit)
