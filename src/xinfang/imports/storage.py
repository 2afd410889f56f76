"""The uploaded ledger, kept encrypted beside the job until the import is done."""

from __future__ import annotations

import os

from django.utils.translation import gettext as _

from xinfang.common import crypto
from xinfang.common.errors import ApplicationError
from xinfang.petitions.models import ImportJob

_SEAL = b"XFI1"


def _file_key() -> bytes:
    return bytes.fromhex(crypto.keyed_hash("import-file", "import-file-key"))


def seal(data: bytes) -> bytes:
    """Uploaded ledgers hold personal data: stored encrypted (AES-GCM), like every personal field."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return _SEAL + nonce + AESGCM(_file_key()).encrypt(nonce, data, None)


def unseal(blob: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not blob.startswith(_SEAL):
        raise ApplicationError(_("导入文件已损坏或已被删除，请重新上传。"), "invalid", "file")
    try:
        return AESGCM(_file_key()).decrypt(blob[4:16], blob[16:], None)
    except Exception:  # a wrong key or a damaged file
        raise ApplicationError(_("导入文件已损坏或已被删除，请重新上传。"), "invalid", "file") from None


def job_data(job: ImportJob) -> bytes:
    if not job.file:
        raise ApplicationError(_("导入文件已删除，请重新上传。"), "invalid", "file")
    try:
        with job.file.open("rb") as fh:
            return unseal(fh.read())
    except (FileNotFoundError, OSError):
        raise ApplicationError(_("导入文件已删除，请重新上传。"), "invalid", "file") from None
