"""Full-text search of petition titles and contents that finds any Chinese word or name (DESIGN §8).

Chinese has no spaces, so a word tokenizer either misses words it does not know (names, places) or
needs a dictionary. Instead every petition gets a derived *document* of character bigrams of its
normalised text, and a query becomes a *phrase* of its own bigrams: consecutive bigram tokens match
exactly where the query is a substring of the text. "幸福小区停车费" is indexed as

    幸福 福小 小区 区停 停车 车费 费

(each run of letters/digits gives its bigrams and then its last character alone, so a one-character
query is a prefix query that sees every occurrence of the character). Punctuation and spaces end a
run; a query made of several runs ("张三，停车") needs every run (AND).

The index is a real index on both databases, never a table scan:

- SQLite: the FTS5 virtual table ``petitions_search`` (tokenizer ``ascii``: every non-ASCII
  character is a token character, so our space-separated tokens are taken as they are). Queried
  with ``MATCH '"停车 车费"'`` (a phrase) or ``'"张"*'`` (a prefix). Its rowid is the petition's
  *date key* (`KEY_SQL`): the second it was received (since 2000-01-01 UTC) times 2**31 plus the
  petition id, so the index itself lists the matches newest first (``ORDER BY rowid DESC``) and a
  page of a common word reads a page's worth of matches instead of every match (`text_join`); the
  petition id is ``rowid & ID_MASK``. ``petitions_search_key (petition_id, key)`` remembers each
  petition's key, so a petition's entry is replaced exactly. Petition ids must stay below 2**31 on
  SQLite (about two billion petitions).
- PostgreSQL: the table ``petitions_search (petition_id, part, doc tsvector, received_at)`` with a
  GIN index, queried with ``doc @@ '停车 <-> 车费'::tsquery``. The tsvector is built from a literal
  with positions, so no text-search parser or locale is involved. A tsvector keeps positions only up
  to 16383 and at most 256 per lexeme, so long texts are stored in overlapping parts of
  ``CHUNK_TOKENS`` tokens. ``received_at`` is the petition's, copied when the row is written
  (migration 0010), with the index ``(received_at, petition_id)``: a page of a common word newest
  first walks that index and tests each row's own document (`text_join` with ``walk``), without
  visiting the petition or probing the text table per row. The table is never scanned by parallel
  workers (``parallel_workers = 0``): its queries stop at a page's end or a count's cap, which
  workers read past, and their start-up costs more than they save on small machines.

The index is not a Django model: it is created by migration ``0004_search`` and kept in sync by
``index_petitions`` (called from ``petition_create``, bulk loaders and ``xinfang search_reindex``).
Queries always join back to ``petitions_petition`` (``pk IN (…)`` or, on SQLite, a join on the
key's id), so a stale row (a deleted petition, a test flush) is harmless, and writes replace the
petition's rows.

Petitioners' names are not in the documents (they are personal data, not the matter's text). A
query that is exactly a petitioner's name also finds that petitioner's petitions through the
indexed name column (`name_q`), but only the petitions through which the searching user may know
who brought them: an accusation whose accuser is hidden from the user (outside its handling chain,
S22 Art 30) is never found by the accuser's name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from django.db import connections
from django.db.models import BooleanField, F, Func, Q
from django.db.models.expressions import RawSQL

TABLE = "petitions_search"
KEY_TABLE = "petitions_search_key"  # SQLite: petition id -> its rowid (date key) in TABLE
ID_BITS = 31
ID_MASK = 2**ID_BITS - 1  # SQLite: the petition id is the date key's low bits
KEY_EPOCH = 946684800  # 2000-01-01T00:00:00Z
# SQLite: the date key of a petition row `p` (whole seconds since KEY_EPOCH, then the id): in the
# order of (received_at, id) up to the second, unique while ids stay below 2**31 (received_at is
# stored as UTC text; strftime('%s') floors it to the second, before 1970 too; the format is spelt
# char(37) || 's' so that no '%' reaches the driver's parameter substitution)
KEY_SQL = f"((CAST(strftime(char(37) || 's', p.received_at) AS INTEGER) - {KEY_EPOCH}) * {2**ID_BITS} + p.id)"
GIN_INDEX = "petitions_search_doc_gin"
DATE_INDEX = "petitions_search_received"  # PostgreSQL: (received_at, petition_id)
MAX_QUERY_CHARS = 100  # longer queries are cut (the form refuses them first)
MAX_QUERY_RUNS = 12
CHUNK_TOKENS = 2000  # PostgreSQL: tokens per tsvector part
CHUNK_OVERLAP = MAX_QUERY_CHARS + 28  # > the longest phrase, so no match is lost at a part boundary
BATCH = 500

_RUN = re.compile(r"[^\W_]+")  # letters and digits of any script; everything else separates


# ---- text to tokens -------------------------------------------------------------------------

def _runs(text: str | None) -> list[str]:
    if not text:
        return []
    return _RUN.findall(unicodedata.normalize("NFKC", text).lower())


def document_tokens(*texts: str | None) -> list[str]:
    """The index tokens of the texts, in order: each run's bigrams, then its last character."""
    tokens: list[str] = []
    for text in texts:
        for run in _runs(text):
            tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
            tokens.append(run[-1])
    return tokens


def query_terms(q: str | None) -> list[tuple[str, list[str]]]:
    """The query as ("phrase", bigrams) or ("prefix", [char]) terms, all of which must match."""
    q = (q or "")[: MAX_QUERY_CHARS * 4]
    terms: list[tuple[str, list[str]]] = []
    used = 0
    seen: set[str] = set()
    for run in _runs(q):
        run = run[: max(MAX_QUERY_CHARS - used, 0)]
        if not run or len(terms) >= MAX_QUERY_RUNS:
            break
        used += len(run)
        if run in seen:
            continue
        seen.add(run)
        if len(run) == 1:
            terms.append(("prefix", [run]))
        else:
            terms.append(("phrase", [run[i:i + 2] for i in range(len(run) - 1)]))
    return terms


def fts5_query(terms: Sequence[tuple[str, list[str]]]) -> str:
    """SQLite FTS5 MATCH string. Tokens are letters/digits only, so double quotes are safe."""
    parts = []
    for kind, tokens in terms:
        parts.append(f'"{tokens[0]}"*' if kind == "prefix" else '"' + " ".join(tokens) + '"')
    return " AND ".join(parts)


def _pg_quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def pg_tsquery(terms: Sequence[tuple[str, list[str]]]) -> str:
    """PostgreSQL tsquery literal: phrases with <->, prefixes with :*, joined with &."""
    parts = []
    for kind, tokens in terms:
        if kind == "prefix":
            parts.append(_pg_quote(tokens[0]) + ":*")
        else:
            parts.append("(" + " <-> ".join(_pg_quote(t) for t in tokens) + ")")
    return " & ".join(parts)


def pg_tsvectors(tokens: Sequence[str]) -> list[str]:
    """tsvector literals (one per overlapping part) with 1-based positions."""
    if not tokens:
        return [""]
    parts = []
    start = 0
    while True:
        chunk = tokens[start:start + CHUNK_TOKENS + CHUNK_OVERLAP]
        positions: dict[str, list[int]] = {}
        for i, tok in enumerate(chunk, start=1):
            positions.setdefault(tok, []).append(i)
        parts.append(" ".join(_pg_quote(tok) + ":" + ",".join(map(str, pos[:256])) for tok, pos in positions.items()))
        start += CHUNK_TOKENS
        if start + CHUNK_OVERLAP >= len(tokens) or start >= len(tokens):
            break
    return parts


# ---- schema -----------------------------------------------------------------------------------

def create_schema(connection) -> None:
    """Create the index structures (used by migration 0004_search)."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(doc, tokenize='ascii', columnsize=0)")
            cur.execute(f"CREATE TABLE IF NOT EXISTS {KEY_TABLE} (petition_id integer PRIMARY KEY, key integer NOT NULL)")
        elif connection.vendor == "postgresql":
            cur.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (petition_id bigint NOT NULL, part smallint NOT NULL,"
                        f" doc tsvector NOT NULL, received_at timestamptz NOT NULL, PRIMARY KEY (petition_id, part))")
            cur.execute(f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON {TABLE} USING gin (doc)")
    if connection.vendor == "postgresql":
        pg_date_column(connection)


def pg_date_column(connection) -> None:
    """PostgreSQL: give the index table its petitions' receipt times, the date index and no parallel
    scans (migration 0010; a table made by today's `create_schema` has the column already). A table
    without the column is copied once with the times joined from the petitions (no text is read
    again; rows of petitions that no longer exist are left behind: queries join the petitions, so
    they were never found) and its indexes are built anew, rather than updated row by row, which
    would write every row and its GIN entries twice."""
    with connection.cursor() as cur:
        columns = [c.name for c in connection.introspection.get_table_description(cur, TABLE)]
        if "received_at" not in columns:
            cur.execute(f"CREATE TABLE {TABLE}_dated AS SELECT s.petition_id, s.part, s.doc, p.received_at"
                        f" FROM {TABLE} s JOIN petitions_petition p ON p.id = s.petition_id"
                        f" ORDER BY s.petition_id, s.part")
            cur.execute(f"DROP TABLE {TABLE}")
            cur.execute(f"ALTER TABLE {TABLE}_dated RENAME TO {TABLE}")
            cur.execute(f"ALTER TABLE {TABLE} ALTER COLUMN petition_id SET NOT NULL, ALTER COLUMN part SET NOT NULL,"
                        f" ALTER COLUMN doc SET NOT NULL, ALTER COLUMN received_at SET NOT NULL,"
                        f" ADD PRIMARY KEY (petition_id, part)")
            cur.execute(f"CREATE INDEX {GIN_INDEX} ON {TABLE} USING gin (doc)")
            cur.execute(f"ANALYZE {TABLE}")
        cur.execute(f"CREATE INDEX IF NOT EXISTS {DATE_INDEX} ON {TABLE} (received_at, petition_id)")
        cur.execute(f"ALTER TABLE {TABLE} SET (parallel_workers = 0)")


def pg_drop_date_column(connection) -> None:
    """Undo `pg_date_column` (migration 0010 backwards)."""
    with connection.cursor() as cur:
        cur.execute(f"DROP INDEX IF EXISTS {DATE_INDEX}")
        cur.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS received_at")
        cur.execute(f"ALTER TABLE {TABLE} RESET (parallel_workers)")


def drop_schema(connection) -> None:
    if connection.vendor in ("sqlite", "postgresql"):
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {TABLE}")
            cur.execute(f"DROP TABLE IF EXISTS {KEY_TABLE}")


def sqlite_date_keys(connection) -> None:
    """Give an index made before the date keys (rowid = petition id) its date keys (migration 0009).
    The documents are copied as they are (no text is read again)."""
    with connection.cursor() as cur:
        if KEY_TABLE in connection.introspection.table_names(cur):
            return  # made by `create_schema` with date keys already
        cur.execute(f"CREATE TABLE {KEY_TABLE} (petition_id integer PRIMARY KEY, key integer NOT NULL)")
        cur.execute(f"INSERT INTO {KEY_TABLE} (petition_id, key) SELECT p.id, {KEY_SQL} FROM petitions_petition p")
        cur.execute(f"CREATE VIRTUAL TABLE {TABLE}_dated USING fts5(doc, tokenize='ascii', columnsize=0)")
        cur.execute(f"INSERT INTO {TABLE}_dated (rowid, doc) SELECT k.key, s.doc FROM {TABLE} s"
                    f" JOIN {KEY_TABLE} k ON k.petition_id = s.rowid ORDER BY k.key")
        cur.execute(f"DROP TABLE {TABLE}")
        cur.execute(f"ALTER TABLE {TABLE}_dated RENAME TO {TABLE}")
        cur.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")


def supported(connection) -> bool:
    return connection.vendor in ("sqlite", "postgresql")


# ---- writes -----------------------------------------------------------------------------------

def index_documents(rows: Iterable[tuple[int, str, str, str]], *, using: str = "default") -> int:
    """Index (id, title, content, demands) rows, replacing what was stored for those ids."""
    connection = connections[using]
    if not supported(connection):
        return 0
    n = 0
    batch: list[tuple[int, list[str]]] = []
    for pid, title, content, demands in rows:
        batch.append((int(pid), document_tokens(title, content, demands)))
        if len(batch) >= BATCH:
            n += _write(connection, batch)
            batch = []
    if batch:
        n += _write(connection, batch)
    return n


def _sqlite_forget(cur, ids: list[int]) -> None:
    """SQLite: remove the petitions' entries (found by the keys remembered for them) and those keys."""
    marks = ", ".join(["%s"] * len(ids))
    cur.execute(f"DELETE FROM {TABLE} WHERE rowid IN (SELECT key FROM {KEY_TABLE} WHERE petition_id IN ({marks}))",
                ids)
    cur.execute(f"DELETE FROM {KEY_TABLE} WHERE petition_id IN ({marks})", ids)


def _write(connection, batch: list[tuple[int, list[str]]]) -> int:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            ids = [pid for pid, _ in batch]
            if max(ids) > ID_MASK:
                raise ValueError(f"petition id {max(ids)} is beyond the SQLite text index's keys (2**{ID_BITS})")
            marks = ", ".join(["%s"] * len(ids))
            _sqlite_forget(cur, ids)  # their earlier entries, then their current keys (none if not stored)
            cur.execute(f"INSERT INTO {KEY_TABLE} (petition_id, key) SELECT p.id, {KEY_SQL} FROM petitions_petition p"
                        f" WHERE p.id IN ({marks})", ids)
            cur.executemany(f"INSERT OR REPLACE INTO {TABLE}(rowid, doc) SELECT key, %s FROM {KEY_TABLE}"
                            f" WHERE petition_id = %s", [(" ".join(tokens), pid) for pid, tokens in batch])
        else:
            ids = [pid for pid, _ in batch]
            cur.execute(f"DELETE FROM {TABLE} WHERE petition_id = ANY(%s)", [ids])
            # each row carries its petition's receipt time, taken from the stored row by the insert itself
            # (a petition not stored is not indexed; no read of its own inside registration's transaction)
            cur.executemany(f"INSERT INTO {TABLE}(petition_id, part, doc, received_at)"
                            f" SELECT p.id, %s, CAST(%s AS tsvector), p.received_at"
                            f" FROM petitions_petition p WHERE p.id = %s",
                            [(part, vec, pid) for pid, tokens in batch
                             for part, vec in enumerate(pg_tsvectors(tokens))])
    return len(batch)


def _petition_rows(connection, ids: Sequence[int] | None, *, chunk: int = 2000):
    """(id, title, content, demands) from the petitions table, by raw SQL (usable in migrations)."""
    with connection.cursor() as cur:
        if ids is None:
            last = 0
            while True:
                cur.execute("SELECT id, title, content, demands FROM petitions_petition WHERE id > %s"
                            " ORDER BY id LIMIT %s", [last, chunk])
                rows = cur.fetchall()
                if not rows:
                    return
                yield from rows
                last = rows[-1][0]
        else:
            ids = list(ids)
            for i in range(0, len(ids), chunk):
                part = ids[i:i + chunk]
                marks = ", ".join(["%s"] * len(part))
                cur.execute(f"SELECT id, title, content, demands FROM petitions_petition WHERE id IN ({marks})", part)
                yield from cur.fetchall()


def index_petitions(ids: Iterable[int], *, using: str = "default") -> int:
    """(Re)index the given petitions from their stored text. Call inside the writing transaction."""
    connection = connections[using]
    if not supported(connection):
        return 0
    return index_documents(list(_petition_rows(connection, list(ids))), using=using)


def index_petition(petition) -> int:
    """Index one saved petition from its in-memory text (no extra read)."""
    return index_documents([(petition.pk, petition.title, petition.content, petition.demands)],
                           using=petition._state.db or "default")


def reindex_all(*, using: str = "default", connection=None) -> int:
    """Empty the index and index every petition (``xinfang search_reindex``, migration 0004)."""
    connection = connection or connections[using]
    if not supported(connection):
        return 0
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {TABLE}")
        if connection.vendor == "sqlite":
            cur.execute(f"DELETE FROM {KEY_TABLE}")
    n = 0
    batch: list[tuple[int, list[str]]] = []
    for pid, title, content, demands in _petition_rows(connection, None):
        batch.append((pid, document_tokens(title, content, demands)))
        if len(batch) >= BATCH:
            n += _write(connection, batch)
            batch = []
    if batch:
        n += _write(connection, batch)
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")
    else:
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {TABLE}")
    return n


def remove_petitions(ids: Iterable[int], *, using: str = "default") -> None:
    connection = connections[using]
    ids = [int(i) for i in ids]
    if not ids or not supported(connection):
        return
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            _sqlite_forget(cur, ids)
        else:
            cur.execute(f"DELETE FROM {TABLE} WHERE petition_id IN ({', '.join(['%s'] * len(ids))})", ids)


# ---- reads ------------------------------------------------------------------------------------

class _IdInSubquery(Func):
    """The petition's key tested against the ids of a raw subquery, in the form `SQL` names."""

    output_field = BooleanField()
    SQL = "{pk} IN ({ids})"

    def __init__(self, sql: str, params: Sequence):
        super().__init__(F("pk"))
        self.sql, self.params = sql, tuple(params)

    def as_sql(self, compiler, connection, **extra):
        lhs, lhs_params = compiler.compile(self.source_expressions[0])
        return self.SQL.format(pk=lhs, ids=self.sql), (*lhs_params, *self.params)


class IdInArray(_IdInSubquery):
    """``pk = ANY(ARRAY(<subquery>))`` (PostgreSQL): the matching ids are collected once from the
    GIN index, then the petitions are fetched by primary key. With ``pk IN (<subquery>)`` the planner
    hashes the ids and scans the whole petitions table for common words."""

    SQL = "{pk} = ANY(ARRAY({ids}))"


def text_q(q: str | None, *, using: str = "default", user=None, by_order: bool = False) -> Q | None:
    """A Q on Petition matching the text query through the index; None when `q` has no letters.
    With `user`, a query that is exactly a petitioner's name also matches their petitions that
    `user` may know the petitioners of (`name_q`); the caller still scopes the rows to `user`.

    `by_order`: the same rows, for a page ordered by an indexed column (newest first). PostgreSQL:
    `MatchExists` for a common word (`is_common`), the date index walked; a rare one's matches
    are collected and sorted. (SQLite pages join the index instead: `text_join`.)

    Callers decide what an empty query means (no text filter); a query of punctuation only matches
    nothing (``Q(pk__in=[])``)."""
    if not (q or "").strip():
        return None
    cond = _text_q(q, using=using, by_order=by_order)
    named = name_q(q, user, using=using) if user is not None else None
    return cond | named if named is not None else cond


NAME_MIN, NAME_MAX = 2, 64  # a name as intake stores it (petitions.services.petitioner_upsert)


def name_q(q: str | None, user, *, using: str = "default") -> Q | None:
    """A Q on Petition: the petitions of the petitioners named exactly `q` through which `user` may
    know who brought them (never an accusation whose accuser is hidden from `user`); None when no
    petitioner has that name (one indexed look-up), so an ordinary word adds nothing to the query."""
    from xinfang.common.text import normalise

    from .lookup import identity_visible_q
    from .models import Petitioner, PetitionPetitioner

    name = normalise(q)
    if not NAME_MIN <= len(name) <= NAME_MAX or not _RUN.search(name):
        return None
    people = Petitioner.objects.using(using).filter(name=name)
    if not people.exists():
        return None
    links = PetitionPetitioner.objects.using(using).filter(petitioner__in=people).values("petition_id")
    if connections[using].vendor == "postgresql":  # as for the text: collect the ids once, then by key
        sql, params = links.query.get_compiler(using).as_sql()
        found = Q(IdInArray(sql, params))
    else:
        found = Q(pk__in=links)
    return found & identity_visible_q(user)


class MatchExists(Func):
    """``EXISTS(SELECT 1 FROM petitions_search s WHERE s.petition_id = pk AND s.doc @@ query OFFSET
    0)`` (PostgreSQL, `text_q`'s by_order for a common word, `is_common`): tested petition by
    petition while the date index is walked newest first, stopping at the page's end. ``OFFSET 0``
    keeps the planner from turning it into a join, which it would do by its estimate of the
    matches, an estimate that is far too low for phrases (it multiplies the words' frequencies:
    45 rows where 6,825 match), and then it fetches, rechecks and sorts every match."""

    output_field = BooleanField()

    def __init__(self, tsquery: str):
        super().__init__(F("pk"))
        self.tsquery = tsquery

    def as_sql(self, compiler, connection, **extra):
        lhs, lhs_params = compiler.compile(self.source_expressions[0])
        return (f"EXISTS(SELECT 1 FROM {TABLE} s WHERE s.petition_id = {lhs} AND s.doc @@ CAST(%s AS tsquery)"
                f" OFFSET 0)", (*lhs_params, self.tsquery))


COMMON_HITS = 2000  # a query with at least this many matches (in all petitions) is common


def is_common(q: str | None, *, using: str = "default", hits: int | None = None) -> bool:
    """PostgreSQL: whether the index holds at least `hits` matching documents of `q` (in any scope),
    reading at most `hits` of them: then a page newest first walks a date index and tests each
    row (`text_join` with `walk` for the word alone, `MatchExists` with other criteria), otherwise
    the matches are collected and sorted. (SQLite reads its index in date order, `text_join`.)"""
    hits = COMMON_HITS if hits is None else hits
    terms = query_terms(q)
    connection = connections[using]
    if not terms or connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE doc @@ CAST(%s AS tsquery) LIMIT %s) x",
                    [pg_tsquery(terms), hits])
        return cur.fetchone()[0] >= hits


# ---- the petitions joined to the index, read as a stream -------------------------------------

def joins(using: str = "default", *, by_order: bool = False) -> bool:
    """Whether `text_join` joins the index: SQLite always (its date keys serve a page in date
    order too), PostgreSQL for rows in no particular order (a count, an export; a page in date
    order is `text_join`'s `walk` form or `MatchExists` for a common word, see
    `filters.petitions_search`, and the sorted matches of a rare one)."""
    vendor = connections[using].vendor
    return vendor == "sqlite" or (vendor == "postgresql" and not by_order)


def text_join(qs, q: str | None, *, using: str = "default", walk: bool = False):
    """`qs` (petitions) restricted to those whose text matches `q` by joining the index, so that
    the database reads the matches as a stream and stops where the query does (a count's cap, a
    page's end) instead of collecting every match's id first (``id IN (SELECT …)`` and
    ``= ANY(ARRAY(…))`` are evaluated in full: 80,000 ids for a common word over 1,000,000
    petitions).

    - SQLite: ``FROM petitions_petition, petitions_search WHERE petitions_search MATCH … AND id =
      rowid & ID_MASK``; each petition has one entry. In `date_ordered` order the index is read
      newest first and the reading stops at the page's end.
    - PostgreSQL: ``… WHERE doc @@ … AND petition_id = id`` from a bitmap scan of the GIN index,
      the first matching part of a petition's document only (a long text has several parts), so
      no petition comes twice. With `walk` (a common word, for a page in `date_ordered` order) the
      condition is ``CASE WHEN doc @@ … THEN true END``, which the GIN index cannot answer and which
      the planner takes to hold for half the rows: it walks the date index of the index table newest
      first, tests each row's document and stops at the page's end. (With the plain condition it
      walks that index for any word it does not know from its statistics, a rare one too, which
      then reads the whole table: 350 ms for 张伟 at 100,000 petitions.)

    A query without letters or digits matches nothing (as `text_q`)."""
    terms = query_terms(q)
    if not terms:
        return qs.none()
    ops = connections[using].ops
    table = ops.quote_name(TABLE)
    pk = f"{ops.quote_name(qs.model._meta.db_table)}.{qs.model._meta.pk.column}"
    if connections[using].vendor == "sqlite":
        return qs.extra(tables=[TABLE], where=[f"{table} MATCH %s", f"{pk} = ({table}.rowid & {ID_MASK})"],
                        params=[fts5_query(terms)])
    tsquery = pg_tsquery(terms)
    match = f"{table}.doc @@ CAST(%s AS tsquery)"
    return qs.extra(tables=[TABLE], where=[
        f"(CASE WHEN {match} THEN true END)" if walk else match, f"{pk} = {table}.petition_id",
        f"NOT EXISTS (SELECT 1 FROM {table} s2 WHERE s2.petition_id = {table}.petition_id"
        f" AND s2.part < {table}.part AND s2.doc @@ CAST(%s AS tsquery))"], params=[tsquery, tsquery])


def is_joined(qs) -> bool:
    """Whether `qs` holds `text_join`'s join (so it can be read in `date_ordered` order: on
    PostgreSQL only the `walk` form is given that order, see `text_join`)."""
    return TABLE in qs.query.extra_tables and connections[qs.db].vendor in ("sqlite", "postgresql")


def date_ordered(qs, *, descending: bool = True):
    """`text_join`'s rows in the index's order, newest first (or oldest first); the database walks
    the index in that order and stops at the page's end. SQLite: received_at to the second, then the
    id (the date key), for a common word as for a rare one. PostgreSQL: received_at, then the id
    (the index table's copy of them), for `text_join`'s `walk` form."""
    connection = connections[qs.db]
    table = connection.ops.quote_name(TABLE)
    cols = ["rowid"] if connection.vendor == "sqlite" else ["received_at", "petition_id"]
    keys = [RawSQL(f"{table}.{col}", ()) for col in cols]
    return qs.order_by(*[key.desc() if descending else key.asc() for key in keys])


def _text_q(q: str, *, using: str, by_order: bool = False) -> Q:
    terms = query_terms(q)
    if not terms:
        return Q(pk__in=[])
    connection = connections[using]
    if connection.vendor == "sqlite":
        sql, params = f"SELECT rowid & {ID_MASK} FROM {TABLE} WHERE {TABLE} MATCH %s", (fts5_query(terms),)
        return Q(pk__in=RawSQL(sql, params))
    if connection.vendor == "postgresql":
        if by_order and is_common(q, using=using):
            return Q(MatchExists(pg_tsquery(terms)))
        return Q(IdInArray(f"SELECT petition_id FROM {TABLE} WHERE doc @@ CAST(%s AS tsquery)", (pg_tsquery(terms),)))
    # another database: a scan, kept correct
    cond = Q()
    text = unicodedata.normalize("NFKC", q).lower()
    for run in _RUN.findall(text)[:MAX_QUERY_RUNS]:
        cond &= Q(title__icontains=run) | Q(content__icontains=run) | Q(demands__icontains=run)
    return cond


def matching_ids(q: str, *, using: str = "default", limit: int | None = None) -> list[int]:
    """Petition ids whose text matches `q` (unscoped: for tests and tools; lists use `text_q`)."""
    from .models import Petition

    cond = text_q(q, using=using)
    if cond is None:
        return []
    qs = Petition.objects.using(using).filter(cond).order_by("-id").values_list("pk", flat=True)
    return list(qs[:limit] if limit else qs)
