"""The audit key: HMAC keys for the chain, the legacy seal and the anchors (never stored in the database).

`XINFANG_AUDIT_KEY` (settings.AUDIT_KEY) is any string; 256-bit keys are derived from it. Without it a
development key, published in this file, is used: the chain is then only as strong as plain SHA-256
and `xinfang audit verify` says so.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

DEV_AUDIT_KEY = "insecure-development-audit-key"

SCHEME_LEGACY = "sha256"  # rows written before the chain was keyed: plain SHA-256 of the public body
SCHEME_HMAC = "hmac-sha256"  # HMAC-SHA-256 under the audit key (XINFANG_AUDIT_KEY)
SCHEME_DEV = "hmac-sha256-dev"  # HMAC-SHA-256 under the published development key (no key set)


def audit_key_is_development() -> bool:
    return (getattr(settings, "AUDIT_KEY", "") or DEV_AUDIT_KEY) == DEV_AUDIT_KEY


def current_scheme() -> str:
    """The scheme new rows are written with: the audit key's, or the development key's when none is set."""
    return SCHEME_DEV if audit_key_is_development() else SCHEME_HMAC


def _derive(purpose: bytes, development: bool = False) -> bytes:
    key = DEV_AUDIT_KEY if development else (getattr(settings, "AUDIT_KEY", "") or DEV_AUDIT_KEY)
    master = hashlib.sha256(key.encode()).digest()
    return hmac.new(master, purpose, hashlib.sha256).digest()


def chain_mac(body: bytes, development: bool = False) -> str:
    return hmac.new(_derive(b"xinfang-audit-chain", development), body, hashlib.sha256).hexdigest()


def seal_mac(seq: int, digest: str) -> str:
    """Signature over the end of the prefix written before the audit key was set (plain SHA-256 or the
    development key), made by migration 0003 or `xinfang audit seal`."""
    return hmac.new(_derive(b"xinfang-audit-legacy-seal"), f"{seq}:{digest}".encode(), hashlib.sha256).hexdigest()


def anchor_mac(text: str) -> str:
    return hmac.new(_derive(b"xinfang-audit-anchor"), text.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest((a or "").encode(), (b or "").encode())
