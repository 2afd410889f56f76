"""`xinfang backup FILE` and `xinfang restore FILE` (DESIGN §9).

An archive is a gzip'd tar of `manifest.json`, `database/` (the SQLite copy or the PostgreSQL dump)
and `media/` (every stored file: notices, attachments, import uploads), optionally encrypted as a
whole (crypto.py). The manifest holds the row count of every table, the SHA-256 of every file (and of
the database copy), the migration state, the xinfang version and the time.

A restore goes into an empty database and an empty media directory only: the archive is unpacked
and checked against its manifest in a scratch directory first, so a wrong passphrase, an altered file
or a non-empty target changes nothing. After loading, the rows are counted again, every file hashed
again and the audit chain verified; any difference is reported and the command fails.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from . import crypto, engines
from .engines import BackupError

FORMAT = "xinfang-backup/1"
PASSPHRASE_ENV = "XINFANG_BACKUP_PASSPHRASE"
DB_MEMBER = {"sqlite": "database/db.sqlite3", "postgresql": "database/postgres.sql"}


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _xinfang_version() -> str:
    try:
        return version("xinfang")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "unknown"


def _data_key_check() -> str:
    """A keyed fingerprint of the data key (not the key): tells at restore whether it is the same."""
    from xinfang.common.crypto import keyed_hash

    return keyed_hash("backup", "data-key-check")[:16]


def passphrase_from_env() -> str:
    value = os.environ.get(PASSPHRASE_ENV, "")
    if not value:
        raise BackupError(_("加密需要口令：请在环境变量 %(env)s 中设置。") % {"env": PASSPHRASE_ENV})
    if len(value) < 12:
        raise BackupError(_("备份口令太短：至少 12 个字符。"))
    return value


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files(root: Path):
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), path


# ---- backup -------------------------------------------------------------------------------------

@dataclass
class BackupResult:
    path: Path
    tables: int
    rows: int
    files: int
    encrypted: bool
    missing: list[str] = field(default_factory=list)


def backup_create(dest: str | Path, *, encrypt: bool = False, alias: str = "default") -> BackupResult:
    dest = Path(dest)
    if dest.exists():
        raise BackupError(_("文件已存在：%(path)s（不会覆盖）。") % {"path": dest})
    if not dest.parent.is_dir():
        raise BackupError(_("目录不存在：%(path)s。") % {"path": dest.parent})
    passphrase = passphrase_from_env() if encrypt else ""
    vendor = engines.engine(alias)
    with tempfile.TemporaryDirectory(prefix="xinfang-backup-", dir=dest.parent) as scratch:
        scratch = Path(scratch)
        db_file = scratch / "database"
        # the database first: files written afterwards only add orphans, never leave a row without its file
        snap = engines.sqlite_dump(db_file, alias) if vendor == "sqlite" else engines.pg_dump(db_file, alias)
        root = _media_root()
        tar_path = scratch / "archive.tar.gz"
        files: dict[str, dict] = {}
        with tarfile.open(tar_path, "w:gz", compresslevel=6) as tar:
            tar.add(db_file, arcname=DB_MEMBER[vendor], recursive=False)
            for rel, path in _media_files(root):
                try:
                    data = path.read_bytes()
                except FileNotFoundError:  # deleted while we walked (a notice rendered again)
                    continue
                info = tarfile.TarInfo(f"media/{rel}")
                info.size, info.mtime, info.mode = len(data), int(path.stat().st_mtime), 0o644
                tar.addfile(info, io.BytesIO(data))
                files[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            missing = sorted(name for name in snap.referenced if name not in files)
            manifest = {
                "format": FORMAT,
                "xinfang_version": _xinfang_version(),
                "created_at": timezone.now().isoformat(),
                "engine": vendor,
                "database": {"member": DB_MEMBER[vendor], "sha256": _sha256_file(db_file)},
                "tables": snap.tables,
                "migrations": snap.migrations,
                "files": files,
                "referenced_missing": missing,
                "data_key_check": _data_key_check(),
            }
            body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(body), int(timezone.now().timestamp()), 0o644
            tar.addfile(info, io.BytesIO(body))
        partial = scratch / "out"
        if encrypt:
            with open(tar_path, "rb") as src, open(partial, "wb") as out:
                crypto.encrypt_file(src, out, passphrase)
        else:
            partial = tar_path
        os.chmod(partial, 0o600)  # it holds (encrypted) personal data
        os.replace(partial, dest)
    return BackupResult(dest, len(snap.tables), sum(snap.tables.values()), len(files), encrypt, missing)


# ---- restore ------------------------------------------------------------------------------------

@dataclass
class RestoreResult:
    manifest: dict
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    files: int = 0
    audit_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _safe_member(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", "..", ".") for part in path.parts):
        return None
    return path


def _unpack(archive: Path, scratch: Path) -> tuple[dict, Path, Path]:
    """Decrypt when needed, unpack into scratch, check every member against the manifest."""
    tar_path = archive
    if crypto.is_encrypted(archive):
        passphrase = os.environ.get(PASSPHRASE_ENV, "")
        if not passphrase:
            raise BackupError(_("此备份已加密：请在环境变量 %(env)s 中提供口令。") % {"env": PASSPHRASE_ENV})
        tar_path = scratch / "archive.tar.gz"
        try:
            with open(archive, "rb") as src, open(tar_path, "wb") as out:
                crypto.decrypt_file(src, out, passphrase)
        except crypto.DecryptionError as exc:
            raise BackupError(_("无法解密备份：口令错误或文件已被改动。")) from exc
    media_dir, db_dir = scratch / "media", scratch / "database"
    media_dir.mkdir()
    db_dir.mkdir()
    manifest = None
    try:
        with tarfile.open(tar_path, "r:*") as tar:
            for member in tar:
                path = _safe_member(member.name)
                if path is None or not (member.isfile() or member.isdir()):
                    raise BackupError(_("备份中有不安全的条目：%(name)s。") % {"name": member.name})
                if member.isdir():
                    continue
                if path.parts[0] not in ("media", "database", "manifest.json"):
                    raise BackupError(_("备份中有未知的条目：%(name)s。") % {"name": member.name})
                src = tar.extractfile(member)
                if path.as_posix() == "manifest.json":
                    manifest = json.loads(src.read().decode())
                    continue
                target = scratch.joinpath(*path.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as out:
                    shutil.copyfileobj(src, out, 1024 * 1024)
    except (tarfile.TarError, EOFError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise BackupError(_("不是有效的备份文件（无法读取归档，或文件已损坏）。")) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("不是 xinfang 的备份文件（缺少或不认识 manifest.json）。"))
    shape = {"database": dict, "tables": dict, "migrations": list, "files": dict, "engine": str}
    if any(not isinstance(manifest.get(k), t) for k, t in shape.items()) or not isinstance(
            manifest["database"].get("member"), str) or _safe_member(manifest["database"]["member"]) is None:
        raise BackupError(_("备份清单 manifest.json 不完整或格式不对。"))
    db_file = scratch.joinpath(*PurePosixPath(manifest["database"]["member"]).parts)
    if not db_file.is_file() or _sha256_file(db_file) != manifest["database"]["sha256"]:
        raise BackupError(_("备份中的数据库副本缺失或校验值不符。"))
    unpacked = {rel for rel, _path in _media_files(media_dir)}
    for rel, meta in manifest["files"].items():
        if rel not in unpacked or not isinstance(meta, dict) or _sha256_file(media_dir / rel) != meta.get("sha256"):
            raise BackupError(_("备份中的文件缺失或校验值不符：%(name)s。") % {"name": rel})
    extra = unpacked - set(manifest["files"])
    if extra:
        raise BackupError(_("备份中有清单之外的文件：%(name)s。") % {"name": sorted(extra)[0]})
    return manifest, db_file, media_dir


def backup_restore(archive: str | Path, *, alias: str = "default") -> RestoreResult:
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("找不到备份文件：%(path)s。") % {"path": archive})
    vendor = engines.engine(alias)
    root = _media_root()
    if not engines.is_empty(alias):
        raise BackupError(_("目标数据库不是空的：只能恢复到空数据库（新建一个数据库，不要先运行 migrate）。"))
    if next(_media_files(root), None) is not None:
        raise BackupError(_("文件目录不是空的：%(path)s。只能恢复到空目录。") % {"path": root})
    with tempfile.TemporaryDirectory(prefix="xinfang-restore-") as scratch:
        manifest, db_file, media_dir = _unpack(archive, Path(scratch))
        if manifest["engine"] != vendor:
            raise BackupError(_("备份来自 %(src)s 数据库，目标是 %(dst)s：只能恢复到同类数据库。") % {
                "src": manifest["engine"], "dst": vendor})
        # from here on the target changes
        if vendor == "sqlite":
            engines.sqlite_load(db_file, alias)
        else:
            engines.pg_load(db_file, alias)
        for rel, path in _media_files(media_dir):
            target = root.joinpath(*PurePosixPath(rel).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
    return restore_verify(manifest, alias=alias)


def restore_verify(manifest: dict, *, alias: str = "default") -> RestoreResult:
    """Compare the database and the media directory with the manifest; verify the audit chain."""
    from xinfang.audit.services import audit_verify

    result = RestoreResult(manifest)
    snap = engines.table_counts(alias)
    for table, count in sorted(manifest["tables"].items()):
        got = snap.tables.get(table)
        if got != count:
            result.problems.append(_("表 %(t)s：备份 %(a)s 行，恢复后 %(b)s 行") % {
                "t": table, "a": count, "b": "—" if got is None else got})
    for table in sorted(set(snap.tables) - set(manifest["tables"])):
        result.problems.append(_("表 %(t)s 不在备份清单中") % {"t": table})
    if snap.migrations != manifest["migrations"]:
        result.problems.append(_("迁移状态与备份清单不符"))
    root = _media_root()
    present = dict(_media_files(root))
    for rel, meta in sorted(manifest["files"].items()):
        path = present.get(rel)
        if path is None:
            result.problems.append(_("文件缺失：%(f)s") % {"f": rel})
        elif _sha256_file(path) != meta["sha256"]:
            result.problems.append(_("文件校验值不符：%(f)s") % {"f": rel})
    result.tables, result.rows, result.files = len(snap.tables), sum(snap.tables.values()), len(present)
    verified = audit_verify()
    result.audit_checked = verified.checked
    if not verified.ok:
        result.problems.append(_("审计链校验未通过：第 %(seq)s 条（%(reason)s）") % {
            "seq": verified.broken_seq, "reason": verified.reason})
    if manifest.get("referenced_missing"):
        result.notes.append(_("备份时已缺失、记录中引用的文件 %(n)d 个（如 %(f)s），恢复前后相同。") % {
            "n": len(manifest["referenced_missing"]), "f": manifest["referenced_missing"][0]})
    if manifest.get("data_key_check") != _data_key_check():
        result.notes.append(_("警告：当前的 XINFANG_DATA_KEY 与备份时不同，恢复的个人信息（身份证号、电话、地址）无法解密，"
                              "也无法按身份证号查找。请使用备份时的数据密钥。"))
    if manifest.get("xinfang_version") != _xinfang_version():
        result.notes.append(_("备份来自 xinfang %(v)s；如有未应用的迁移，请运行 xinfang migrate。") % {
            "v": manifest.get("xinfang_version")})
    return result
