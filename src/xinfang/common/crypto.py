"""Personal-data protection: AES-GCM encryption at rest, keyed blind index, masking (DESIGN §5)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_PREFIX = "v1:"


@lru_cache(maxsize=4)
def _keys(data_key: str) -> tuple[bytes, bytes]:
    master = hashlib.sha256(data_key.encode()).digest()
    enc = hmac.new(master, b"xinfang-encryption", hashlib.sha256).digest()
    idx = hmac.new(master, b"xinfang-blind-index", hashlib.sha256).digest()
    return enc, idx


def encrypt(plaintext: str | None) -> str:
    if not plaintext:
        return ""
    key, _ = _keys(settings.DATA_KEY)
    nonce = os.urandom(12)
    blob = nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), None)
    return _PREFIX + base64.b64encode(blob).decode()


def decrypt(token: str | None) -> str:
    if not token:
        return ""
    key, _ = _keys(settings.DATA_KEY)
    blob = base64.b64decode(token.removeprefix(_PREFIX))
    return AESGCM(key).decrypt(blob[:12], blob[12:], None).decode()


def blind_index(value: str | None, kind: str) -> str:
    """A keyed hash for exact look-ups of an encrypted value; empty for no value."""
    if not value:
        return ""
    _, key = _keys(settings.DATA_KEY)
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]


def keyed_hash(value: str, purpose: str) -> str:
    _, key = _keys(settings.DATA_KEY)
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def mask_name(name: str) -> str:
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    return name[0] + "*" * (len(name) - 1) if len(name) <= 3 else name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 11 else value[:2] + "*" * max(len(value) - 4, 1) + value[-2:]


def mask_address(value: str) -> str:
    if not value:
        return ""
    keep = min(6, max(len(value) // 3, 1))
    return value[:keep] + "*" * 4
