"""Writing and verifying the audit chain. Every service write and every reveal calls `audit_record`.

Each row's hash is an HMAC-SHA-256 under the audit key (`XINFANG_AUDIT_KEY`, never in the database) over
the previous hash and the row's fields, so a row edited and re-chained with the public source no longer
verifies. Rows written before the chain was keyed keep their plain SHA-256 hashes (scheme "sha256") and
are accepted only inside the legacy prefix sealed with the audit key by migration 0003. Anchors
(`anchor_line`, `check_anchors`) carry signed heads outside the database, so a rewrite by someone who
also holds the key, or a deleted tail, is caught too.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from . import keys
from .models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _digest(prev_hash: str, seq: int, at: str, actor_id, actor: str, action: str, object_type: str,
            object_id: str, data: dict, scheme: str = keys.SCHEME_HMAC) -> str:
    body = json.dumps([prev_hash, seq, at, actor_id, actor, action, object_type, object_id, data],
                      cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    if scheme == keys.SCHEME_LEGACY:
        return hashlib.sha256(body).hexdigest()
    if scheme == keys.SCHEME_HMAC:
        return keys.chain_mac(body)
    if scheme == keys.SCHEME_DEV:
        return keys.chain_mac(body, development=True)
    raise ValueError(f"unknown audit scheme {scheme!r}")


def _canonical(data: dict) -> dict:
    # Round-trip through JSON so the stored value and the hashed value are the same.
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def _locked_head() -> AuditHead:
    """The chain's head, locked until the caller's transaction ends (created with the first entry ever)."""
    head = AuditHead.objects.select_for_update().filter(id=1).first()
    if head is None:
        AuditHead.objects.get_or_create(id=1)
        head = AuditHead.objects.select_for_update().get(id=1)
    return head


def _who(actor) -> tuple[int | None, str]:
    """The actor's id and the name stored with the entry."""
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    return actor_id, getattr(actor, "username", "") or ("" if actor is None else str(actor))


def audit_record(*, actor, action: str, obj=None, object_type: str = "", object_id: str = "",
                 data: dict | None = None) -> AuditEntry:
    """Append one entry; runs inside the caller's transaction (or its own)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_id, actor_name = _who(actor)
    payload = _canonical(data or {})
    with transaction.atomic():
        head = _locked_head()
        at = timezone.now()
        seq = head.seq + 1
        at_s = at.isoformat()
        scheme = keys.current_scheme()
        digest = _digest(head.hash, seq, at_s, actor_id, actor_name, action, object_type, str(object_id), payload,
                         scheme=scheme)
        entry = AuditEntry.objects.create(seq=seq, at=at, actor_id=actor_id, actor=actor_name, action=action,
                                          object_type=object_type, object_id=str(object_id), data=payload,
                                          prev_hash=head.hash, hash=digest, scheme=scheme)
        head.seq, head.hash = seq, digest
        head.save(update_fields=["seq", "hash"])
    return entry


def audit_record_many(records: list[dict]) -> list[AuditEntry]:
    """`audit_record(**r)` for each of `records` in order, with one lock of the head, one INSERT and one
    UPDATE (a batch of notices issued by the worker, issue 13): the same entries, chained the same way."""
    if not records:
        return []
    with transaction.atomic():
        head = _locked_head()
        scheme = keys.current_scheme()
        seq, prev, entries = head.seq, head.hash, []
        for r in records:
            obj, actor = r.get("obj"), r.get("actor")
            object_type, object_id = r.get("object_type", ""), r.get("object_id", "")
            if obj is not None:
                object_type = object_type or obj._meta.label_lower
                object_id = object_id or str(obj.pk)
            actor_id, actor_name = _who(actor)
            payload = _canonical(r.get("data") or {})
            at = timezone.now()
            seq += 1
            digest = _digest(prev, seq, at.isoformat(), actor_id, actor_name, r["action"], object_type,
                             str(object_id), payload, scheme=scheme)
            entries.append(AuditEntry(seq=seq, at=at, actor_id=actor_id, actor=actor_name, action=r["action"],
                                      object_type=object_type, object_id=str(object_id), data=payload,
                                      prev_hash=prev, hash=digest, scheme=scheme))
            prev = digest
        AuditEntry.objects.bulk_create(entries)
        head.seq, head.hash = seq, prev
        head.save(update_fields=["seq", "hash"])
    return entries


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    development_key: bool = field(default_factory=keys.audit_key_is_development)
    legacy: int = 0  # rows written before the audit key was set, accepted inside the sealed prefix
    unkeyed_end: int = 0  # (sealing) the last row not written with the audit key
    unkeyed_hash: str = ""


UNKEYED = (keys.SCHEME_LEGACY, keys.SCHEME_DEV)


def _check(batch: int, sealing: bool) -> VerifyResult:
    """Walk the chain. Verifying: rows under plain SHA-256, or under the development key while a real key
    is set, are accepted only inside the sealed prefix (AuditHead.legacy_seq and its seal). Sealing: every
    row is checked under its own scheme and the rows not written with the audit key must come first."""
    dev_mode = keys.audit_key_is_development()
    head = AuditHead.objects.filter(id=1).first()
    legacy_seq = head.legacy_seq if head is not None else 0
    legacy_seal = head.legacy_seal if head is not None else ""
    prev, expected_seq, checked, legacy, unkeyed_end, unkeyed_hash = GENESIS, 1, 0, 0, 0, ""

    def fail(seq, reason):
        return VerifyResult(False, checked, seq, reason, legacy=legacy)

    while True:
        rows = list(AuditEntry.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch])
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return fail(expected_seq, "missing")
            if row.prev_hash != prev:
                return fail(row.seq, "prev_hash")
            if row.scheme not in (*UNKEYED, keys.SCHEME_HMAC):
                return fail(row.seq, "scheme")
            unkeyed = row.scheme == keys.SCHEME_LEGACY or (row.scheme == keys.SCHEME_DEV and not dev_mode)
            if unkeyed and not sealing and row.seq > legacy_seq:
                # written without the audit key after the sealed prefix: relabelled to be re-chained with
                # the public source, or written while the key was not set
                return fail(row.seq, "scheme" if row.scheme == keys.SCHEME_LEGACY else "development")
            if unkeyed and sealing and unkeyed_end != checked:
                return fail(row.seq, "order")  # a row without the key after one with it
            digest = _digest(prev, row.seq, row.at.isoformat(), row.actor_id, row.actor, row.action,
                             row.object_type, row.object_id, row.data, scheme=row.scheme)
            if not keys.same(digest, row.hash):
                return fail(row.seq, "hash")
            if not sealing and row.seq == legacy_seq and not keys.same(keys.seal_mac(row.seq, row.hash), legacy_seal):
                return fail(row.seq, "seal")
            if unkeyed:
                legacy, unkeyed_end, unkeyed_hash = legacy + 1, row.seq, row.hash
            prev, expected_seq, checked = row.hash, row.seq + 1, checked + 1
    if legacy_seq > checked and not sealing:  # the sealed prefix claims rows that are not there
        return fail(checked + 1, "missing")
    if head is not None and (head.seq != checked or head.hash != prev):
        return fail(checked + 1 if head.seq > checked else head.seq, "head")
    return VerifyResult(True, checked, legacy=legacy, unkeyed_end=unkeyed_end, unkeyed_hash=unkeyed_hash)


def audit_verify(batch: int = 5000) -> VerifyResult:
    """Recompute the chain from the start; report the first row that was altered, removed or added."""
    return _check(batch, sealing=False)


def _seal_valid(head: AuditHead) -> bool:
    """Whether the head's seal was made with the current audit key (over its prefix as it is now)."""
    if head.legacy_seq == 0:
        digest = GENESIS
    else:
        row = AuditEntry.objects.filter(seq=head.legacy_seq).only("hash").first()
        digest = row.hash if row is not None else ""
    return bool(head.legacy_seal) and keys.same(keys.seal_mac(head.legacy_seq, digest), head.legacy_seal)


def audit_seal(*, actor=None, batch: int = 5000) -> VerifyResult:
    """Seal the rows written before the audit key was set (plain SHA-256 or the development key) with the
    audit key, so that `audit_verify` accepts them from now on: an operator's act of trust in those rows,
    for when XINFANG_AUDIT_KEY was set only after migrating or after running without it. Every row must
    verify under its own scheme, and the unkeyed rows must all come before the keyed ones. The seal is
    itself audited ("audit.seal")."""
    if keys.audit_key_is_development():
        return VerifyResult(False, 0, None, "no_key")
    with transaction.atomic():
        AuditHead.objects.get_or_create(id=1)
        head = AuditHead.objects.select_for_update().get(id=1)  # no rows appended meanwhile
        result = _check(batch, sealing=True)
        if not result.ok:
            return result
        if result.unkeyed_end == 0 or (result.unkeyed_end == head.legacy_seq and keys.same(
                keys.seal_mac(head.legacy_seq, result.unkeyed_hash), head.legacy_seal)):
            return VerifyResult(True, result.checked, None, "nothing", legacy=result.legacy)
        if result.unkeyed_end > head.legacy_seq and _seal_valid(head):
            # the audit key had already sealed the chain, yet rows without it follow: written while the key
            # was unset, or relabelled; not for blessing blindly
            return VerifyResult(False, result.checked, head.legacy_seq + 1, "sealed_before", legacy=result.legacy)
        previous = head.legacy_seq
        head.legacy_seq = result.unkeyed_end
        head.legacy_seal = keys.seal_mac(result.unkeyed_end, result.unkeyed_hash)
        head.save(update_fields=["legacy_seq", "legacy_seal"])
        audit_record(actor=actor, action="audit.seal", object_type="audit.auditentry",
                     object_id=str(result.unkeyed_end),
                     data={"sealed_through": result.unkeyed_end, "previous_seq": previous, "rows": result.legacy})
    return result


# Anchors: one line of text per signed head, kept outside the database (a file, a print-out, a ticket).
ANCHOR_PREFIX = "xinfang-audit-anchor v1"
_ANCHOR_RE = re.compile(
    r"^xinfang-audit-anchor v1 seq=(?P<seq>\d{1,19}) hash=(?P<hash>[0-9a-f]{64}) at=(?P<at>\S+) "
    r"sig=(?P<sig>[0-9a-f]{64})$")


def _anchor_body(seq: int, digest: str, at: str) -> str:
    return f"{ANCHOR_PREFIX} seq={seq} hash={digest} at={at}"


def anchor_line() -> str:
    """The current head of the chain, signed with the audit key, as one line of text."""
    head = AuditHead.objects.filter(id=1).first()
    seq, digest = (head.seq, head.hash) if head is not None else (0, GENESIS)
    body = _anchor_body(seq, digest, timezone.now().replace(microsecond=0).isoformat())
    return f"{body} sig={keys.anchor_mac(body)}"


@dataclass
class AnchorProblem:
    line: int
    reason: str  # "format" | "signature" | "missing" | "hash"
    seq: int | None = None


def check_anchors(lines) -> tuple[int, AnchorProblem | None]:
    """Check every anchor line: a valid signature, and the row at its sequence still has its hash.

    Returns (anchors checked, the first problem or None). Blank lines and lines starting with # are skipped.
    """
    checked = 0
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        match = _ANCHOR_RE.match(text)
        if match is None:
            return checked, AnchorProblem(number, "format")
        seq, digest = int(match["seq"]), match["hash"]
        if seq > 2**63 - 1:
            return checked, AnchorProblem(number, "format")
        body = _anchor_body(seq, digest, match["at"])
        if not keys.same(keys.anchor_mac(body), match["sig"]):
            return checked, AnchorProblem(number, "signature", seq)
        if seq > 0:
            row = AuditEntry.objects.filter(seq=seq).only("hash").first()
            if row is None:
                return checked, AnchorProblem(number, "missing", seq)
            if not keys.same(row.hash, digest):
                return checked, AnchorProblem(number, "hash", seq)
        checked += 1
    return checked, None
