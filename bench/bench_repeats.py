"""Repeats and duplicates (同人 + 同事, issue 12): precision and recall on a labelled set built from the
real messages, and the latency of one check with N stored petitions.

The labelled set (`build_cases`) is made from `../shared/data/teddy2020/messages_labelled.csv` and
`bodies_labelled.csv` (or `$XINFANG_DATA_DIR/teddy2020/`; absent: the benchmark says so and measures
latency only). The messages are never copied anywhere. Originals are de-duplicated by cleaned text
first. Then, for a sample of originals:

- **true repeats**: the original rewritten as petitioners rewrite (`rewrite`): a "再次反映"-type prefix,
  sentences dropped, added (generic petitioner sentences) or reordered, punctuation changed or dropped,
  full-width/half-width swapped, whitespace junk, or a partial copy (the first 40–70% of the text);
  the title repeated, prefixed or cut. Label: same matter.
- **hard negative, same person another matter**: another message (of the same first-level class, so
  same vocabulary) under the same petitioner, half of them starting with "再次反映" too.
- **hard negative, same place another matter**: another message naming the same place (a compound,
  road, village … or the same A市A1区 district) with different content.

Negatives whose two originals are in fact about the same matter (the data holds reposts and copied
texts: the two cleaned texts share a passage of 20 characters) are dropped, and counted.

Reported at the decision thresholds of `xinfang.insight.similarity.conf`: precision and recall of
"repeat" for same-petitioner pairs (the rewrites vs both kinds of negatives), of "duplicate" for the
same pairs taken as from different people (threshold for duplicates), and per rewrite kind. The
latency part stores the originals as petitions (with petitioners) among the N generated ones,
indexes everything (`similarity_backfill`), and times `similar_check` for unsaved intakes (a
rewrite, with the original's petitioner identity): p50/p95/p99 in ms, and the share of true repeats
and duplicates the indexed engine actually returned (retrieval recall).
"""

from __future__ import annotations

import random

from . import Context, Result, run_entry, summary


def run(ctx: Context) -> Result:
    from xinfang.insight.similarity.evaluation import build_cases, data_dir, evaluate, load_messages

    messages = load_messages()
    data: dict = {}
    table: list[tuple[str, str]] = []
    if messages is None:
        data["skipped"] = f"no labelled messages under {data_dir()} (set XINFANG_DATA_DIR)"
        table.append(("labelled set", data["skipped"]))
    else:
        cases, info = build_cases(messages)
        ev = evaluate(cases)
        ev.pop("scores")
        data.update(info=info, pairwise=ev)
        table += [
            ("labelled pairs", f"{info['cases']} from {info['originals']} distinct messages "
                               f"({info['dropped_same_matter_negatives']} same-matter negatives dropped)"),
            (f"repeat ≥ {ev['threshold_repeat']}", f"precision {ev['repeat']['precision']}  recall {ev['repeat']['recall']}"),
            (f"duplicate ≥ {ev['threshold_duplicate']}",
             f"precision {ev['duplicate']['precision']}  recall {ev['duplicate']['recall']}"),
            ("false positives", f"same person {ev['false_positive_rate_neg_person']}, "
                                f"same place {ev['false_positive_rate_neg_place']}"),
            ("recall by rewrite", ", ".join(f"{k} {v['recall']}" for k, v in ev["recall_by_rewrite"].items())),
        ]
    latency = _latency(ctx, messages)
    data["check"] = latency
    table += [(k, str(v)) for k, v in latency.get("table", [])]
    latency.pop("table", None)
    runs = []
    if "p99_ms" in latency:
        runs.append(run_entry("duplicate_check_ms", latency["p99_ms"], "ms", statistic="p99",
                              p50_ms=latency["latency"]["p50_ms"], indexed=latency.get("signatures")))
    return Result("repeats", data, table, runs=runs)


def _latency(ctx: Context, messages) -> dict:
    """Store labelled originals (or generated texts) as petitions with petitioners, index all, and
    time `similar_check` for rewrites submitted as unsaved intakes."""
    import datetime as dt
    import time

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from xinfang.common import crypto
    from xinfang.insight.similarity.evaluation import SEED, Message, rewrite
    from xinfang.insight.similarity.index import index_petition, similarity_backfill
    from xinfang.insight.similarity.models import Signature
    from xinfang.insight.similarity.selectors import Intake, similar_check
    from xinfang.org.models import Unit
    from xinfang.petitions.models import Petition, PetitionAccess, Petitioner, PetitionPetitioner

    rng = random.Random(SEED + 1)
    out: dict = {}
    t0 = time.perf_counter()
    marker = "BENCH-RPT-"
    if messages is not None and not Petition.objects.filter(number__startswith=marker).exists():
        unit = Unit.objects.get(code="DH-XF")
        sample = rng.sample(messages, min(2000, len(messages)))
        now = timezone.now()
        with transaction.atomic():
            rows = [Petition(number=f"{marker}{i:06d}", year=2000, seq=900000 + i, channel="online",
                             received_at=now - dt.timedelta(days=30 + i % 300), receiving_unit=unit,
                             title=m.title[:200], content=m.content, query_code_hash="bench", status="accepted")
                    for i, m in enumerate(sample)]
            Petition.objects.bulk_create(rows, batch_size=500)
            people = [Petitioner(name=f"测试{i}", id_number_index=crypto.blind_index(f"bench-id-{i}", "id"))
                      for i in range(len(rows))]
            Petitioner.objects.bulk_create(people, batch_size=1000)
            PetitionPetitioner.objects.bulk_create(
                [PetitionPetitioner(petition_id=p.pk, petitioner_id=pp.pk) for p, pp in zip(rows, people, strict=True)])
            PetitionAccess.objects.bulk_create(
                [PetitionAccess(petition_id=p.pk, unit_id=unit.pk, reason="register") for p in rows])
    out["store_originals_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    made = similarity_backfill()
    # the stored originals: re-signed if text.py changed since they were indexed (cheap when current)
    for pk, title, content in Petition.objects.filter(number__startswith=marker).values_list("pk", "title", "content"):
        made += index_petition(pk, title, content)
    out["backfill_s"] = round(time.perf_counter() - t0, 1)
    out["backfilled"] = made
    out["signatures"] = Signature.objects.count()
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    user = get_user_model().objects.get(username="demo_clerk")
    stored = list(Petition.objects.filter(number__startswith=marker).order_by("pk")
                  .values_list("pk", "title", "content", "petitioner_links__petitioner__id_number_index"))
    if not stored:  # no data: rewrite generated petitions instead
        stored = list(Petition.objects.order_by("-pk").values_list("pk", "title", "content")[:500])
        stored = [(*s, "") for s in stored]
    rng = random.Random(SEED + 2)  # the same checks whether the originals were stored in this run or before
    trials = rng.sample(stored, min(ctx.repeats * 10, len(stored)))
    samples, found_rep, found_dup = [], 0, 0
    for pk, title, content, id_index in trials:
        t, c, _v = rewrite(rng, Message("", "", title, content, ""))
        intake = Intake(title=t, content=c, id_number_indexes=(id_index,) if id_index else ())
        start = time.perf_counter()
        result = similar_check(user, intake)
        samples.append((time.perf_counter() - start) * 1000)
        found_rep += any(x.petition_id == pk and x.kind == "repeat" and x.above for x in result.candidates)
        # the same text from someone else: found as a duplicate (through the LSH index alone)
        other = similar_check(user, Intake(title=t, content=c))
        found_dup += any(x.petition_id == pk and x.kind == "duplicate" and x.above for x in other.candidates)
    s = sorted(samples)
    p99 = s[min(len(s) - 1, max(0, int(round(0.99 * len(s) + 0.4999)) - 1))]
    out.update(latency=summary(samples), p99_ms=round(p99, 2), trials=len(trials),
               retrieval_recall_repeat=round(found_rep / len(trials), 4),
               retrieval_recall_duplicate=round(found_dup / len(trials), 4))
    out["table"] = [
        ("check latency", f"p50 {out['latency']['p50_ms']} ms  p95 {out['latency']['p95_ms']} ms  p99 {out['p99_ms']} ms "
                          f"({len(trials)} checks, {out['signatures']} indexed petitions)"),
        ("engine recall", f"repeat {out['retrieval_recall_repeat']}  duplicate (LSH) {out['retrieval_recall_duplicate']}"),
        ("index build", f"{out['backfilled']} signatures in {out['backfill_s']} s"),
    ]
    return out
