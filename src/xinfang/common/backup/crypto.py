"""Optional encryption of a backup archive: AES-256-GCM (`cryptography`) with a key derived from a
passphrase by scrypt, streamed in chunks so a large archive never sits in memory.

Layout: MAGIC, a 16-byte salt, scrypt's n, r, p (3 x uint32), an 8-byte nonce prefix; then chunks,
each a uint32 length and its ciphertext (tag included). A chunk's nonce is the prefix and its index;
its associated data is the header, the index and whether it is the last chunk, so chunks cannot be
reordered, dropped or the archive cut short without the decryption failing.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"XINFANG-BACKUP-AESGCM-1\n"
CHUNK = 1024 * 1024
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_HEADER = struct.Struct(">16sIII8s")


class DecryptionError(Exception):
    """Wrong passphrase, or the archive was altered or cut short."""


def _key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">Q?", index, last)


def is_encrypted(path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def encrypt_file(src: BinaryIO, dst: BinaryIO, passphrase: str) -> None:
    salt, prefix = os.urandom(16), os.urandom(8)
    header = MAGIC + _HEADER.pack(salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, prefix)
    aead = AESGCM(_key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P))
    dst.write(header)
    index, chunk = 0, src.read(CHUNK)
    while True:
        following = src.read(CHUNK) if chunk else b""
        last = not following
        sealed = aead.encrypt(prefix + struct.pack(">I", index), chunk, _aad(header, index, last))
        dst.write(struct.pack(">I", len(sealed)) + sealed)
        if last:
            return
        index, chunk = index + 1, following


def decrypt_file(src: BinaryIO, dst: BinaryIO, passphrase: str) -> None:
    if src.read(len(MAGIC)) != MAGIC:
        raise DecryptionError("not an encrypted xinfang backup")
    fixed = src.read(_HEADER.size)
    if len(fixed) != _HEADER.size:
        raise DecryptionError("truncated header")
    salt, n, r, p, prefix = _HEADER.unpack(fixed)
    if n > 2**20 or r > 32 or p > 16:  # refuse parameters that would exhaust memory
        raise DecryptionError("unreasonable scrypt parameters")
    header = MAGIC + fixed
    aead = AESGCM(_key(passphrase, salt, n, r, p))
    index = 0
    while True:
        size_bytes = src.read(4)
        if len(size_bytes) != 4:
            raise DecryptionError("truncated archive")
        (size,) = struct.unpack(">I", size_bytes)
        if size > CHUNK + 16:
            raise DecryptionError("corrupt chunk")
        sealed = src.read(size)
        nonce = prefix + struct.pack(">I", index)
        # The last chunk is the one that decrypts with the "last" flag; anything after it is an error.
        for last in (False, True):
            try:
                plain = aead.decrypt(nonce, sealed, _aad(header, index, last))
                break
            except InvalidTag:
                continue
        else:
            raise DecryptionError("wrong passphrase or altered archive")
        dst.write(plain)
        if last:
            if src.read(1):
                raise DecryptionError("data after the last chunk")
            return
        index += 1
