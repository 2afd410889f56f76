"""Read-replica routing for reports and search (docs/deploy.md).

When XINFANG_DATABASE_REPLICA_URL names a PostgreSQL read replica, settings add it as the database
alias "replica" and install `ReplicaRouter`. The router sends nothing there by itself: only code that
asks for it, inside `replica_reads()` (a context manager, also usable as a decorator), reads from the
replica, and only outside a transaction: a read inside `transaction.atomic()` (a service checking what
it is about to change) always goes to the primary, and so does every write. Meant for the read-only
selectors of reports (bulletins, dashboards, statistics) and search, whose answers may lag the
primary by the replication delay.

Without the variable there is no "replica" alias and no router, and `replica_reads()` changes nothing.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("xinfang_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class replica_reads(contextlib.ContextDecorator):  # noqa: N801 - used like a function
    """Reads of the ORM inside this block (and not inside a transaction) go to the replica, if any."""

    def _recreate_cm(self):
        return type(self)()  # as a decorator, a fresh one per call: threads must not share the token

    def __enter__(self):
        self._token = _wanted.set(True)
        return self

    def __exit__(self, *exc):
        _wanted.reset(self._token)
        return False


def read_connection():
    """The connection for a read-only report or search query written in SQL (the ORM's reads are routed
    by `ReplicaRouter`): the replica inside `replica_reads()` and outside a transaction, else the primary."""
    if _wanted.get() and replica_configured() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return connections[REPLICA]
    return connections[DEFAULT_DB_ALIAS]


def in_context(call):
    """`call` wrapped to run in a copy of the current context: a thread pool's worker then reads from the
    database the submitting request reads from (context variables do not cross into threads)."""
    ctx = contextvars.copy_context()
    return lambda *args, **kwargs: ctx.run(call, *args, **kwargs)


class ReplicaRouter:
    """Reads asked for with `replica_reads()` go to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        if not _wanted.get() or not replica_configured():
            return None  # the default: the primary
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None  # read-your-writes inside a transaction
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: rows from either relate

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's schema by replication
