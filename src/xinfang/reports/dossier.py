"""案卷 (case dossier) for 立卷归档: one PDF per finished petition.

Order, as an archive keeps a file: 卷宗封面 (cover: number, title, petitioner masked, dates, 保管期限),
卷内目录 (table of contents with page numbers), 信访事项登记表 (the record), 流转记录 (the full timeline),
every issued notice exactly as issued (its stored PDF, merged with pypdf), 附件目录 with the image
attachments drawn and the PDF attachments merged, and 卷内备考表. Pages are numbered from the record on,
in the top right corner, the way archives number 卷内文件 (cover and contents are not numbered).

The WeasyPrint parts fetch nothing: the attachments' images are embedded as data URIs.
"""

from __future__ import annotations

import base64
import io
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from xinfang.petitions.choices import Status
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import PetitionTexts, accuser_hidden, petitioner_names
from xinfang.workflow.selectors import petition_events, staff_name

from .models import IssuedDocument
from .notices.content import carries_identity, cn_date, cn_datetime
from .notices.render import PDF_FONTS
from .notices.services import file_present

log = logging.getLogger(__name__)

DOSSIER_STATES = (Status.CLOSED, Status.FINAL, Status.REJECTED, Status.ARCHIVED, Status.DIVERTED)
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png")


def dossier_available(petition: Petition) -> bool:
    return petition.status in DOSSIER_STATES


def retention_period(petition: Petition) -> str:
    """保管期限: 30年 for matters that went through 复查/复核, collective visits and accusations; else 10年.
    (A locality's 信访档案 rules may set others; this is the default.)"""
    collective = petition.headcount >= settings.XINFANG["COLLECTIVE_MIN"]
    appealed = petition.replies.filter(kind__in=("review", "rereview")).exists()
    if petition.status == Status.FINAL or appealed or collective or petition.nature == "accusation":
        return "30年"
    return "10年"


@dataclass
class Entry:
    """One line of the 卷内目录."""

    title: str
    number: str = ""
    date: str = ""
    unit: str = ""
    page: int = 0
    anchor: str = ""  # inside the WeasyPrint parts
    pages: int = 0  # merged PDFs: how many pages
    pdf: bytes = b""  # merged PDFs: the file
    level: int = 0  # 0 = a part of the file, 1 = one attachment
    seq: int = 0  # 序号 of a part


@dataclass
class Dossier:
    petition: Petition
    entries: list[Entry] = field(default_factory=list)
    total_pages: int = 0
    documents: int = 0


def _read(field_file) -> bytes:
    with field_file.open("rb") as f:
        return f.read()


def _pdf_pages(data: bytes) -> int:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise ValueError("encrypted")
    return len(reader.pages)


def _petitioners(petition: Petition, hidden: bool) -> list[dict]:
    if hidden:
        return []
    rows = []
    for link in petition.petitioner_links.select_related("petitioner").order_by("position", "id"):
        person = link.petitioner
        rows.append({"name": person.masked_name, "id_number": person.masked_id_number or "—",
                     "phone": person.masked_phone or "—", "representative": link.is_representative})
    return rows


def _render(template: str, context: dict):
    from weasyprint import HTML

    html = render_to_string(template, {**context, "fonts": PDF_FONTS})
    return HTML(string=html).render()


def _anchor_pages(document) -> dict[str, int]:
    """anchor -> 0-based page index in a rendered WeasyPrint document."""
    found: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            found.setdefault(name, index)
    return found


def dossier_build(petition: Petition, *, actor=None, hidden: bool = False) -> bytes:
    """The dossier of a finished petition as PDF bytes.

    `hidden` (or an `actor` outside an accusation's handling chain) leaves the accuser out (S22 Art
    30): no petitioners, the identifiers typed into the title, content, timeline and replies masked
    (`PetitionTexts`), and the notices that name the petitioner listed but not merged."""
    from pypdf import PdfReader, PdfWriter

    hidden = hidden or (actor is not None and accuser_hidden(actor, petition))
    texts = PetitionTexts(petition, masked=hidden, names=petitioner_names(petition) if hidden else ())
    now = timezone.localtime()
    events = texts.events(petition_events(petition))
    replies = [texts.reply(r) for r in
               petition.replies.select_related("unit").filter(approved_at__isnull=False).order_by("approved_at")]

    # issued notices, as issued
    notices: list[Entry] = []
    for doc in IssuedDocument.objects.filter(petition=petition).select_related("unit").order_by("created_at", "id"):
        if not file_present(doc.pdf) or (hidden and carries_identity(doc.kind)):
            notices.append(Entry(doc.title, doc.number, cn_date(doc.created_at), doc.unit.name))
            continue
        data = _read(doc.pdf)
        try:
            pages = _pdf_pages(data)
        except Exception:  # noqa: BLE001 - a broken file is listed, not merged
            log.warning("dossier: cannot read %s", doc.pdf.name, exc_info=True)
            notices.append(Entry(doc.title, doc.number, cn_date(doc.created_at), doc.unit.name))
            continue
        notices.append(Entry(doc.title, doc.number, cn_date(doc.created_at), doc.unit.name, pages=pages, pdf=data))

    # attachments: images drawn in the 附件 part, PDFs merged after it, the rest listed
    attachments = []
    merged_attachments: list[Entry] = []
    for i, att in enumerate(petition.attachments.order_by("uploaded_at", "id"), start=1):
        ext = att.file.name.rsplit(".", 1)[-1].lower() if "." in att.file.name else ""
        row = {"i": i, "kind": att.get_kind_display(), "name": att.original_name, "size": att.size,
               "at": cn_date(att.uploaded_at), "anchor": f"att-{att.pk}", "image": "", "how": "仅列目录"}
        present = file_present(att.file)
        if present and ext in IMAGE_EXTENSIONS:
            mime = "image/png" if ext == "png" else "image/jpeg"
            url = f"data:{mime};base64,{base64.b64encode(_read(att.file)).decode()}"
            row.update(image=url, how="见本卷")
        elif present and ext == "pdf":
            data = _read(att.file)
            try:
                pages = _pdf_pages(data)
                merged_attachments.append(Entry(att.original_name, "", cn_date(att.uploaded_at), "", pages=pages,
                                                pdf=data, level=1))
                row["how"] = "见本卷"
            except Exception:  # noqa: BLE001
                log.warning("dossier: cannot merge attachment %s", att.pk, exc_info=True)
        elif not present:
            row["how"] = "文件缺失"
        attachments.append(row)

    context = {"p": texts.petition_view(), "events": events, "replies": replies, "hidden": hidden,
               "petitioners": _petitioners(petition, hidden), "retention": retention_period(petition),
               "attachments": attachments, "now": now, "actor": actor, "received_date": cn_date(petition.received_at),
               "received": cn_datetime(petition.received_at), "closed": cn_date(petition.closed_at),
               "unit": petition.handling_unit or petition.receiving_unit,
               "actor_name": staff_name(actor)}

    tail = _render("reports/dossier_tail.html", {**context, "part": "attachments"})
    memo = _render("reports/dossier_tail.html", {**context, "part": "memo"})
    tail_anchors = _anchor_pages(tail)

    def plan(front_content_pages: int) -> list[Entry]:
        """The contents with page numbers, given how many numbered pages the front part has."""
        entries = [Entry("信访事项登记表", petition.number, cn_date(petition.received_at),
                         petition.receiving_unit.name, anchor="record"),
                   Entry("流转记录", "", f"{cn_date(petition.received_at)}至{cn_date(petition.closed_at)}",
                         "", anchor="timeline")]
        page = front_content_pages + 1
        for entry in notices:
            entry.page = page if entry.pdf else 0
            page += entry.pages
            entries.append(entry)
        tail_start = page
        entries.append(Entry("附件目录", "", "", "", page=tail_start + tail_anchors.get("attachments", 0)))
        for row in attachments:
            if row["image"]:
                entries.append(Entry(row["name"], "", row["at"], "", page=tail_start + tail_anchors[row["anchor"]],
                                     level=1))
        page = tail_start + len(tail.pages)
        for entry in merged_attachments:
            entry.page = page
            page += entry.pages
            entries.append(entry)
        entries.append(Entry("卷内备考表", page=page))
        seq = 0
        for entry in entries:
            if not entry.level:
                seq += 1
                entry.seq = seq
        return entries

    # Two passes: the front part's length fixes every later number; the second pass prints them.
    front_pages = 0
    for _attempt in range(3):
        entries = plan(front_pages)
        front = _render("reports/dossier_front.html", {**context, "entries": entries, "total": 0,
                                                       "count": _count(notices, attachments)})
        anchors = _anchor_pages(front)
        first_numbered = anchors["record"]
        content = len(front.pages) - first_numbered
        for entry in entries:
            if entry.anchor:
                entry.page = anchors[entry.anchor] - first_numbered + 1
        if content == front_pages:
            break
        front_pages = content
    total = front_pages + sum(e.pages for e in notices) + len(tail.pages) + sum(e.pages for e in merged_attachments) \
        + len(memo.pages)
    front = _render("reports/dossier_front.html", {**context, "entries": entries, "total": total,
                                                   "count": _count(notices, attachments)})
    anchors = _anchor_pages(front)
    first_numbered = anchors["record"]

    writer = PdfWriter()
    for part in [front.write_pdf()] + [e.pdf for e in notices if e.pdf] + [tail.write_pdf()] + \
            [e.pdf for e in merged_attachments] + [memo.write_pdf()]:
        reader = PdfReader(io.BytesIO(part))
        for page in reader.pages:
            writer.add_page(page)
    _stamp_page_numbers(writer, first_numbered)
    for entry in entries:
        if entry.page:
            writer.add_outline_item(title=f"{entry.number} {entry.title}".strip(),
                                    page_number=first_numbered + entry.page - 1)
    writer.add_metadata({"/Title": f"{petition.number} 信访事项案卷", "/Author": context["unit"].name,
                         "/Producer": "xinfang"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _count(notices, attachments) -> int:
    """件数: the record, the timeline, each notice and each attachment."""
    return 2 + len(notices) + len(attachments)


def _stamp_page_numbers(writer, first_numbered: int) -> None:
    """Archive page numbers (页号) in the top right corner of every page from the record on."""
    from pypdf import PdfReader, Transformation
    from weasyprint import HTML

    count = len(writer.pages) - first_numbered
    if count <= 0:
        return
    html = render_to_string("reports/dossier_stamp.html", {"numbers": range(1, count + 1), "fonts": PDF_FONTS})
    stamps = PdfReader(io.BytesIO(HTML(string=html).write_pdf()))
    a4_w, a4_h = 595.28, 841.89
    for i in range(count):
        page = writer.pages[first_numbered + i]
        box = page.mediabox
        dx, dy = float(box.right) - a4_w, float(box.top) - a4_h
        page.merge_transformed_page(stamps.pages[i], Transformation().translate(dx, dy))


__all__ = ["dossier_available", "dossier_build", "retention_period", "DOSSIER_STATES"]
