"""The labelled set of repeats built from the real messages, for the benchmark (bench/bench_repeats.py)
and the tests; see the benchmark's docstring for how it is made. The messages are read from
$XINFANG_DATA_DIR/teddy2020/ (default ../shared/data/teddy2020/ next to the project) and never
copied anywhere; absent, `load_messages` returns None."""

from __future__ import annotations

import csv
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

from . import conf
from .text import Doc, matter_score

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
    """$XINFANG_DATA_DIR, else ../shared/data next to the project (the checkout this file is in, or
    the working directory)."""
    env = os.environ.get("XINFANG_DATA_DIR")
    if env:
        return Path(env)
    for root in (Path(__file__).resolve().parents[4], Path.cwd()):
        candidate = root.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return Path(__file__).resolve().parents[4].parent / "shared" / "data"


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
        for p in sorted(_places(m)):
            by_place.setdefault(p, []).append((m, d))
    shared = sorted(p for p, ms in by_place.items() if len(ms) >= 2)
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
