"""Gap-free counters kept in a row (tracking numbers, document numbers).

`sequence_advance` moves a counter row's `last` on by `count` inside the caller's transaction and
returns the new value: the numbers are never reused and, as a rollback returns them, never skipped.
One statement in the usual case: UPDATE … SET last = last + n … RETURNING last takes the row lock
(PostgreSQL; on SQLite the writing transaction already holds the database's write lock) and reads the
new value at once. A counter's first use creates its row (a concurrent creator waits on the unique
constraint, then both go on to the UPDATE).
"""

from __future__ import annotations

from django.db import connection, transaction


def sequence_advance(model, count: int = 1, **key) -> int:
    """The counter of `model` identified by `key` (field name -> value; a model instance for a foreign
    key) advanced by `count`: its new `last`; the numbers taken are `last - count + 1` … `last`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{model.__name__} numbers are taken inside the transaction that uses them")
    q = connection.ops.quote_name
    where = " AND ".join(f"{q(model._meta.get_field(name).column)} = %s" for name in key)
    values = [getattr(value, "pk", value) for value in key.values()]
    sql = (f"UPDATE {q(model._meta.db_table)} SET {q('last')} = {q('last')} + %s WHERE {where} "
           f"RETURNING {q('last')}")
    for _attempt in range(2):
        with connection.cursor() as cur:
            cur.execute(sql, [count, *values])
            row = cur.fetchone()
        if row is not None:
            return int(row[0])
        model.objects.get_or_create(**key)
    raise RuntimeError(f"the {model.__name__} row could not be created")
