"""Intake: creating petitions and petitioners (the `register` transition calls `petition_create`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass

try:
    import fcntl
except ImportError:  # Windows has none: SQLite's own busy waiting then
    fcntl = None

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common import crypto, limits
from xinfang.common.errors import ApplicationError
from xinfang.common.sequences import sequence_advance
from xinfang.common.text import clean, has_bad_characters, normalise
from xinfang.common.validators import validate_id_number, validate_phone
from xinfang.org.choices import LEVEL_RANK, Level
from xinfang.org.models import Region, Unit

from . import search
from .choices import AttachmentKind, Channel, DemandType, Nature, VisitKind
from .models import Attachment, Category, NumberSequence, Petition, Petitioner, PetitionPetitioner

QUERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass
class PetitionerInput:
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    representative: bool = False
    kind: str = "person"
    # False for identities typed by the public (the portal): never matched to a stored petitioner, whose
    # contact details a stranger knowing their ID number could otherwise overwrite; a new record is made
    # (repeat detection still finds the person's other petitions through the blind indexes)
    verified: bool = True


def visit_kind_for(headcount: int) -> str:
    conf = settings.XINFANG
    if headcount >= conf["COLLECTIVE_MIN"]:
        return VisitKind.COLLECTIVE
    if headcount >= conf["GROUP_MIN"]:
        return VisitKind.GROUP
    return VisitKind.INDIVIDUAL


def is_escalated(receiving_unit: Unit, problem_region: Region | None) -> bool:
    """越级: brought more than one level above the lowest competent level (S22: 本级或上一级).

    The lowest competent level for a matter is the level of its place, but not below the town.
    """
    if problem_region is None:
        return False
    competent = min(LEVEL_RANK[problem_region.level], LEVEL_RANK[Level.TOWN])
    return competent - LEVEL_RANK[receiving_unit.level] >= 2


def query_code_hash(number: str, code: str) -> str:
    return crypto.keyed_hash(f"{number}:{code.upper()}", "query-code")


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_ALPHABET) for _ in range(8))


def next_number(unit: Unit, year: int) -> tuple[str, int]:
    """Allocate the next tracking number of `unit` in `year`; numbers are never reused and, as the
    allocation is part of the caller's transaction (a rollback returns the number), never skipped.
    The counter is `common.sequences.sequence_advance`: one statement in the usual case."""
    last = sequence_advance(NumberSequence, unit=unit, year=year)
    return f"{unit.code}-{year}-{last:06d}", last


@contextlib.contextmanager
def write_turn():
    """On SQLite, one registration at a time across every process and thread, in arrival order; on
    PostgreSQL nothing (row locks do it).

    SQLite has one write lock, and a connection that finds it taken sleeps and retries (its busy handler
    sleeps up to 100 ms a time), so under concurrent registrations a writer could wait long after the
    lock was free: that made the p99. An exclusive flock on a file beside the database is handed to the
    next waiter by the kernel as soon as it is released; the registering transaction (and its on-commit
    work) runs inside it."""
    conn = transaction.get_connection()
    if conn.vendor != "sqlite" or conn.in_atomic_block or fcntl is None:
        yield
        return
    name = str(conn.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        yield
        return
    fd = os.open(f"{name}.write-turn", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _choice(value: str, choices, field: str, label: str) -> str:
    if value not in choices.values:
        raise ApplicationError(_("%(label)s取值无效：%(value)s") % {"label": label, "value": value}, "invalid", field)
    return value


@dataclass
class PreparedPetitioner:
    """A validated petitioner, its personal data already encrypted and blind-indexed (work done before the
    registering transaction); `petitioner_store` finds or creates the row."""

    data: PetitionerInput
    name: str
    kind: str
    id_number_index: str = ""
    phone_index: str = ""
    id_number_enc: str = ""
    phone_enc: str = ""
    address_enc: str = ""


def petitioner_prepare(data: PetitionerInput, index: int = 0) -> PreparedPetitioner:
    """Validate one petitioner's input and encrypt its personal data (no database access)."""
    prefix = f"petitioners[{index}]."
    name = normalise(data.name)
    if not name:
        raise ApplicationError(_("请填写信访人姓名。"), "invalid", prefix + "name")
    if len(name) > limits.MAX_NAME:
        raise ApplicationError(_("信访人姓名过长。"), "invalid", prefix + "name")
    id_number = validate_id_number(data.id_number, prefix + "id_number") if data.id_number else ""
    phone = validate_phone(data.phone, prefix + "phone") if data.phone else ""
    address = clean(data.address)
    if len(address) > limits.MAX_ADDRESS:
        raise ApplicationError(_("住址过长：不能超过%(n)d个字。") % {"n": limits.MAX_ADDRESS}, "invalid",
                               prefix + "address")
    out = PreparedPetitioner(data=data, name=name, kind=data.kind if data.kind in ("person", "organisation")
                             else "person")
    if id_number:
        out.id_number_enc, out.id_number_index = crypto.encrypt(id_number), crypto.blind_index(id_number, "id")
    if phone:
        out.phone_enc, out.phone_index = crypto.encrypt(phone), crypto.blind_index(phone, "phone")
    if address:
        out.address_enc = crypto.encrypt(address)
    return out


def petitioner_store(prepared: PreparedPetitioner) -> tuple[Petitioner, bool]:
    """Find the petitioner by ID number (or phone and name), or create one; returns it and whether it
    was stored before."""
    data, found = prepared.data, None
    if data.verified and prepared.id_number_index:
        found = Petitioner.objects.filter(id_number_index=prepared.id_number_index).first()
    elif data.verified and prepared.phone_index:
        found = Petitioner.objects.filter(phone_index=prepared.phone_index, name=prepared.name).first()
    existed = found is not None
    if found is None:
        found = Petitioner(kind=prepared.kind, name=prepared.name)
    if prepared.id_number_index:
        found.id_number_enc, found.id_number_index = prepared.id_number_enc, prepared.id_number_index
    if prepared.phone_index:
        found.phone_enc, found.phone_index = prepared.phone_enc, prepared.phone_index
    if prepared.address_enc:
        found.address_enc = prepared.address_enc
    found.save()
    return found, existed


def petitioner_upsert(data: PetitionerInput, index: int = 0) -> Petitioner:
    """Find the petitioner by ID number (or phone and name), or create one; personal data encrypted."""
    return petitioner_store(petitioner_prepare(data, index))[0]


def limit_problems(*, content: str = "", demands: str = "", petitioners: int = 0, accused_person: str = "",
                   external_id: str = "") -> dict[str, str]:
    """Every limit of `common.limits` the input goes over: field -> message (empty when within)."""
    out = {}
    if len(content or "") > limits.MAX_CONTENT:
        out["content"] = _("反映内容过长：不能超过%(n)d个字（当前%(len)d个字）。") % {
            "n": limits.MAX_CONTENT, "len": len(content)}
    if len(demands or "") > limits.MAX_DEMANDS:
        out["demands"] = _("诉求过长：不能超过%(n)d个字（当前%(len)d个字）。") % {
            "n": limits.MAX_DEMANDS, "len": len(demands)}
    if petitioners > limits.MAX_PETITIONERS:
        out["petitioners"] = _("信访人过多：一件最多登记%(n)d名信访人（当前%(len)d名），更多人数请填写在“人数”中。") % {
            "n": limits.MAX_PETITIONERS, "len": petitioners}
    if len(accused_person or "") > limits.MAX_ACCUSED_PERSON:
        out["accused_person"] = _("被反映人过长：不能超过%(n)d个字。") % {"n": limits.MAX_ACCUSED_PERSON}
    if len(external_id or "") > limits.MAX_EXTERNAL_ID:
        out["external_id"] = _("来源编号过长：不能超过%(n)d个字符。") % {"n": limits.MAX_EXTERNAL_ID}
    return out


def check_petition_limits(**kwargs) -> None:
    """ApplicationError naming the first limit of `common.limits` the input goes over."""
    problems = limit_problems(**kwargs)
    if problems:
        field, message = next(iter(problems.items()))
        raise ApplicationError(message, "invalid", field)


def petition_prepare(*, unit: Unit, channel: str, received_at: dt.datetime, title: str, content: str,
                    demands: str = "", category: str | None = None, nature: str = Nature.APPEAL,
                    problem_region: str | None = None, headcount: int | None = None,
                    accused_unit: str | None = None, accused_person: str = "",
                    petitioners: list[PetitionerInput] | None = None, is_litigation: bool = False,
                    is_urgent: bool = False, is_anonymous: bool = False, demand_type: str = "",
                    external_id: str = "", repeat_of: Petition | None = None) -> PreparedPetition:
    """Validate a new petition and look up what it refers to, before any write (so the registering
    transaction, which holds SQLite's write lock, does only the writes)."""
    petitioners = petitioners or []
    texts = {"title": title, "content": content, "demands": demands, "accused_person": accused_person,
             "external_id": external_id}
    for i, p in enumerate(petitioners):
        texts.update({f"petitioners[{i}].name": p.name, f"petitioners[{i}].address": p.address,
                      f"petitioners[{i}].id_number": p.id_number, f"petitioners[{i}].phone": p.phone})
    for name, value in texts.items():
        if value and has_bad_characters(str(value)):
            raise ApplicationError(_("含有无法保存的字符（如空字符），请删除后重试。"), "invalid", name)
    channel = _choice(channel, Channel, "channel", _("信访形式"))
    nature = _choice(nature or Nature.APPEAL, Nature, "nature", _("性质"))
    if demand_type:
        demand_type = _choice(demand_type, DemandType, "demand_type", _("诉求类型"))
    title, content, demands = clean(title), (content or "").strip(), (demands or "").strip()
    if not title:
        raise ApplicationError(_("请填写标题。"), "invalid", "title")
    if len(title) > limits.MAX_TITLE:
        raise ApplicationError(_("标题不能超过%(n)d个字。") % {"n": limits.MAX_TITLE}, "invalid", "title")
    if not content:
        raise ApplicationError(_("请填写反映内容。"), "invalid", "content")
    check_petition_limits(content=content, demands=demands, petitioners=len(petitioners),
                          accused_person=accused_person, external_id=external_id)
    if received_at is None:
        raise ApplicationError(_("请填写收到时间。"), "invalid", "received_at")
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > timezone.now() + dt.timedelta(minutes=5):
        raise ApplicationError(_("收到时间不能晚于当前时间。"), "invalid", "received_at")
    if received_at.year < 2000:
        raise ApplicationError(_("收到时间过早。"), "invalid", "received_at")
    cat = None
    if category:
        cat = Category.objects.filter(code=category, is_active=True).first()
        if cat is None:
            raise ApplicationError(_("内容分类不存在：%(code)s") % {"code": category}, "invalid", "category")
    region = None
    if problem_region:
        region = Region.objects.filter(code=problem_region).first()
        if region is None:
            raise ApplicationError(_("问题属地不存在：%(code)s") % {"code": problem_region}, "invalid",
                                   "problem_region")
    accused = None
    if accused_unit:
        accused = Unit.objects.filter(code=accused_unit).first()
        if accused is None:
            raise ApplicationError(_("被反映单位不存在：%(code)s") % {"code": accused_unit}, "invalid",
                                   "accused_unit")
    if not petitioners and not is_anonymous:
        raise ApplicationError(_("请至少填写一名信访人，或标记为匿名。"), "invalid", "petitioners")
    reps = sum(1 for p in petitioners if p.representative)
    count = headcount if headcount is not None else max(len(petitioners), 1)
    if count < 1 or count > 100000:
        raise ApplicationError(_("人数应为正整数。"), "invalid", "headcount")
    if count < len(petitioners):
        raise ApplicationError(_("人数不能少于登记的信访人数量。"), "invalid", "headcount")
    kind = visit_kind_for(count)
    max_reps = settings.XINFANG["MAX_REPRESENTATIVES"]
    if reps > max_reps:
        raise ApplicationError(_("多人信访应推选代表，代表人数不超过%(n)d人。") % {"n": max_reps}, "invalid",
                               "petitioners")
    prepared_people = [petitioner_prepare(p, i) for i, p in enumerate(petitioners)]
    year = timezone.localtime(received_at).year
    code = new_query_code()
    fields = dict(
        year=year, channel=channel, received_at=received_at, receiving_unit=unit, title=title, content=content,
        demands=demands, category=cat, nature=nature, demand_type=demand_type, problem_region=region,
        accused_unit=accused, accused_person=clean(accused_person)[:64], repeat_of=repeat_of,
        is_escalated=is_escalated(unit, region), headcount=count, visit_kind=kind, is_litigation=is_litigation,
        is_urgent=is_urgent, is_anonymous=is_anonymous, external_id=(external_id or "")[:64])
    return PreparedPetition(unit=unit, fields=fields, people=prepared_people, code=code)


@dataclass
class PreparedPetition:
    """What `petition_prepare` validated: the Petition's fields (no number yet), its petitioners, the query code."""

    unit: Unit
    fields: dict
    people: list[PreparedPetitioner]
    code: str


def petition_store(prepared: PreparedPetition, *, clerk, before_insert=None,
                   number_later: bool = False) -> tuple[Petition, str]:
    """Store a prepared petition: petitioners, the row, its petitioner links, its search document and its
    tracking number, in one transaction. `before_insert(petition, existing_petitioner_ids)` may set more
    fields on the unsaved row (the registration's deadlines and facts), so the row is written once.
    Inside a caller's transaction no savepoint is taken (an error aborts the caller's transaction anyway).

    The row is inserted under a provisional number, visible to no one (the transaction has not
    committed); the tracking number is drawn last (`number_assign`; with `number_later` the caller does
    it, as late as it can): on PostgreSQL the unit's number row stays locked from the draw to the commit,
    so every registration of that unit and year waits that long, and that time is kept short."""
    with transaction.atomic(savepoint=False):
        stored = [petitioner_store(p) for p in prepared.people]
        people = [p for p, _existed in stored]
        if len({p.pk for p in people}) != len(people):
            raise ApplicationError(_("同一信访人被重复登记。"), "invalid", "petitioners")
        petition = Petition(number=f"~{uuid.uuid4().hex}", seq=0, clerk=clerk, query_code_hash="",
                            **prepared.fields)
        if before_insert is not None:
            before_insert(petition, [p.pk for p, existed in stored if existed])
        petition.save(force_insert=True)
        PetitionPetitioner.objects.bulk_create([
            PetitionPetitioner(petition=petition, petitioner=p, is_representative=prep.data.representative,
                               position=i)
            for i, (p, prep) in enumerate(zip(people, prepared.people, strict=True))])
        search.index_petition(petition)
        if not number_later:
            number_assign(petition, prepared.code)
    return petition, prepared.code


def number_assign(petition: Petition, code: str) -> None:
    """Draw the tracking number of a petition stored by `petition_store` (in its transaction) and write
    it with the query code's hash."""
    number, seq = next_number(petition.receiving_unit, petition.year)
    code_hash = query_code_hash(number, code)
    Petition.objects.filter(pk=petition.pk).update(number=number, seq=seq, query_code_hash=code_hash)
    petition.number, petition.seq, petition.query_code_hash = number, seq, code_hash


def petition_create(*, clerk, unit: Unit, **kwargs) -> tuple[Petition, str]:
    """Validate and store a new petition; returns it with its query code (shown once, stored hashed)."""
    return petition_store(petition_prepare(unit=unit, **kwargs), clerk=clerk)


# The start of a file that a browser would render as a page or a script, whatever its name says.
_ACTIVE_STARTS = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body", b"<!--", b"<iframe",
                  b"<meta", b"<?php")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # doc, xls (OLE2 compound file)
_OOXML_MAIN = {"docx": "wordprocessingml.document.main+xml", "xlsx": "spreadsheetml.sheet.main+xml"}
_AUDIO_VIDEO = {"mp3": {"mp3"}, "wav": {"wav"}, "mp4": {"mp4", "m4v", "mov"}}


def _ooxml_ok(uploaded, ext: str) -> bool:
    """A DOCX/XLSX is a zip whose [Content_Types].xml names the main part of that kind."""
    import zipfile

    try:
        with zipfile.ZipFile(uploaded) as z:
            info = z.getinfo("[Content_Types].xml")
            if info.file_size > 1024 * 1024:
                return False
            types = z.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, NotImplementedError, EOFError, RuntimeError):
        return False
    finally:
        uploaded.seek(0)
    return _OOXML_MAIN[ext] in types


def _text_ok(uploaded) -> bool:
    """Plain text: UTF-8 (a BOM allowed), no NUL character."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in uploaded.chunks():
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        uploaded.seek(0)
    return True


def attachment_content_ok(uploaded, ext: str) -> bool:
    """Whether the file's content is what its extension says (magic bytes, not the name or the
    client's Content-Type). HTML, SVG and other markup are refused under any name."""
    import filetype

    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    lead = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if lead.startswith(_ACTIVE_STARTS) or b"<svg" in head[:1024].lower():
        return False
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext in ("doc", "xls"):
        return head.startswith(_OLE)
    if ext in _OOXML_MAIN:
        return head.startswith(b"PK\x03\x04") and _ooxml_ok(uploaded, ext)
    if ext == "txt":
        return _text_ok(uploaded)
    if ext in _AUDIO_VIDEO:
        kind = filetype.guess(head)
        return kind is not None and kind.extension in _AUDIO_VIDEO[ext]
    return False


def attachment_name(uploaded) -> str:
    """The uploaded file's own name (no directories); ApplicationError when unusable."""
    raw = (getattr(uploaded, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    if len(raw) > limits.MAX_FILE_NAME:
        raise ApplicationError(_("附件文件名过长：不能超过%(n)d个字符。") % {"n": limits.MAX_FILE_NAME}, "invalid", "file")
    if has_bad_characters(raw):
        raise ApplicationError(_("附件文件名包含无效字符。"), "invalid", "file")
    return raw


def attachment_check(uploaded, kind: str = AttachmentKind.OTHER) -> tuple[str, str]:
    """Check an upload before anything is stored: its name, kind, size and content.
    Returns (name, extension); ApplicationError (field "file" or "kind") on the first problem."""
    conf = settings.XINFANG
    name = attachment_name(uploaded)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in conf["ATTACHMENT_EXTENSIONS"]:
        raise ApplicationError(_("不支持的附件类型：%(ext)s。允许：%(allowed)s") % {
            "ext": ext[:20] or "?", "allowed": "、".join(conf["ATTACHMENT_EXTENSIONS"])}, "invalid", "file")
    if uploaded.size > conf["ATTACHMENT_MAX_BYTES"]:
        raise ApplicationError(_("附件过大：不能超过%(mb)d MB。") % {"mb": conf["ATTACHMENT_MAX_BYTES"] // 1048576},
                               "invalid", "file")
    if uploaded.size == 0:
        raise ApplicationError(_("附件为空文件。"), "invalid", "file")
    if kind not in AttachmentKind.values:
        raise ApplicationError(_("材料类型无效。"), "invalid", "kind")
    if not attachment_content_ok(uploaded, ext):
        raise ApplicationError(_("附件内容与类型“%(ext)s”不符（按文件内容识别；网页、SVG 等文件不能作为附件）。") % {
            "ext": ext}, "invalid", "file")
    return name, ext


def attachment_add(*, petition: Petition, actor, uploaded, kind: str = AttachmentKind.OTHER) -> Attachment:
    """Store an uploaded file after checking its name, type (by content) and size; only while the
    petition is open. Who may upload is decided by the caller (DESIGN: those who act on the
    petition now, see api.routers.petitions.may_upload; at intake, the clerk registering it).
    Every upload is audited."""
    from xinfang.audit.services import audit_record

    from .choices import CLOSED_STATES

    if petition.status in CLOSED_STATES:
        raise ApplicationError(_("信访件已%(s)s，不能再上传附件。") % {"s": petition.get_status_display()},
                               "illegal_transition")
    name, ext = attachment_check(uploaded, kind)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    safe = f"{secrets.token_hex(8)}.{ext}"
    att = Attachment(petition=petition, kind=kind, original_name=name,
                     content_type=(getattr(uploaded, "content_type", "") or "")[:100],
                     size=uploaded.size, sha256=digest.hexdigest(), uploaded_by=actor)
    with transaction.atomic():
        att.file.save(safe, uploaded, save=False)
        att.save()
        audit_record(actor=actor, action="attachment.upload", obj=att,
                     data={"petition": petition.number, "name": name, "size": att.size, "sha256": att.sha256,
                           "kind": kind})
    return att


def petitioner_reveal(*, actor, petitioner_id, reason: str) -> dict:
    """Show a petitioner's personal data in clear; every reveal is audited (DESIGN §5).

    Only staff who can see one of the petitioner's petitions may reveal, and for accusations only
    the handling chain (S22 Art 30).
    """
    from xinfang.audit.services import audit_record

    from .selectors import in_handling_chain, petitioner_get, petitions_visible

    reason = normalise(reason)
    if not reason:
        raise ApplicationError(_("查看完整个人信息须填写事由。"), "invalid", "reason")
    person = petitioner_get(actor, petitioner_id)
    visible = list(petitions_visible(actor).filter(petitioner_links__petitioner=person)
                   .select_related("receiving_unit", "handling_unit", "review_unit"))
    allowed = [p for p in visible if p.nature != Nature.ACCUSATION or in_handling_chain(actor, p)]
    if not allowed:
        from xinfang.common.errors import NotFound

        raise NotFound(_("信访人不存在。"))
    with transaction.atomic():
        audit_record(actor=actor, action="petitioner.reveal", obj=person,
                     data={"reason": reason[:500], "petitions": [p.number for p in allowed[:20]]})
    return {"name": person.name, "id_number": person.id_number, "phone": person.phone, "address": person.address}


def query_code_reissue(*, actor, petition_id) -> tuple[Petition, str]:
    """A new query code for a petitioner who lost theirs, issued at the counter; the old code stops
    working at once. Only staff who see the petition (else 404, also for an accusation outside its
    handling chain) and hold the clerk or dispatcher role at its receiving unit (else code
    "forbidden"). The code is stored hashed and never recorded anywhere (not in the audit log);
    it is not part of the case's state, so the petition's version and timeline are unchanged."""
    from xinfang.audit.services import audit_record
    from xinfang.common.errors import NotFound
    from xinfang.org.choices import Role
    from xinfang.org.jurisdiction import has_role

    from .selectors import accuser_hidden, petition_get

    petition = petition_get(actor, petition_id)
    if accuser_hidden(actor, petition):
        raise NotFound(_("信访件不存在。"))
    if not has_role(actor, petition.receiving_unit, Role.CLERK, Role.DISPATCHER):
        raise ApplicationError(_("只有登记该件的单位（%(unit)s）的接访登记员或分办员可以重新生成查询码。")
                               % {"unit": petition.receiving_unit.name}, "forbidden")
    code = new_query_code()
    with transaction.atomic():
        Petition.objects.filter(pk=petition.pk).update(
            query_code_hash=query_code_hash(petition.number, code))
        audit_record(actor=actor, action="petition.query_code_reissue", obj=petition,
                     data={"number": petition.number})
    petition.refresh_from_db()
    return petition, code
