"""Issuing notices: number them, render DOCX and PDF, store them on the petition.

A number is taken in a short transaction together with the document row (so it is never reused, even
when rendering fails later); rendering runs outside any transaction, so a slow render never holds the
database. A row whose files are missing is completed by running the job again (`notices_for_event`) or
by `notice_regenerate`, with the same number.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.audit.services import audit_record
from xinfang.petitions.models import Petition
from xinfang.workflow.models import PetitionEvent, Reply

from ..models import DocumentKind, DocumentSequence, IssuedDocument
from .content import ABBREVIATION, BY_EVENT_NAME, build
from .render import render_docx, render_pdf

log = logging.getLogger(__name__)

# The opinion a notice is about: the one the event names (`reply_id`), else the latest approved one.
# The 办结报告 goes with the 处理意见书 (the reply move names it), or with an ending that has none.
REPLY_KIND = {DocumentKind.REPLY: ("reply", "fast_track"), DocumentKind.REVIEW: ("review",),
              DocumentKind.REREVIEW: ("rereview",), DocumentKind.COMPLETION: ("reply", "fast_track")}

# 机关代字: the unit's function after the region's first character (东湖区信访局 -> 东信).
FUNCTION_WORDS = (
    ("信访", "信"), ("纪委", "纪"), ("纪律检查", "纪"), ("监察", "纪"), ("政法委", "政法"), ("人民政府", "政"),
    ("住房和城乡建设", "建"), ("人力资源和社会保障", "人社"), ("教育", "教"), ("自然资源", "自然资"),
    ("生态环境", "环"), ("市场监督管理", "市监"), ("农业农村", "农"), ("民政", "民"), ("公安", "公"),
    ("财政", "财"), ("卫生健康", "卫健"), ("交通运输", "交"), ("水利", "水"), ("司法", "司"),
    ("街道办事处", "街"), ("居民委员会", "居"), ("村民委员会", "村"),
)


def agency_code(unit) -> str:
    """The 机关代字 of a unit's 发文字号: its 简称 when set (up to 6 characters), else derived from the name
    and region: 东湖区信访局 -> 东信, 东湖区住房和城乡建设局 -> 东建, 示范市人民政府 -> 示政."""
    short = (unit.short_name or "").strip()
    if short and len(short) <= 6:
        return short
    name = unit.name
    region = unit.region.name if unit.region_id else ""
    place = (region or name)[:1]
    rest = name[len(region):] if region and name.startswith(region) else name
    for word, code in FUNCTION_WORDS:
        if word in rest:
            return place + code
    return place + (rest[:1] or name[1:2])


def document_number(unit, kind: str, year: int) -> str:
    """发文字号 such as 东信受〔2026〕12号: 机关代字 (+ 信 for the petition series), kind, year in 〔〕, sequence.

    The sequence is per unit, kind and year; the row is locked, so two issues never share a number and a
    number once taken is never handed out again. Call inside a transaction."""
    DocumentSequence.objects.get_or_create(unit=unit, kind=kind, year=year)
    row = DocumentSequence.objects.select_for_update().get(unit=unit, kind=kind, year=year)
    row.last += 1
    row.save(update_fields=["last"])
    code = agency_code(unit)
    series = "" if code.endswith("信") else "信"
    return f"{code}{series}{ABBREVIATION[kind]}〔{year}〕{row.last}号"


def _reply_for(petition: Petition, kind: str, event: PetitionEvent | None) -> Reply | None:
    if kind not in REPLY_KIND:
        return None
    qs = petition.replies.filter(kind__in=REPLY_KIND[kind], approved_at__isnull=False).select_related("unit")
    reply_id = (event.data or {}).get("reply_id") if event else None
    if reply_id:
        found = qs.filter(pk=reply_id).first()
        if found:
            return found
    return qs.order_by("approved_at", "id").last()


def issuing_unit(kind: str, petition: Petition, event: PetitionEvent | None, reply: Reply | None):
    if kind == DocumentKind.RECEIPT:
        return petition.receiving_unit
    if reply is not None:
        return reply.unit
    if kind in (DocumentKind.COMPLETION, DocumentKind.MEDIATION):
        return petition.handling_unit or petition.receiving_unit
    return (event.unit if event and event.unit_id else None) or petition.handling_unit or petition.receiving_unit


def _compose(petition: Petition, kind: str, event: PetitionEvent | None):
    reply = _reply_for(petition, kind, event)
    notice = build(kind, petition, event, reply)
    unit = issuing_unit(kind, petition, event, reply)
    notice.issuer = unit.name
    return notice, unit


def _store_files(doc: IssuedDocument, notice) -> IssuedDocument:
    notice.number = doc.number
    pdf, docx = render_pdf(notice), render_docx(notice)
    for field in (doc.pdf, doc.docx):
        if field:
            field.delete(save=False)
    stem = f"{doc.petition.number}-{doc.kind}-{doc.pk}"
    doc.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    doc.docx.save(f"{stem}.docx", ContentFile(docx), save=False)
    doc.title = notice.title
    doc.save(update_fields=["pdf", "docx", "title"])
    return doc


def notice_issue(*, petition: Petition, kind: str, event: PetitionEvent | None = None) -> IssuedDocument:
    """Number, render and store one notice; idempotent per (event, kind), completing missing files."""
    doc = IssuedDocument.objects.filter(event_id=event.pk, kind=kind).first() if event is not None else None
    if doc is not None and doc.pdf and doc.docx:
        return doc
    notice, unit = _compose(petition, kind, event)
    if doc is None:
        try:
            with transaction.atomic():
                year = (notice.date or timezone.localdate()).year
                number = petition.number if kind == DocumentKind.RECEIPT else document_number(unit, kind, year)
                doc = IssuedDocument.objects.create(
                    petition=petition, kind=kind, number=number, unit=unit, title=notice.title,
                    event_id=event.pk if event else None)
                audit_record(actor="system", action="document.issue", obj=doc,
                             data={"petition": petition.number, "kind": kind, "number": number})
        except IntegrityError:  # another worker issued it meanwhile
            doc = IssuedDocument.objects.get(event_id=event.pk, kind=kind)
            if doc.pdf and doc.docx:
                return doc
    doc.petition = petition
    return _store_files(doc, notice)


def notice_regenerate(doc: IssuedDocument, *, actor=None) -> IssuedDocument:
    """Render a document again under its own number (its files went missing or rendering failed)."""
    petition = Petition.objects.select_related("receiving_unit", "handling_unit", "clerk").get(pk=doc.petition_id)
    event = PetitionEvent.objects.select_related("unit").filter(pk=doc.event_id).first() if doc.event_id else None
    notice, _unit = _compose(petition, doc.kind, event)
    doc.petition = petition
    _store_files(doc, notice)
    audit_record(actor=actor or "system", action="document.regenerate", obj=doc,
                 data={"petition": petition.number, "kind": doc.kind, "number": doc.number})
    return doc


def notices_for_event(event_id: int) -> list[IssuedDocument]:
    """Issue every notice a timeline event names (the job run after each move)."""
    event = PetitionEvent.objects.select_related("petition", "unit").filter(pk=event_id).first()
    if event is None:
        return []
    names = (event.data or {}).get("documents", [])
    petition = Petition.objects.select_related("receiving_unit", "handling_unit", "clerk").get(pk=event.petition_id)
    return [notice_issue(petition=petition, kind=BY_EVENT_NAME[name], event=event)
            for name in names if name in BY_EVENT_NAME]


def file_present(field) -> bool:
    """Whether a stored file of a document exists in storage."""
    if not field:
        return False
    try:
        return field.storage.exists(field.name)
    except Exception:  # noqa: BLE001 - a storage error counts as missing
        log.warning("cannot check %s", field.name, exc_info=True)
        return False


__all__ = ["notice_issue", "notice_regenerate", "notices_for_event", "document_number", "agency_code",
           "file_present"]
