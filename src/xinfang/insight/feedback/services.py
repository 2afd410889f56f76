"""Recording whether a shown suggestion was taken."""

from __future__ import annotations

from .models import Kind, SuggestionOutcome


def outcome_record(*, actor, petition, kind: str, suggested: str, confidence: float = 0.0, chosen: str = "",
                   method: str = "") -> SuggestionOutcome | None:
    """One suggestion of `kind` shown for `petition`, and what was chosen. Nothing when nothing was suggested."""
    suggested = (suggested or "").strip()[:64]
    if kind not in Kind.values or not suggested:
        return None
    try:
        confidence = max(0.0, min(1.0, float(confidence)))
    except (TypeError, ValueError):
        confidence = 0.0
    chosen = (chosen or "").strip()[:64]
    return SuggestionOutcome.objects.create(
        petition=petition, kind=kind, suggested=suggested, confidence=confidence, chosen=chosen,
        taken=bool(chosen) and chosen == suggested, method=(method or "")[:32], by=actor)
