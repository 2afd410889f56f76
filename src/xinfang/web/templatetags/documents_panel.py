"""The 文书 panel of the petition page: the 文书 card in a wrapper that, while a notice is still
being generated, asks the server for the panel again (htmx, shipped by django-htmx) until none is.

The page renders it with `{% documents_panel p %}`; `web.views.documents.documents_panel_view`
answers the polls with the same template."""

from __future__ import annotations

from django import template

from .document_tags import documents_card

register = template.Library()

# (polls, seconds between them): every 2 s for the first minute, then every 10 s for a quarter of an
# hour; after that the panel stops asking (the card offers 重新生成 for what never came).
POLL_SCHEDULE = ((30, 2), (90, 10))


def poll_after(polls: int) -> int | None:
    """Seconds until the next poll after `polls` polls, or None to stop."""
    for count, seconds in POLL_SCHEDULE:
        if polls < count:
            return seconds
        polls -= count
    return None


def panel_context(context, petition, *, polls: int = 0) -> dict:
    """The card's context (`documents_card`) plus whether a notice is still being generated and when
    to ask again."""
    card = documents_card(context, petition)
    pending = any(r.doc is None for r in card["rows"])
    return {**card, "pending": pending, "next_poll": polls + 1, "poll_seconds": poll_after(polls) if pending else None}


@register.inclusion_tag("web/documents/_panel.html", takes_context=True)
def documents_panel(context, petition):
    return panel_context(context, petition)
