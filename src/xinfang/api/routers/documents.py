"""/api/v1: issued notices of a petition, their files (PDF, DOCX) and the case dossier (案卷).

Same rules as the web pages (xinfang.reports.notices.access): outside the jurisdiction answers 404."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from xinfang.petitions.selectors import petition_get
from xinfang.reports.notices import access

from ..schemas import PetitionId

router = Router(tags=["documents"])


class UnitRef(Schema):
    code: str
    name: str


class DocumentOut(Schema):
    id: int | None
    kind: str
    kind_label: str
    title: str
    number: str
    unit: UnitRef | None
    created_at: datetime | None
    ready: bool
    openable: bool
    pdf_url: str | None
    docx_url: str | None


def _row(request, row) -> dict:
    doc = row.doc
    if doc is None:
        return {"id": None, "kind": "", "kind_label": row.name, "title": row.name, "number": "", "unit": None,
                "created_at": None, "ready": False, "openable": False, "pdf_url": None, "docx_url": None}
    base = f"/api/v1/documents/{doc.pk}"
    return {"id": doc.pk, "kind": doc.kind, "kind_label": doc.get_kind_display(), "title": doc.title,
            "number": doc.number, "unit": {"code": doc.unit.code, "name": doc.unit.name},
            "created_at": doc.created_at, "ready": not row.missing, "openable": row.openable,
            "pdf_url": f"{base}.pdf" if row.openable and row.pdf else None,
            "docx_url": f"{base}.docx" if row.openable and row.docx else None}


@router.get("/petitions/{petition_id}/documents", response=list[DocumentOut], summary="信访件的文书")
def petition_documents(request, petition_id: PetitionId):
    petition = petition_get(request.user, petition_id)
    return [_row(request, row) for row in access.documents_of(request.user, petition)]


@router.get("/documents/{document_id}.pdf", summary="下载文书（PDF）", response={200: None})
def document_pdf(request, document_id: PetitionId):
    doc, _petition = access.document_get(request.user, document_id)
    return access.file_response(doc, "pdf", actor=request.user)


@router.get("/documents/{document_id}.docx", summary="下载文书（DOCX）", response={200: None})
def document_docx(request, document_id: PetitionId):
    doc, _petition = access.document_get(request.user, document_id)
    return access.file_response(doc, "docx", actor=request.user)


@router.get("/petitions/{petition_id}/dossier.pdf", summary="下载案卷（PDF）", response={200: None})
def dossier(request, petition_id: PetitionId):
    petition = access.dossier_petition(request.user, petition_id)
    return access.dossier_response(request.user, petition)
