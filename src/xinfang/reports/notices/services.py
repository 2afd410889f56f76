"""Issuing notices: number them, render DOCX and PDF, store them on the petition, note the timeline."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from xinfang.audit.services import audit_record
from xinfang.petitions.models import Petition
from xinfang.workflow.models import PetitionEvent, Reply

from ..models import DocumentKind, DocumentSequence, IssuedDocument
from .content import ABBREVIATION, BY_EVENT_NAME, build
from .render import render_docx, render_pdf

REPLY_KIND = {DocumentKind.REPLY: ("reply", "fast_track"), DocumentKind.REVIEW: ("review",),
              DocumentKind.REREVIEW: ("rereview",)}


def document_number(unit, kind: str, year: int) -> str:
    """发文字号 such as 东湖信受〔2026〕12号: unit short name, kind, year in 〔〕, sequence."""
    DocumentSequence.objects.get_or_create(unit=unit, kind=kind, year=year)
    row = DocumentSequence.objects.select_for_update().get(unit=unit, kind=kind, year=year)
    row.last += 1
    row.save(update_fields=["last"])
    short = unit.short_name or unit.name.replace("人民政府", "").replace("局", "")[:4]
    return f"{short}信{ABBREVIATION[kind]}〔{year}〕{row.last}号"


def notice_issue(*, petition: Petition, kind: str, event: PetitionEvent | None = None) -> IssuedDocument:
    """Render and store one notice; idempotent per (event, kind)."""
    if event is not None:
        existing = IssuedDocument.objects.filter(event_id=event.pk, kind=kind).first()
        if existing:
            return existing
    reply = None
    if kind in REPLY_KIND:
        reply = petition.replies.filter(kind__in=REPLY_KIND[kind], approved_at__isnull=False).select_related(
            "unit").last()
    notice = build(kind, petition, event, reply)
    unit = (reply.unit if reply else None) or (event.unit if event and event.unit_id else None) \
        or petition.handling_unit or petition.receiving_unit
    with transaction.atomic():
        notice.number = document_number(unit, kind, (notice.date or timezone.localdate()).year)
        pdf, docx = render_pdf(notice), render_docx(notice)
        doc = IssuedDocument(petition=petition, kind=kind, number=notice.number, unit=unit,
                             event_id=event.pk if event else None, title=notice.title)
        stem = f"{petition.number}-{kind}-{doc.number[-8:]}".replace("〔", "-").replace("〕", "-")
        doc.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        doc.docx.save(f"{stem}.docx", ContentFile(docx), save=False)
        doc.save()
        audit_record(actor="system", action="document.issue", obj=doc,
                     data={"petition": petition.number, "kind": kind, "number": doc.number})
    return doc


def notices_for_event(event_id: int) -> list[IssuedDocument]:
    """Issue every notice a timeline event names (the job run after each move)."""
    event = PetitionEvent.objects.select_related("petition", "unit").filter(pk=event_id).first()
    if event is None:
        return []
    names = (event.data or {}).get("documents", [])
    petition = Petition.objects.select_related("receiving_unit", "handling_unit").get(pk=event.petition_id)
    return [notice_issue(petition=petition, kind=BY_EVENT_NAME[name], event=event)
            for name in names if name in BY_EVENT_NAME]


__all__ = ["notice_issue", "notices_for_event", "document_number", "Reply"]
