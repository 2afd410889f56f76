"""Writing and verifying the audit chain. Every service write and every reveal calls `audit_record`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _digest(prev_hash: str, seq: int, at: str, actor_id, actor: str, action: str, object_type: str,
            object_id: str, data: dict) -> str:
    body = json.dumps([prev_hash, seq, at, actor_id, actor, action, object_type, object_id, data],
                      cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


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
                                          prev_hash=head.hash, hash=digest)
        head.seq, head.hash = seq, digest
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def audit_verify(batch: int = 5000) -> VerifyResult:
    """Recompute the chain from the start; report the first row that was altered, removed or added."""
    prev, expected_seq, checked = GENESIS, 1, 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch])
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, "missing")
            if row.prev_hash != prev:
                return VerifyResult(False, checked, row.seq, "prev_hash")
            digest = _digest(prev, row.seq, row.at.isoformat(), row.actor_id, row.actor, row.action,
                             row.object_type, row.object_id, row.data)
            if digest != row.hash:
                return VerifyResult(False, checked, row.seq, "hash")
            prev, expected_seq, checked = row.hash, row.seq + 1, checked + 1
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.seq != checked or head.hash != prev):
        return VerifyResult(False, checked, checked + 1 if head.seq > checked else head.seq, "head")
    return VerifyResult(True, checked)
