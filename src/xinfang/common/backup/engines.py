"""The database half of a backup: a consistent copy and its facts (row counts, migrations, the files
the rows name), and loading that copy into an empty database.

SQLite: the sqlite3 online backup API copies the live database page by page under one read
transaction (WAL lets writers go on), so the copy is one consistent state; the facts are read from
the copy itself.

PostgreSQL: `pg_dump`, the server's own tool, in plain SQL, run on a snapshot exported from a
REPEATABLE READ transaction that also reads the facts, so the dump and the manifest describe the same
instant while the application keeps writing. We chose it over a Django-level dump (dumpdata): it
copies everything exactly (sequences, the search index column, microseconds the JSON serializer
would cut, which the audit chain's hashes depend on) and needs no loading order or clearing of the
rows the migrations seed. It needs the PostgreSQL client tools of the server's major version or later
on the host (`postgresql-client`); XINFANG_PG_BIN names their directory when they are elsewhere.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.db import connections, models, transaction
from django.utils.translation import gettext as _


class BackupError(Exception):
    """A clear, translated reason the backup or restore cannot go on; nothing was changed."""


@dataclass
class Snapshot:
    tables: dict[str, int] = field(default_factory=dict)
    migrations: list[list[str]] = field(default_factory=list)
    referenced: set[str] = field(default_factory=set)


def _file_columns():
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                yield model._meta.db_table, f.column


def _facts(cursor, tables: list[str], quote) -> Snapshot:
    snap = Snapshot()
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        snap.tables[table] = int(cursor.fetchone()[0])
    if "django_migrations" in snap.tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        snap.migrations = [[a, n] for a, n in cursor.fetchall()]
    for table, column in _file_columns():
        if table in snap.tables:
            cursor.execute(f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(column)} <> ''")
            snap.referenced.update(r[0] for r in cursor.fetchall() if r[0])
    return snap


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_tables(cursor) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    return [r[0] for r in cursor.fetchall()]


def _pg_tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return [r[0] for r in cursor.fetchall()]


def engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(_("不支持此数据库的备份：%(v)s（支持 SQLite 和 PostgreSQL）。") % {"v": vendor})
    return vendor


def table_counts(alias: str = "default") -> Snapshot:
    """The facts of the live database (after a restore, to compare with the manifest)."""
    conn = connections[alias]
    with conn.cursor() as cursor:
        tables = _sqlite_tables(cursor) if conn.vendor == "sqlite" else _pg_tables(cursor)
        quote = _sqlite_quote if conn.vendor == "sqlite" else conn.ops.quote_name
        return _facts(cursor, tables, quote)


def is_empty(alias: str = "default") -> bool:
    conn = connections[alias]
    with conn.cursor() as cursor:
        return not (_sqlite_tables(cursor) if conn.vendor == "sqlite" else _pg_tables(cursor))


# ---- SQLite ------------------------------------------------------------------------------------

def sqlite_dump(dest: Path, alias: str = "default") -> Snapshot:
    conn = connections[alias]
    conn.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        conn.connection.backup(target)  # one step: a single consistent read of the whole database
        cursor = target.cursor()
        return _facts(cursor, _sqlite_tables(cursor), _sqlite_quote)
    finally:
        target.close()


def sqlite_load(src: Path, alias: str = "default") -> None:
    conn = connections[alias]
    name = str(conn.settings_dict["NAME"])
    conn.close()
    source, target = sqlite3.connect(src), sqlite3.connect(name, timeout=20)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


# ---- PostgreSQL --------------------------------------------------------------------------------

def _pg_tool(name: str) -> str:
    candidates = []
    if os.environ.get("XINFANG_PG_BIN"):
        candidates.append(str(Path(os.environ["XINFANG_PG_BIN"]) / name))
    # Debian's versioned directories, newest first (a newer client reads older servers), then PATH
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                         key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)), reverse=True)
    found = shutil.which(name)
    if found:
        candidates.append(found)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(_("找不到 PostgreSQL 客户端程序 %(tool)s：请安装与服务器主版本相同的 postgresql-client，"
                        "或用 XINFANG_PG_BIN 指定其目录。") % {"tool": name})


def _tool_major(path: str) -> int:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else 0


def _pg_env(alias: str) -> dict:
    s = connections[alias].settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                     ("NAME", "PGDATABASE")):
        if s.get(key):
            env[var] = str(s[key])
    options = s.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    env["PGOPTIONS"] = "-c client_min_messages=warning"
    return env


def _checked_tool(name: str, alias: str) -> str:
    tool = _pg_tool(name)
    conn = connections[alias]
    conn.ensure_connection()
    server, client = conn.pg_version // 10000, _tool_major(tool)
    if client < server:
        raise BackupError(_("%(tool)s 的主版本 %(client)s 低于数据库服务器的 %(server)s：请安装 postgresql-client-%(server)s，"
                            "或用 XINFANG_PG_BIN 指定其目录。") % {"tool": name, "client": client, "server": server})
    return tool


def pg_dump(dest: Path, alias: str = "default") -> Snapshot:
    tool = _checked_tool("pg_dump", alias)
    conn = connections[alias]
    with transaction.atomic(using=alias), conn.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        snap = _facts(cursor, _pg_tables(cursor), conn.ops.quote_name)
        done = subprocess.run(
            [tool, "--format=plain", "--no-owner", "--no-privileges", "--encoding=UTF8",
             f"--snapshot={snapshot_id}", f"--file={dest}"],
            env=_pg_env(alias), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(_("pg_dump 失败：%(err)s") % {"err": done.stderr.strip()[-2000:]})
    return snap


def pg_load(src: Path, alias: str = "default") -> None:
    tool = _checked_tool("psql", alias)
    connections[alias].close()
    done = subprocess.run(
        [tool, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", str(src)],
        env=_pg_env(alias), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(_("导入数据库失败（未做任何更改）：%(err)s") % {"err": done.stderr.strip()[-2000:]})
