"""Issuing notices: number them, freeze their content, render DOCX and PDF, store them on the petition.

Issuing is the lawful act: in one short transaction the notice takes its number, its document row, its
frozen content (the `Notice` it says, as canonical JSON in storage, `source_name`) and an audit entry
carrying the SHA-256 of that content; the number is never reused. Rendering the PDF and DOCX is
presentation: callers render at once, but the worker (`rendering_deferred`, issue 13) leaves it to the
first need (a download, the dossier, the portal), which renders from the frozen content, never from the
petition as it is later, and keeps the files (`notice_files`), so a notice reads the same whenever it is
opened. A row whose files are missing is completed by running the job again (`notices_for_event`) or by
`notice_regenerate`, with the same number and (when frozen) the same content.

The worker issues a run of notice jobs set-based (`notices_for_events`, issue 13): what the notices
read is read for the whole run before any lock is taken, then per transaction of up to `WRITE_CHUNK`
notices each number sequence is advanced once, the rows and their audit entries are inserted together
and every frozen content is written: the same notices, numbers, contents and audit entries as one event
at a time, in the same order.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import hashlib
import json
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from xinfang.audit.services import audit_record, audit_record_many
from xinfang.common.jobs import running_in_worker
from xinfang.common.sequences import sequence_advance
from xinfang.petitions.models import Petition
from xinfang.petitions.services import write_turn
from xinfang.workflow.models import PetitionEvent, Reply

from ..models import DocumentKind, DocumentSequence, IssuedDocument
from .content import ABBREVIATION, BY_EVENT_NAME, Block, Notice, build
from .render import render_docx, render_pdf

log = logging.getLogger(__name__)

SOURCE_DIR = "documents/notices"  # the frozen content of every issued notice, one JSON file per document
_deferred = contextvars.ContextVar("xinfang_notice_rendering_deferred", default=False)


@contextlib.contextmanager
def rendering_deferred():
    """Within this block notices are issued (number, frozen content, audit) without rendering their
    files; the first need renders them (`notice_files`). Jobs run by the worker are issued this way
    (`common.jobs.in_worker`)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


# ---- frozen content ----------------------------------------------------------------------------

def notice_source(notice: Notice) -> bytes:
    """The canonical JSON of a notice's content (sorted keys, no spaces): what its SHA-256 covers."""
    data = dataclasses.asdict(notice)
    date = notice.date
    data["date"] = None if date is None else {"datetime" if isinstance(date, dt.datetime) else "date":
                                              date.isoformat()}
    data["v"] = 1
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def notice_from_source(raw: bytes) -> Notice:
    data = json.loads(raw.decode("utf-8"))
    data.pop("v", None)
    date = data.pop("date", None)
    if date:
        date = (dt.datetime.fromisoformat(date["datetime"]) if "datetime" in date
                else dt.date.fromisoformat(date["date"]))
    blocks = [Block(**b) for b in data.pop("blocks", [])]
    facts = [[tuple(cell) for cell in row] for row in data.pop("facts", [])]
    return Notice(**data, date=date, blocks=blocks, facts=facts)


def source_name(doc: IssuedDocument) -> str:
    return f"{SOURCE_DIR}/{doc.pk // 10000:04d}/{doc.pk}.json"


def _source_storage():
    return IssuedDocument._meta.get_field("pdf").storage


def _source_write(doc: IssuedDocument, raw: bytes) -> None:
    storage, name = _source_storage(), source_name(doc)
    if storage.exists(name):  # left by a row deleted earlier; ids are never reused, but be exact
        storage.delete(name)
    saved = storage.save(name, ContentFile(raw))
    if saved != name:  # pragma: no cover - a storage that renames files would lose the content
        raise RuntimeError(f"notice source stored as {saved}, not {name}")


def source_read(doc: IssuedDocument) -> bytes | None:
    """The frozen content of an issued notice, or None (issued before contents were frozen, or lost)."""
    storage, name = _source_storage(), source_name(doc)
    try:
        with storage.open(name, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a storage error counts as missing
        log.warning("cannot read %s", name, exc_info=True)
        return None


def source_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def source_verify(doc: IssuedDocument) -> bool:
    """Whether the frozen content still has the SHA-256 its `document.issue` audit entry recorded (the
    audit log is hash-chained: `xinfang audit verify` proves the entries themselves unchanged)."""
    from xinfang.audit.models import AuditEntry

    raw = source_read(doc)
    entry = AuditEntry.objects.filter(action="document.issue", object_type=doc._meta.label_lower,
                                      object_id=str(doc.pk)).order_by("seq").first()
    return raw is not None and entry is not None and entry.data.get("sha256") == source_digest(raw)

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
    return document_numbers(unit, kind, year, 1)[0]


def document_numbers(unit, kind: str, year: int, count: int) -> list[str]:
    """The next `count` numbers of a unit's sequence (`document_number`): consecutive, none skipped, taken
    with one statement in the usual case (`common.sequences.sequence_advance`). Call inside a transaction."""
    last = sequence_advance(DocumentSequence, count, unit=unit, kind=kind, year=year)
    first = last - count + 1
    code = agency_code(unit)
    series = "" if code.endswith("信") else "信"
    return [f"{code}{series}{ABBREVIATION[kind]}〔{year}〕{n}号" for n in range(first, last + 1)]


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


def notice_files(doc: IssuedDocument) -> bool:
    """Make sure the PDF and DOCX of an issued notice are stored: on first need they are rendered from its
    frozen content (never from the petition as it is now) and kept. False when neither files nor frozen
    content exist. Two processes rendering the same notice at once keep one pair of files."""
    if doc.pdf and doc.docx:
        return True
    raw = source_read(doc)
    if raw is None:
        return False
    notice = notice_from_source(raw)
    pdf, docx = render_pdf(notice), render_docx(notice)
    storage = doc.pdf.storage
    number = Petition.objects.filter(pk=doc.petition_id).values_list("number", flat=True).first() or "x"
    stem = f"documents/{timezone.localdate():%Y}/{number}-{doc.kind}-{doc.pk}"  # as upload_to names them
    pdf_name = storage.save(f"{stem}.pdf", ContentFile(pdf))
    docx_name = storage.save(f"{stem}.docx", ContentFile(docx))
    with transaction.atomic():
        won = IssuedDocument.objects.filter(pk=doc.pk).filter(pdf="", docx="").update(pdf=pdf_name, docx=docx_name)
    if not won:  # another process rendered it meanwhile (or the row is gone): keep theirs
        storage.delete(pdf_name)
        storage.delete(docx_name)
        row = IssuedDocument.objects.filter(pk=doc.pk).values("pdf", "docx").first()
        if row is None or not (row["pdf"] and row["docx"]):
            return False
        pdf_name, docx_name = row["pdf"], row["docx"]
    doc.pdf.name, doc.docx.name = pdf_name, docx_name
    return True


def notice_issue(*, petition: Petition, kind: str, event: PetitionEvent | None = None) -> IssuedDocument:
    """Number one notice, freeze its content and audit the issue; render and store its files unless
    `rendering_deferred` (then the first need renders them). Idempotent per (event, kind), completing
    missing files."""
    deferred = _deferred.get() or running_in_worker()
    doc = IssuedDocument.objects.filter(event_id=event.pk, kind=kind).first() if event is not None else None
    if doc is not None and ((doc.pdf and doc.docx) or (deferred and source_read(doc) is not None)):
        return doc
    notice, unit = _compose(petition, kind, event)
    if doc is None:
        try:
            with transaction.atomic():
                _hold_petitions([petition.pk])
                year = (notice.date or timezone.localdate()).year
                number = petition.number if kind == DocumentKind.RECEIPT else document_number(unit, kind, year)
                doc = IssuedDocument.objects.create(
                    petition=petition, kind=kind, number=number, unit=unit, title=notice.title,
                    event_id=event.pk if event else None)
                notice.number = number
                raw = notice_source(notice)
                audit_record(actor="system", action="document.issue", obj=doc,
                             data={"petition": petition.number, "kind": kind, "number": number,
                                   "sha256": source_digest(raw)})
                _source_write(doc, raw)  # inside the transaction: a committed notice has its content
        except IntegrityError:  # another worker issued it meanwhile
            doc = IssuedDocument.objects.get(event_id=event.pk, kind=kind)
            if (doc.pdf and doc.docx) or deferred:
                return doc
        if deferred:
            return doc
    else:
        frozen = source_read(doc)
        if frozen is not None:  # render what was issued, not what the petition says now
            notice = notice_from_source(frozen)
    doc.petition = petition
    return _store_files(doc, notice)


def notice_regenerate(doc: IssuedDocument, *, actor=None) -> IssuedDocument:
    """Render a document again under its own number (its files went missing or rendering failed): from its
    frozen content when it has one, else composed from the petition as it is."""
    petition = Petition.objects.select_related("receiving_unit", "handling_unit", "clerk").get(pk=doc.petition_id)
    frozen = source_read(doc)
    if frozen is not None:
        notice = notice_from_source(frozen)
    else:
        event = PetitionEvent.objects.select_related("unit").filter(pk=doc.event_id).first() if doc.event_id else None
        notice, _unit = _compose(petition, doc.kind, event)
    doc.petition = petition
    _store_files(doc, notice)
    audit_record(actor=actor or "system", action="document.regenerate", obj=doc,
                 data={"petition": petition.number, "kind": doc.kind, "number": doc.number})
    return doc


def notices_for_event(event_id: int) -> list[IssuedDocument]:
    """Issue every notice a timeline event names (the job run after each move). Issued without rendering
    (`rendering_deferred`, the worker) this is `notices_for_events` of one event."""
    if _deferred.get() or running_in_worker():
        return notices_for_events([event_id])[0]
    return _notices_one(event_id)


def _notices_one(event_id: int) -> list[IssuedDocument]:
    event = PetitionEvent.objects.select_related("unit__region").filter(pk=event_id).first()
    if event is None:
        return []
    names = (event.data or {}).get("documents", [])
    if not any(name in BY_EVENT_NAME for name in names):
        return []
    # the units' regions too: the 机关代字 of a number is derived from them
    petition = Petition.objects.select_related("receiving_unit__region", "handling_unit__region", "clerk").get(
        pk=event.petition_id)
    return [notice_issue(petition=petition, kind=BY_EVENT_NAME[name], event=event)
            for name in names if name in BY_EVENT_NAME]


# ---- set-based issuing (the worker) ------------------------------------------------------------

# Kinds whose content quotes the number of an earlier notice of the same petition (content._issued_number,
# _reply_number): composed only once the earlier notices of the batch are written.
READS_ISSUED = frozenset({DocumentKind.REVIEW, DocumentKind.REREVIEW, DocumentKind.COMPLETION})
# Notices written per transaction: a batch's write lock (SQLite has one) is held for tens of milliseconds
# at most, so a registration never waits long behind the worker.
WRITE_CHUNK = 16


@dataclasses.dataclass
class _Issue:
    event: PetitionEvent
    kind: str
    petition: Petition
    notice: Notice | None = None
    unit: object = None
    doc: IssuedDocument | None = None


def _preload(petitions) -> None:
    """What `content.build` reads of every petition of a batch, in two queries: the petitioner links and
    the stored deadlines (content reads them from these lists as it would from the database)."""
    from xinfang.petitions.models import PetitionPetitioner
    from xinfang.workflow.models import Deadline

    ids = [p.pk for p in petitions]
    links, deadlines = {pk: [] for pk in ids}, {pk: [] for pk in ids}
    for link in PetitionPetitioner.objects.filter(petition_id__in=ids).select_related("petitioner").order_by(
            "petition_id", "position", "id"):
        links[link.petition_id].append(link)
    for row in Deadline.objects.filter(petition_id__in=ids).order_by("id"):
        deadlines[row.petition_id].append(row)
    for p in petitions:
        p._notice_preloaded_links, p._notice_deadlines = links[p.pk], deadlines[p.pk]


def _hold_petitions(ids) -> None:
    """PostgreSQL: take now the key-share locks that the notices' foreign keys to their petitions take at
    COMMIT (Django's constraints are deferred), before the number sequences and the audit head. A move
    locks its petition and then the audit head; a notice of that petition issued meanwhile must wait for
    the move here, not hold the audit head while it waits for it at COMMIT (a deadlock)."""
    if connection.vendor != "postgresql" or not ids:
        return
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(f"SELECT 1 FROM {q(Petition._meta.db_table)} WHERE {q(Petition._meta.pk.column)} = ANY(%s) "
                    "FOR KEY SHARE", [sorted(ids)])


def _issue_many(items: list[_Issue]) -> None:
    """Number, insert, audit and freeze composed notices, in order: one lock and write per number
    sequence, one INSERT of the documents, one of the audit entries. Inside the caller's transaction."""
    if not items:
        return
    today = timezone.localdate()
    series: dict[tuple, list[_Issue]] = {}
    for item in items:
        if item.kind == DocumentKind.RECEIPT:
            item.notice.number = item.petition.number
        else:
            year = (item.notice.date or today).year
            series.setdefault((item.unit.pk, item.kind, year), []).append(item)
    for (_unit, kind, year), group in series.items():
        for item, number in zip(group, document_numbers(group[0].unit, kind, year, len(group)), strict=True):
            item.notice.number = number
    docs = IssuedDocument.objects.bulk_create([
        IssuedDocument(petition=item.petition, kind=item.kind, number=item.notice.number, unit=item.unit,
                       title=item.notice.title, event_id=item.event.pk) for item in items])
    raws = []
    for item, doc in zip(items, docs, strict=True):
        if doc.pk is None:  # pragma: no cover - a database that cannot return the ids of a bulk insert
            raise RuntimeError("bulk insert returned no ids")
        item.doc = doc
        raws.append(notice_source(item.notice))
    audit_record_many([
        {"actor": "system", "action": "document.issue", "obj": item.doc,
         "data": {"petition": item.petition.number, "kind": item.kind, "number": item.notice.number,
                  "sha256": source_digest(raw)}} for item, raw in zip(items, raws, strict=True)])
    for item, raw in zip(items, raws, strict=True):
        _source_write(item.doc, raw)  # inside the transaction: a committed notice has its content


def notices_for_events(event_ids: list[int]) -> list[list[IssuedDocument]]:
    """`notices_for_event` for each of `event_ids` in turn, issued without rendering (the worker's batch
    of notice jobs, issue 13), set-based: the events, their petitions, petitioners and deadlines read in
    a few queries before the write transaction, then in one transaction the numbers taken per sequence in
    the order of `event_ids` (gap-free), the rows and their audit entries inserted together and every
    frozen content written. The same notices, numbers and audit entries as one call per event; a notice
    issued meanwhile by another worker makes the batch fall back to one call per event."""
    events = PetitionEvent.objects.select_related("unit__region").in_bulk(list(event_ids))
    named = {}
    for eid in event_ids:
        event = events.get(eid)
        names = (event.data or {}).get("documents", []) if event is not None else []
        named[eid] = [BY_EVENT_NAME[name] for name in names if name in BY_EVENT_NAME]
    wanted = [eid for eid in event_ids if named[eid]]
    if not wanted:
        return [[] for _ in event_ids]
    # the units' regions too: the 机关代字 of a number is derived from them
    petitions = Petition.objects.select_related("receiving_unit__region", "handling_unit__region", "clerk").in_bulk(
        {events[eid].petition_id for eid in wanted})
    existing = {(doc.event_id, doc.kind): doc for doc in IssuedDocument.objects.filter(event_id__in=wanted)}
    found: dict[tuple, IssuedDocument] = {}
    plan: dict[tuple, _Issue] = {}
    repair: list[tuple] = []  # issued before, but neither files nor frozen content: completed one by one
    for eid in wanted:
        for kind in named[eid]:
            key = (eid, kind)
            if key in found or key in plan or key in repair:
                continue
            doc = existing.get(key)
            if doc is None:
                plan[key] = _Issue(events[eid], kind, petitions[events[eid].petition_id])
            elif (doc.pdf and doc.docx) or _exists(_source_storage(), source_name(doc)):
                found[key] = doc
            else:
                repair.append(key)
    items = list(plan.values())
    if items:
        _preload({item.petition.pk: item.petition for item in items}.values())
        touched = set()
        for item in items:  # composed before the write transaction, unless it quotes a notice of this batch
            if not (item.kind in READS_ISSUED and item.petition.pk in touched):
                item.notice, item.unit = _compose(item.petition, item.kind, item.event)
            touched.add(item.petition.pk)
        try:
            for start in range(0, len(items), WRITE_CHUNK):
                # on SQLite the write lock is taken in turn with registrations (petitions.services.write_turn)
                with write_turn(), transaction.atomic():
                    _hold_petitions({item.petition.pk for item in items[start:start + WRITE_CHUNK]})
                    pending: list[_Issue] = []
                    for item in items[start:start + WRITE_CHUNK]:
                        if item.notice is None:
                            _issue_many(pending)
                            pending = []
                            item.notice, item.unit = _compose(item.petition, item.kind, item.event)
                        pending.append(item)
                    _issue_many(pending)
        except IntegrityError:  # another worker issued one of them meanwhile: one event at a time
            return [_notices_one(eid) for eid in event_ids]
        found.update((key, item.doc) for key, item in plan.items())
    for eid, kind in repair:
        event = events[eid]
        found[(eid, kind)] = notice_issue(petition=petitions[event.petition_id], kind=kind, event=event)
    return [[found[(eid, kind)] for kind in named[eid]] for eid in event_ids]


def _exists(storage, name: str) -> bool:
    try:
        return storage.exists(name)
    except Exception:  # noqa: BLE001 - a storage error counts as missing
        log.warning("cannot check %s", name, exc_info=True)
        return False


def file_present(field) -> bool:
    """Whether a stored file of a document exists in storage, rendering an issued notice's files from its
    frozen content on this first need (a download, the dossier, the portal). A file rendered once and
    then lost stays missing (`notice_regenerate` renders it again)."""
    if not field:
        doc = getattr(field, "instance", None)
        if not isinstance(doc, IssuedDocument) or not notice_files(doc):
            return False
    return _exists(field.storage, field.name)


def file_available(field) -> bool:
    """Cheap: the file is stored, or has not been rendered yet but can be (its notice's frozen content is
    stored). For lists of documents, which must not render anything."""
    if field:
        return _exists(field.storage, field.name)
    doc = getattr(field, "instance", None)
    return isinstance(doc, IssuedDocument) and _exists(_source_storage(), source_name(doc))


__all__ = ["notice_issue", "notice_regenerate", "notices_for_event", "notices_for_events", "document_number",
           "document_numbers", "agency_code",
           "file_present", "file_available", "notice_files", "rendering_deferred", "notice_source",
           "notice_from_source", "source_read", "source_verify"]
