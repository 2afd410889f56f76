"""Reach sets: each petition names the set of units it has reached (`Petition.reach_set`), so that a
report over a year of petitions tests the user's jurisdiction with one column of the row it reads
anyway, instead of probing the access rows of every petition (0.65 s of a district's year at a million
petitions, docs/performance.md).

The set must be exactly the units of the petition's `PetitionAccess` rows, or NULL (then the access
rows are read, as `petitions_visible` always does). Three things keep it so:

- it is written only here: by `reach_refresh` (the petition's row locked, its access rows read after
  the lock), at registration (the one unit that registers it), and by `fill` (petitions without one);
  a petition's `save` never writes it (`Petition.save`);
- triggers in the database clear it when an access row is added for a unit outside the set, or when one
  is changed or deleted, whoever writes (bulk inserts, imports, raw SQL): the set is then NULL until
  refreshed, never stale. On PostgreSQL the insert trigger always takes the petition's row lock, so a
  refresh that holds it finishes first and the clearing follows it;
- a set, once stored, never changes (`ReachSet.units` is its key).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from .models import Petition, PetitionAccess, ReachSet, ReachSetUnit

# ---- the triggers ----------------------------------------------------------------------------

_SQLITE_TRIGGERS = {
    "petitions_reach_insert": """
        CREATE TRIGGER petitions_reach_insert AFTER INSERT ON petitions_petitionaccess BEGIN
          UPDATE petitions_petition SET reach_set_id = NULL
           WHERE id = NEW.petition_id AND reach_set_id IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM petitions_reachsetunit r
                              WHERE r.unit_id = NEW.unit_id AND r.reach_set_id = petitions_petition.reach_set_id);
        END""",
    "petitions_reach_update": """
        CREATE TRIGGER petitions_reach_update AFTER UPDATE ON petitions_petitionaccess BEGIN
          UPDATE petitions_petition SET reach_set_id = NULL WHERE id IN (OLD.petition_id, NEW.petition_id);
        END""",
    "petitions_reach_delete": """
        CREATE TRIGGER petitions_reach_delete AFTER DELETE ON petitions_petitionaccess BEGIN
          UPDATE petitions_petition SET reach_set_id = NULL WHERE id = OLD.petition_id;
        END""",
}

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION petitions_reach_clear() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- a NULL set is written NULL again: the row lock is taken either way
    UPDATE petitions_petition p SET reach_set_id = NULL
     WHERE p.id = NEW.petition_id
       AND (p.reach_set_id IS NULL
            OR NOT EXISTS (SELECT 1 FROM petitions_reachsetunit r
                            WHERE r.unit_id = NEW.unit_id AND r.reach_set_id = p.reach_set_id));
    RETURN NEW;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE petitions_petition SET reach_set_id = NULL WHERE id IN (OLD.petition_id, NEW.petition_id);
    RETURN NEW;
  END IF;
  UPDATE petitions_petition SET reach_set_id = NULL WHERE id = OLD.petition_id;
  RETURN OLD;
END
$$ LANGUAGE plpgsql"""

def create_triggers(connection) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            for name, sql in _SQLITE_TRIGGERS.items():
                cur.execute(f"DROP TRIGGER IF EXISTS {name}")
                cur.execute(sql)
        elif connection.vendor == "postgresql":
            cur.execute(_PG_FUNCTION)
            cur.execute("DROP TRIGGER IF EXISTS petitions_reach_clear ON petitions_petitionaccess")
            cur.execute("CREATE TRIGGER petitions_reach_clear AFTER INSERT OR UPDATE OR DELETE ON "
                        "petitions_petitionaccess FOR EACH ROW EXECUTE FUNCTION petitions_reach_clear()")


def drop_triggers(connection) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cur.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            cur.execute("DROP TRIGGER IF EXISTS petitions_reach_clear ON petitions_petitionaccess")
            cur.execute("DROP FUNCTION IF EXISTS petitions_reach_clear()")


def triggers_present(connection) -> bool:
    """Whether the clearing triggers exist (a rebuilt access table on SQLite would lose them)."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            names = ", ".join(["%s"] * len(_SQLITE_TRIGGERS))
            cur.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = "
                        f"'petitions_petitionaccess' AND name IN ({names})", list(_SQLITE_TRIGGERS))
            return cur.fetchone()[0] == len(_SQLITE_TRIGGERS)
        if connection.vendor == "postgresql":
            cur.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'petitions_reach_clear' AND NOT tgisinternal")
            return cur.fetchone()[0] == 1
    return False


# ---- the sets ----------------------------------------------------------------------------------

def _key(unit_ids: Iterable[int]) -> str:
    return "," + ",".join(str(u) for u in sorted({int(u) for u in unit_ids})) + ","


def reach_set_id(unit_ids: Iterable[int], *, using: str = "default") -> int:
    """The id of the stored set of these units, stored now if new (with its member rows, at once)."""
    ids = sorted({int(u) for u in unit_ids})
    key = _key(ids)
    found = ReachSet.objects.using(using).filter(units=key).values_list("pk", flat=True).first()
    if found is not None:
        return found
    with transaction.atomic(using=using):
        row, created = ReachSet.objects.using(using).get_or_create(units=key)
        if created:
            ReachSetUnit.objects.using(using).bulk_create([ReachSetUnit(reach_set=row, unit_id=u) for u in ids])
    return row.pk


def reach_refresh(petition_ids: Iterable[int], *, using: str = "default") -> int:
    """Store each petition's set as its access rows stand now (the petitions' rows locked first, so
    that an access row added meanwhile clears it after this, see the module's note); returns how
    many petitions have a set now (one without access rows keeps none)."""
    ids = sorted({int(p) for p in petition_ids})
    if not ids:
        return 0
    with transaction.atomic(using=using):
        locked = Petition.objects.using(using).select_for_update().filter(pk__in=ids).order_by("pk")
        ids = list(locked.values_list("pk", flat=True))
        units: dict[int, set[int]] = defaultdict(set)
        for pid, uid in PetitionAccess.objects.using(using).filter(petition_id__in=ids).values_list(
                "petition_id", "unit_id"):
            units[pid].add(uid)
        by_key: dict[str, list[int]] = defaultdict(list)
        for pid, members in units.items():
            by_key[_key(members)].append(pid)
        for pids in by_key.values():
            sid = reach_set_id(units[pids[0]], using=using)
            for start in range(0, len(pids), 2000):
                Petition.objects.using(using).filter(pk__in=pids[start:start + 2000]).update(reach_set=sid)
        return sum(len(p) for p in by_key.values())


def access_grant(petition: Petition, unit, reason: str) -> bool:
    """The unit reaches the petition (its jurisdiction follows the petition there): the access row, and
    the petition's reach set as it stands now. True when the unit is new to the petition."""
    _row, created = PetitionAccess.objects.get_or_create(petition=petition, unit=unit, defaults={"reason": reason})
    if created:
        reach_refresh([petition.pk])
    return created


def fill(*, using: str = "default", batch: int = 5000, limit: int | None = None) -> int:
    """Store the set of petitions that have none (after the upgrade that added the sets, a bulk load,
    or access rows changed outside the services), oldest id first, each batch in its own transaction;
    at most `limit` petitions looked at. Returns how many got a set."""
    done = seen = last = 0
    while limit is None or seen < limit:
        size = batch if limit is None else min(batch, limit - seen)
        ids = list(Petition.objects.using(using).filter(reach_set__isnull=True, pk__gt=last).order_by("pk")
                   .values_list("pk", flat=True)[:size])
        if not ids:
            break
        last, seen = ids[-1], seen + len(ids)
        done += reach_refresh(ids, using=using)
    return done
