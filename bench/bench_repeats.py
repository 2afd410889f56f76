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

import csv
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

from . import Context, Result, project_dir, summary

SEED = 20261204
N_POSITIVE = 800
N_NEG_PERSON = 800
N_NEG_PLACE = 800
PASSAGE = 20  # negatives share no passage this long (cleaned characters)

PREFIXES = ["再次反映：", "再次反映", "又一次反映，", "我再次反映", "第三次反映：", "重复反映：", "再次请求：", "再次投诉，",
            "我之前反映过的问题至今没有解决，", "此前已反映过，现再次反映：", ""]
ADDED = ["至今没有任何答复。", "希望领导高度重视。", "恳请有关部门尽快处理！", "问题一直没有得到解决。",
         "我们已经多次打电话反映，都没有结果。", "请相关部门给个说法。", "群众意见很大。", "望尽快答复为盼。",
         "之前反映后有人来看过，但没有下文。", "拖了这么久，实在没有办法才再次来信。"]
_SPLIT = re.compile(r"(?<=[。！？!?；;])")


def data_dir() -> Path:
    env = os.environ.get("XINFANG_DATA_DIR")
    return Path(env) if env else project_dir().parent / "shared" / "data"


@dataclass
class Message:
    id: str
    user: str
    title: str
    content: str
    label: str


@dataclass
class Case:
    kind: str  # "repeat" (true) or "neg_person" / "neg_place"
    variant: str  # rewrite kinds, or the negative's kind
    a: Message  # the earlier petition
    b_title: str
    b_content: str

    @property
    def positive(self) -> bool:
        return self.kind == "repeat"


def load_messages(root: Path | None = None) -> list[Message] | None:
    root = (root or data_dir()) / "teddy2020"
    if not (root / "messages_labelled.csv").exists():
        return None
    out = []
    with open(root / "messages_labelled.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out.append(Message(f"m{row['留言编号']}", row["留言用户"], row["留言主题"], row["留言详情"], row["一级标签"]))
    body_file = root / "bodies_labelled.csv"
    if body_file.exists():
        with open(body_file, encoding="utf-8", newline="") as f:
            for i, row in enumerate(csv.DictReader(f)):
                body = row["留言详情"]
                out.append(Message(f"b{i}", f"b{i}", _title_of(body), body, row["一级标签"]))
    return out


def _title_of(body: str) -> str:
    """A subject for a body without one: its first clause, as a clerk would summarise it."""
    first = re.split(r"[。！？!?，,；;\s]", body.strip(), maxsplit=1)[0]
    return first[:30] or body.strip()[:20]


def _sentences(text: str) -> list[str]:
    return [s for s in (p.strip() for p in _SPLIT.split(text.strip())) if s]


def _punctuation(rng: random.Random, text: str) -> str:
    swaps = [("，", ","), ("。", "."), ("：", ":"), ("！", "!"), ("？", "?"), ("（", "("), ("）", ")")]
    mode = rng.choice(["half", "commas", "none", "spaces"])
    if mode == "half":
        for a, b in swaps:
            text = text.replace(a, b)
    elif mode == "commas":
        text = text.replace("。", "，").replace("；", "，")
    elif mode == "none":
        text = re.sub(r"[，。、；：！？,.;:!?]", "", text)
    else:
        text = text.replace("，", " ").replace("。", "\u3000 ")
    return text


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def rewrite(rng: random.Random, m: Message) -> tuple[str, str, str]:
    """(title, content, variant) of a petitioner's rewrite of `m`: it keeps at least 40% of the
    original's sentences' characters (a rewrite that dropped the matter is not a repeat of it)."""
    for _ in range(20):
        title, content, variant, kept = _rewrite(rng, m)
        if kept >= 0.4:
            break
    return title, content, variant


def _rewrite(rng: random.Random, m: Message) -> tuple[str, str, str, float]:
    sents = _sentences(m.content)
    total = max(1, sum(len(s) for s in sents))
    kinds = []
    if len(sents) >= 3 and rng.random() < 0.25:
        kinds.append("partial")
        keep = max(1, int(len(sents) * rng.uniform(0.4, 0.7)))
        start = 0 if rng.random() < 0.7 else rng.randint(0, len(sents) - keep)
        sents = sents[start:start + keep]
    else:
        if len(sents) >= 3 and rng.random() < 0.5:
            kinds.append("drop")
            for _ in range(max(1, len(sents) // 4)):
                sents.pop(rng.randrange(len(sents)))
        if rng.random() < 0.5:
            kinds.append("add")
            for _ in range(rng.randint(1, 3)):
                sents.insert(rng.randint(0, len(sents)), rng.choice(ADDED))
        if len(sents) >= 3 and rng.random() < 0.5:
            kinds.append("reorder")
            i, j = rng.sample(range(len(sents)), 2)
            sents[i], sents[j] = sents[j], sents[i]
            if rng.random() < 0.5:
                rng.shuffle(sents)
    kept = sum(len(s) for s in sents if s not in ADDED) / total
    content = "".join(sents)
    if rng.random() < 0.5:
        kinds.append("punct")
        content = _punctuation(rng, content)
    if rng.random() < 0.2:
        kinds.append("fullwidth")
        content = _fullwidth(content)
    if rng.random() < 0.3:
        kinds.append("junk")
        content = "\n\t\t\u3000" + content.replace("，", "，\u00a0", 1) + "\n\n "
    prefix = rng.choice(PREFIXES)
    if prefix:
        kinds.append("prefix")
    content = prefix + content
    title = m.title
    r = rng.random()
    if r < 0.35:
        title = "再次反映" + title
    elif r < 0.5:
        title = title[: max(6, len(title) * 2 // 3)]
    elif r < 0.6:
        title = "关于" + title + "的问题"
    return title, content, "+".join(kinds) or "copy", kept


# places: a compound, road, village, school … name, or the district (A市A1区)
_PLACE = re.compile(r"([\u4e00-\u9fffA-Za-z0-9]{2,8}?(?:小区|花园|苑|村|路|街|大道|学校|学院|中学|小学|医院|公司|广场|市场))")
_DISTRICT = re.compile(r"([A-Z]\d{0,2}市[A-Z]\d{1,2}[区县])")


def _places(m: Message) -> set[str]:
    text = m.title + m.content
    return set(_DISTRICT.findall(text)) | {p for p in _PLACE.findall(text) if len(p) >= 4}


def build_cases(messages: list[Message], seed: int = SEED) -> tuple[list[Case], dict]:
    from xinfang.insight.similarity.text import Doc

    rng = random.Random(seed)
    seen, originals = set(), []
    for m in messages:
        d = Doc(m.title, m.content)
        if len(d.clean) < 30 or d.clean in seen:
            continue
        seen.add(d.clean)
        originals.append((m, d))
    info = {"messages": len(messages), "originals": len(originals), "dropped_same_matter_negatives": 0}
    cases: list[Case] = []
    for m, _d in rng.sample(originals, min(N_POSITIVE, len(originals))):
        title, content, variant = rewrite(rng, m)
        cases.append(Case("repeat", variant, m, title, content))

    def passages(d) -> set[str]:
        return {d.clean[i:i + PASSAGE] for i in range(0, max(1, len(d.clean) - PASSAGE + 1))}

    def same_matter(da, db) -> bool:
        # a copied passage of PASSAGE characters means the data's own repost or copy: not a negative
        return bool(passages(da) & passages(db))

    by_label: dict[str, list] = {}
    for m, d in originals:
        by_label.setdefault(m.label, []).append((m, d))
    while sum(c.kind == "neg_person" for c in cases) < N_NEG_PERSON:
        m, d = rng.choice(originals)
        o, od = rng.choice(by_label[m.label])
        if o is m:
            continue
        if same_matter(d, od):
            info["dropped_same_matter_negatives"] += 1
            continue
        prefix = rng.choice(PREFIXES) if rng.random() < 0.5 else ""
        cases.append(Case("neg_person", "another matter" + (" +prefix" if prefix else ""), m, o.title,
                          prefix + o.content))
    by_place: dict[str, list] = {}
    for m, d in originals:
        for p in _places(m):
            by_place.setdefault(p, []).append((m, d))
    shared = [p for p, ms in by_place.items() if len(ms) >= 2]
    tries = 0
    while sum(c.kind == "neg_place" for c in cases) < N_NEG_PLACE and shared and tries < 100_000:
        tries += 1
        place = rng.choice(shared)
        (m, d), (o, od) = rng.sample(by_place[place], 2)
        if same_matter(d, od):
            info["dropped_same_matter_negatives"] += 1
            continue
        variant = "same district" if _DISTRICT.fullmatch(place) else "same place"
        cases.append(Case("neg_place", variant, m, o.title, o.content))
    info["cases"] = {k: sum(c.kind == k for c in cases) for k in ("repeat", "neg_person", "neg_place")}
    return cases, info


def _prf(rows: list[tuple[bool, bool]]) -> dict:
    tp = sum(1 for truth, said in rows if truth and said)
    fp = sum(1 for truth, said in rows if not truth and said)
    fn = sum(1 for truth, said in rows if truth and not said)
    return {"precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None, "tp": tp, "fp": fp, "fn": fn}


def evaluate(cases: list[Case]) -> dict:
    """Precision and recall of the pairwise decision at the configured thresholds."""
    from xinfang.insight.similarity import conf
    from xinfang.insight.similarity.text import Doc, matter_score

    rep_t, dup_t = conf.threshold("repeat"), conf.threshold("duplicate")
    scored = []
    for c in cases:
        s = matter_score(Doc(c.a.title, c.a.content), Doc(c.b_title, c.b_content)).score
        scored.append((c, s))
    out = {"threshold_repeat": rep_t, "threshold_duplicate": dup_t,
           "repeat": _prf([(c.positive, s >= rep_t) for c, s in scored]),
           "duplicate": _prf([(c.positive, s >= dup_t) for c, s in scored])}
    per = {}
    for key in ("partial", "drop", "add", "reorder", "punct", "fullwidth", "junk", "prefix", "copy"):
        rows = [(c, s) for c, s in scored if c.positive and key in c.variant.split("+")]
        if rows:
            per[key] = {"n": len(rows), "recall": round(sum(s >= rep_t for _c, s in rows) / len(rows), 4)}
    out["recall_by_rewrite"] = per
    for kind in ("neg_person", "neg_place"):
        rows = [s for c, s in scored if c.kind == kind]
        out[f"false_positive_rate_{kind}"] = round(sum(s >= rep_t for s in rows) / len(rows), 4) if rows else None
    out["scores"] = scored
    return out


def run(ctx: Context) -> Result:
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
    return Result("repeats", data, table)


def _latency(ctx: Context, messages: list[Message] | None) -> dict:
    """Store labelled originals (or generated texts) as petitions with petitioners, index all, and
    time `similar_check` for rewrites submitted as unsaved intakes."""
    import datetime as dt
    import time

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from xinfang.common import crypto
    from xinfang.insight.similarity.index import similarity_backfill
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
