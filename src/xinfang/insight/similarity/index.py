"""The stored signatures (Signature, Band) and the indexed look-up of petitions worth scoring.

Kept in sync by a post_save receiver on Petition (connected in apps.py): a new petition, or a saved
one whose title or content changed, gets its signature and band keys in the same transaction. Rows
written around the ORM (bulk loaders, the benchmark generator, data from before this app) are
indexed by `similarity_backfill()`, which is idempotent and cheap to re-run (only petitions without
a signature are read). Deleting a petition deletes its rows (CASCADE).

Look-up (`band_candidates`): the query's band keys, per key at most BAND_LIMIT of the latest
petitions sharing it (an index range scan on (key, petition)), counted per petition; the petitions
sharing the most bands come first. The cost is bounded whatever the table holds.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from django.db import connection, transaction

from . import conf
from .models import Band, Signature
from .text import Doc, bands, minhash


def signature_of(doc: Doc) -> np.ndarray:
    return minhash(doc.grams)


def index_petition(petition_id: int, title: str, content: str, *, new: bool = False) -> bool:
    """Store the petition's signature and band keys; False when they were already current. `new`: the
    petition was just created (nothing stored to compare with)."""
    doc = Doc(title, content)
    if not new:
        current = Signature.objects.filter(petition_id=petition_id).values_list("digest", flat=True).first()
        if current == doc.digest:
            return False
    sig = signature_of(doc)
    band_rows = [Band(petition_id=petition_id, bucket=k) for k in bands(sig)]
    if new:  # nothing stored yet: plain inserts, inside the caller's transaction
        Signature.objects.create(petition_id=petition_id, digest=doc.digest, minhash=sig.tobytes())
        Band.objects.bulk_create(band_rows)
        return True
    with transaction.atomic():
        Signature.objects.update_or_create(petition_id=petition_id,
                                           defaults={"digest": doc.digest, "minhash": sig.tobytes()})
        Band.objects.filter(petition_id=petition_id).delete()
        Band.objects.bulk_create(band_rows)
    return True


def on_petition_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    if update_fields is not None and not {"title", "content"} & set(update_fields):
        return
    index_petition(instance.pk, instance.title, instance.content, new=created)


def similarity_backfill(batch: int = 2000, log=None, *, rebuild: bool = False) -> int:
    """Index every petition that has no signature yet (after bulk loads, or once after installing this
    app). `rebuild=True` first drops every signature (after a change of text.py's normalisation, which
    changes signatures). Returns how many were indexed."""
    from xinfang.petitions.models import Petition

    if rebuild:
        with transaction.atomic():
            Band.objects.all().delete()
            Signature.objects.all().delete()
    made, last = 0, 0
    while True:
        rows = list(Petition.objects.filter(pk__gt=last).exclude(pk__in=Signature.objects.values("petition_id"))
                    .order_by("pk").values_list("pk", "title", "content")[:batch])
        if not rows:
            return made
        sigs, band_rows = [], []
        for pk, title, content in rows:
            doc = Doc(title, content)
            sig = signature_of(doc)
            sigs.append(Signature(petition_id=pk, digest=doc.digest, minhash=sig.tobytes()))
            band_rows.extend(Band(petition_id=pk, bucket=k) for k in bands(sig))
        with transaction.atomic():
            Signature.objects.bulk_create(sigs, batch_size=1000)
            Band.objects.bulk_create(band_rows, batch_size=5000)
        made += len(rows)
        last = rows[-1][0]
        if log:
            log(f"  similarity index: {made} petitions")


def band_candidates(sig: np.ndarray, *, exclude: int | None = None, limit: int | None = None) -> list[int]:
    """Petition ids sharing at least one band key with `sig`, most shared bands first (then newest)."""
    keys = bands(sig)
    per_band = int(conf.get("BAND_LIMIT"))
    table = Band._meta.db_table
    parts = " UNION ALL ".join(
        f"SELECT * FROM (SELECT petition_id FROM {table} WHERE bucket = %s ORDER BY petition_id DESC LIMIT {per_band}) b{i}"
        for i in range(len(keys)))
    with connection.cursor() as cur:
        cur.execute(parts, keys)
        counts = Counter(r[0] for r in cur.fetchall())
    counts.pop(exclude, None)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], -kv[0]))
    return [pk for pk, _n in ranked[: limit or len(ranked)]]


def signatures(ids) -> dict[int, np.ndarray]:
    return {pk: np.frombuffer(bytes(raw), dtype=np.uint32)
            for pk, raw in Signature.objects.filter(petition_id__in=list(ids)).values_list("petition_id", "minhash")}
