"""The 文书 card of the petition page: issued notices with their downloads, the ones still being
generated, and the case dossier (案卷) of a finished petition."""

from django import template

from xinfang.reports.dossier import dossier_available
from xinfang.reports.notices.access import documents_of, identity_protected

register = template.Library()


@register.inclusion_tag("web/documents/_card.html", takes_context=True)
def documents_card(context, petition):
    user = context["request"].user
    rows = documents_of(user, petition)
    protected = identity_protected(user, petition)
    return {"p": petition, "rows": rows, "protected": protected,
            "missing": not protected and any(r.missing for r in rows),
            "dossier": dossier_available(petition) and not protected,
            "replies": context.get("replies") or [], "csrf_token": context.get("csrf_token"),
            "request": context["request"]}


@register.filter
def document_label(name: str) -> str:
    """The translated label of a document named on a timeline event (stored as its Chinese name)."""
    from xinfang.reports.models import DocumentKind
    from xinfang.reports.notices.content import BY_EVENT_NAME

    kind = BY_EVENT_NAME.get(name)
    return str(DocumentKind(kind).label) if kind else name
