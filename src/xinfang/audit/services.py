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
    raise ValueError(f"unknown audit scheme {scheme!r}")


def _canonical(data: dict) -> dict:
    # Round-trip through JSON so the stored value and the hashed value are the same.
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def audit_record(*, actor, action: str, obj=None, object_type: str = "", object_id: str = "",
                 data: dict | None = None) -> AuditEntry:
    """Append one entry; runs inside the caller's transaction (or its own)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_name = getattr(actor, "username", "") or ("" if actor is None else str(actor))
    payload = _canonical(data or {})
    with transaction.atomic():
        head, _ = AuditHead.objects.get_or_create(id=1)
        head = AuditHead.objects.select_for_update().get(id=1)
        at = timezone.now()
        seq = head.seq + 1
        at_s = at.isoformat()
        digest = _digest(head.hash, seq, at_s, actor_id, actor_name, action, object_type, str(object_id), payload)
        entry = AuditEntry.objects.create(seq=seq, at=at, actor_id=actor_id, actor=actor_name, action=action,
                                          object_type=object_type, object_id=str(object_id), data=payload,
                                          prev_hash=head.hash, hash=digest, scheme=keys.SCHEME_HMAC)
        head.seq, head.hash = seq, digest
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    development_key: bool = field(default_factory=keys.audit_key_is_development)
    legacy: int = 0  # rows accepted under the old plain SHA-256 rule (the sealed prefix)


def audit_verify(batch: int = 5000) -> VerifyResult:
    """Recompute the chain from the start; report the first row that was altered, removed or added."""
    head = AuditHead.objects.filter(id=1).first()
    legacy_seq = head.legacy_seq if head is not None else 0
    legacy_seal = head.legacy_seal if head is not None else ""
    prev, expected_seq, checked, legacy = GENESIS, 1, 0, 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch])
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, "missing", legacy=legacy)
            if row.prev_hash != prev:
                return VerifyResult(False, checked, row.seq, "prev_hash", legacy=legacy)
            if row.scheme == keys.SCHEME_LEGACY and row.seq > legacy_seq:
                # a row relabelled "sha256" to be re-chained with the public algorithm
                return VerifyResult(False, checked, row.seq, "scheme", legacy=legacy)
            if row.scheme not in (keys.SCHEME_LEGACY, keys.SCHEME_HMAC):
                return VerifyResult(False, checked, row.seq, "scheme", legacy=legacy)
            digest = _digest(prev, row.seq, row.at.isoformat(), row.actor_id, row.actor, row.action,
                             row.object_type, row.object_id, row.data, scheme=row.scheme)
            if not keys.same(digest, row.hash):
                return VerifyResult(False, checked, row.seq, "hash", legacy=legacy)
            if row.seq == legacy_seq and not keys.same(keys.seal_mac(row.seq, row.hash), legacy_seal):
                return VerifyResult(False, checked, row.seq, "seal", legacy=legacy)
            legacy += row.scheme == keys.SCHEME_LEGACY
            prev, expected_seq, checked = row.hash, row.seq + 1, checked + 1
    if legacy_seq > checked:  # the sealed legacy prefix claims rows that are not there
        return VerifyResult(False, checked, checked + 1, "missing", legacy=legacy)
    if head is not None and (head.seq != checked or head.hash != prev):
        return VerifyResult(False, checked, checked + 1 if head.seq > checked else head.seq, "head", legacy=legacy)
    return VerifyResult(True, checked, legacy=legacy)


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
