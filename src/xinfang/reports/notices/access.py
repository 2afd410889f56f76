"""Who may read which issued document, and serving it (web and API use the same rules).

Jurisdiction: a document is visible to whoever sees its petition (`petition_get`); anything else is
"not found" (DESIGN §5, never 403). Accusations: documents addressed to the petitioner name them, so
outside the handling chain only the ones without identity (the 办结报告) can be opened.
Files are served only through these views, never from MEDIA_URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import FileResponse
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import NotFound
from xinfang.common.http import attachment
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import accuser_hidden, petition_get

from ..models import IssuedDocument
from .content import BY_EVENT_NAME, carries_identity
from .services import file_available, file_present

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def identity_protected(user, petition: Petition) -> bool:
    return accuser_hidden(user, petition)


def may_open(user, doc: IssuedDocument, petition: Petition) -> bool:
    return not (identity_protected(user, petition) and carries_identity(doc.kind))


def document_get(user, document_id) -> tuple[IssuedDocument, Petition]:
    """An issued document the user may open, with its petition; NotFound otherwise."""
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        raise NotFound(_("文书不存在。")) from None
    doc = IssuedDocument.objects.select_related("unit").filter(pk=pk).first()
    if doc is None:
        raise NotFound(_("文书不存在。"))
    petition = petition_get(user, doc.petition_id)  # NotFound outside the jurisdiction
    if not may_open(user, doc, petition):
        raise NotFound(_("文书不存在。"))
    return doc, petition


@dataclass
class DocumentRow:
    doc: IssuedDocument | None
    name: str  # the kind's name (for documents still being generated)
    openable: bool = False
    pdf: bool = False
    docx: bool = False

    @property
    def missing(self) -> bool:
        return self.doc is None or not (self.pdf and self.docx)


def documents_of(user, petition: Petition) -> list[DocumentRow]:
    """The petition's issued documents in order, plus the ones its moves named but not yet generated."""
    rows: list[DocumentRow] = []
    docs = list(IssuedDocument.objects.filter(petition=petition).select_related("unit").order_by("created_at", "id"))
    issued = {(d.event_id, d.kind) for d in docs}
    for doc in docs:
        openable = may_open(user, doc, petition)
        # available: stored, or issued and rendered on the first download (never rendered for a list)
        rows.append(DocumentRow(doc, doc.get_kind_display(), openable, file_available(doc.pdf),
                                file_available(doc.docx)))
    for event in petition.events.order_by("at", "id").only("id", "data"):
        for name in (event.data or {}).get("documents", []):
            kind = BY_EVENT_NAME.get(name)
            if kind and (event.pk, kind) not in issued:
                rows.append(DocumentRow(None, name))
    return rows


def file_response(doc: IssuedDocument, fmt: str, *, actor) -> FileResponse:
    """The stored file as a download, its opening audited (documents may name the petitioner)."""
    field = doc.pdf if fmt == "pdf" else doc.docx if fmt == "docx" else None
    if field is None:
        raise NotFound(_("文书不存在。"))
    if not file_present(field):
        raise NotFound(_("文书文件尚未生成或已缺失，请重新生成。"))
    audit_record(actor=actor, action="document.download", obj=doc,
                 data={"petition_id": doc.petition_id, "number": doc.number, "format": fmt})
    filename = f"{doc.number} {doc.title}.{fmt}".replace("/", "-")
    response = FileResponse(field.open("rb"), as_attachment=True, filename=filename,
                            content_type=CONTENT_TYPES[fmt])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def dossier_petition(user, petition_id) -> Petition:
    """A finished petition whose dossier the user may download; NotFound otherwise."""
    from ..dossier import dossier_available

    petition = petition_get(user, petition_id)
    if not dossier_available(petition) or identity_protected(user, petition):
        raise NotFound(_("该信访件尚未办结，不能生成案卷。"))
    return petition


def dossier_response(user, petition: Petition):
    from ..dossier import dossier_build

    data = dossier_build(petition, actor=user)
    audit_record(actor=user, action="dossier.export", obj=petition,
                 data={"number": petition.number, "bytes": len(data)})
    response = attachment(data, "application/pdf", f"{petition.number} 信访事项案卷.pdf")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def regenerate_missing(user, petition: Petition) -> int:
    """Issue what the petition's moves named but is missing, and re-render documents whose files are gone."""
    from .services import notice_regenerate, notices_for_event

    before = IssuedDocument.objects.filter(petition=petition).count()
    regenerated = 0
    for event in petition.events.order_by("at", "id").only("id", "data"):
        names = [n for n in (event.data or {}).get("documents", []) if n in BY_EVENT_NAME]
        have = set(IssuedDocument.objects.filter(event_id=event.pk).values_list("kind", flat=True))
        if any(BY_EVENT_NAME[n] not in have for n in names):
            notices_for_event(event.pk)
    for doc in IssuedDocument.objects.filter(petition=petition):
        if not (file_present(doc.pdf) and file_present(doc.docx)):
            notice_regenerate(doc, actor=user)
            regenerated += 1
    return IssuedDocument.objects.filter(petition=petition).count() - before + regenerated
