"""How often the suggestions are taken (taken / shown, per kind, over a period)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from .models import Kind, SuggestionOutcome


def acceptance_rates(*, date_from: dt.datetime | None = None, date_to: dt.datetime | None = None) -> dict[str, dict]:
    """kind -> {"shown", "taken", "rate"} (rate None when nothing was shown)."""
    qs = SuggestionOutcome.objects.all()
    if date_from is not None:
        qs = qs.filter(at__gte=date_from)
    if date_to is not None:
        qs = qs.filter(at__lt=date_to)
    rows = {r["kind"]: r for r in qs.values("kind").annotate(shown=Count("id"), taken=Count("id", filter=Q(taken=True)))}
    out = {}
    for kind in Kind.values:
        r = rows.get(kind, {"shown": 0, "taken": 0})
        out[kind] = {"shown": r["shown"], "taken": r["taken"],
                     "rate": round(r["taken"] / r["shown"], 4) if r["shown"] else None}
    return out
