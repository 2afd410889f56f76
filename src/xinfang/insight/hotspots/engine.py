"""The hot-spot engine on plain texts (no database): vectors, grouping, the 热度 index and the trend.

Used on petitions from the database (`selectors`) and on a list of texts read from a CSV file (`cli`),
so both go through the same code.

Text: title and content, each normalised (`common.text.normalise`: NFKC, every kind of space folded).
Three views of it, each TF-IDF (sublinear term frequency) and L2-normalised, joined with weights
(`WEIGHTS`; the cosine of two texts is then the weighted mean of the three cosines):
- title words: jieba's search-mode segmentation of the title, without stop words;
- title characters: 2- and 3-grams of the title (names jieba splits: "魅力之城");
- anchors: the names of places and objects (a short name before 小区, 学院, 公司, 村, 路 ... in the title
  and the content's first `ANCHOR_CHARS` characters), as character 2- to 4-grams: "the same place or
  object" weighs half, because petitions about one place describe it in very different words
  (油烟, 噪音, 夜宵摊 at one residential compound).
Terms found in more than `MAX_DF` (anchors `ANCHOR_MAX_DF`) of the texts are dropped (sets of 200
texts or more).

Grouping ("the same place, object or event"): the cosine similarity of every pair of texts is
computed sparsely (only pairs at or above `LOOSE`); the connected components of that graph are
blocks, and inside each block average-linkage agglomerative clustering cuts at `THRESHOLD` (two
groups join when the mean similarity between their texts is at least `THRESHOLD`). Average linkage
does not chain unrelated texts through one bridge the way connected components alone would.

Parameters chosen on hot_issue_messages.csv (the known clusters of hot_issue_seed_clusters.csv,
tests/insight/hotspots/test_csv.py); the content beyond the anchors is not used (slow to segment,
and its narrative joined unrelated matters).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from xinfang.common.text import normalise

logger = logging.getLogger(__name__)

ANCHOR_CHARS = 60  # the content's first characters searched for names of places and objects
MAX_DF = 0.05  # terms in more than this share of the texts are dropped (too common to tell matters apart)
ANCHOR_MAX_DF = 0.02
WEIGHTS = {"title_words": 0.25, "title_chars": 0.25, "anchors": 0.5}
LOOSE = 0.25  # the blocking graph: pairs at or above this similarity
THRESHOLD = 0.20  # the average-linkage cut: mean similarity between two groups to join them
MIN_ITEMS = 2  # a hot spot has at least this many petitions
MAX_BLOCK = 1500  # the most texts grouped by average linkage at once (see `_blocks`)
BLOCK_STEP = 0.1

_init_lock = threading.Lock()
# Words common to most petitions whatever their matter (greetings, the board's boilerplate).
_STOP = """
反映 问题 请求 希望 要求 关于 有关 相关 领导 政府 部门 您好 你好 尊敬 谢谢 感谢 请问 咨询 建议 投诉 举报
我们 你们 他们 自己 没有 什么 怎么 为什么 这个 那个 这些 那些 一个 已经 还是 但是 因为 所以 如果 可以 现在
情况 处理 解决 进行 相关 市民 群众 居民 本人 一下 一直 至今 多次 严重 请求 尽快 能否 是否 如何
"""
STOPWORDS = frozenset(_STOP.split())
_JUNK = re.compile(r"[0-9０-９A-Za-z_]+")
_SUFFIXES = ("小区|花园|公寓|家园|学院|大学|学校|中学|小学|幼儿园|医院|公司|广场|市场|公园|大厦|新城|之城|苑|村|镇|"
             "街道|路|厂|站")
_ANCHOR = re.compile(r"([\u4e00-\u9fa5A-Za-z0-9]{2,8}?)(" + _SUFFIXES + ")")
# the pseudonymised or real administrative prefix ("A市", "西地省", "A5区") names no one place
_ADMIN = re.compile(r"^(?:A市|西地省|[A-Z]\d*区|[A-Z]\d*县|[\u4e00-\u9fa5]{2}[省市])+")
_LEAD = re.compile(r"^(?:.*?(?:反映|投诉|关于|举报|咨询|建议|请问|希望|要求|为什么|是否|市|省|区|县))?")


@dataclass
class Doc:
    """One petition or message as the engine sees it."""

    key: str  # the petition's id, or the message's external id
    title: str
    content: str = ""
    at: dt.datetime | None = None
    headcount: int = 1  # persons (人次) for a visit
    escalated: bool = False  # 越级
    support: int = 0  # public support (likes) where known
    person: str = ""  # who filed it (to count distinct petitioners)
    extra: dict = field(default_factory=dict)  # whatever the caller needs back (number, external id ...)


@dataclass
class HotSpot:
    title: str  # the representative title: the member closest to the group's centre
    members: list[int]  # indices into the docs, newest first
    items: int
    person_times: int
    escalated: int
    support: int
    persons: int  # distinct petitioners (when known; else items)
    first_at: dt.datetime | None
    last_at: dt.datetime | None
    score: float = 0.0
    trend: list[tuple[dt.date, int]] = field(default_factory=list)  # (Monday of the week, items)
    key: str = ""  # a stable key: the smallest member key (for alerts' dedupe)


# ---- text ----------------------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    import jieba

    with _init_lock:  # jieba builds its prefix dictionary on first use; once
        jieba.initialize()
    out = []
    for t in jieba.cut_for_search(text):
        t = t.strip()
        if len(t) < 2 or t in STOPWORDS or _JUNK.fullmatch(t):
            continue
        out.append(t)
    return out


def anchors(text: str) -> list[str]:
    """Names of places and objects in `text` ("魅力之城小区", "经济学院"), without the administrative
    prefix."""
    out = []
    for m in _ANCHOR.finditer(text):
        name = _ADMIN.sub("", m.group(1))
        if len(name) > 4:
            name = _LEAD.sub("", name)
        if len(name) >= 2:
            out.append(name + m.group(2))
    return out


def _views(doc: Doc) -> tuple[list[str], str, str]:
    return _views_of(normalise(doc.title), normalise(doc.content[:ANCHOR_CHARS * 4])[:ANCHOR_CHARS])


@functools.lru_cache(maxsize=50000)  # the replay and the sweep group the same texts week after week
def _views_of(title: str, content: str) -> tuple[list[str], str, str]:
    return _words(title), re.sub(r"[^\w]+", " ", title), " ".join(anchors(title) + anchors(content)) or " "


_VIEWS = {  # name: (position in _views_of, analyzer, n-gram range, max_df)
    "title_words": (0, lambda d: d, (1, 1), MAX_DF),
    "title_chars": (1, "char", (2, 3), MAX_DF),
    "anchors": (2, "char", (2, 4), ANCHOR_MAX_DF),
}


def counts(docs: Sequence[Doc]) -> dict:
    """The raw term counts of each view ({name: CSR matrix}, one row per doc). `weigh` turns any
    subset of the rows into the vectors TF-IDF would give for that subset alone (its own document
    frequencies), so a replay counts the texts once and weighs each week's window."""
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    views = [_views(d) for d in docs]
    out = {}
    for name, (col, analyzer, ngrams, _max_df) in _VIEWS.items():
        try:
            out[name] = CountVectorizer(analyzer=analyzer, ngram_range=ngrams).fit_transform([v[col] for v in views])
        except ValueError:  # no term at all (empty texts)
            out[name] = sparse.csr_matrix((len(docs), 1), dtype="int64")
    return out


def weigh(counted: dict):
    """TF-IDF of the rows of `counted` (sublinear tf 1 + ln tf, smoothed idf ln((1+n)/(1+df)) + 1, as
    scikit-learn's TfidfVectorizer), the terms in more than max_df of the rows dropped (sets of 200 rows
    or more), each view L2-normalised and weighted by `WEIGHTS`, the whole L2-normalised."""
    import numpy as np
    from scipy import sparse
    from sklearn.preprocessing import normalize

    parts = []
    for name, (_col, _an, _ng, max_df) in _VIEWS.items():
        c = counted[name].tocsr().astype("float64")
        n = c.shape[0]
        df = np.bincount(c.indices, minlength=c.shape[1]) if c.nnz else np.zeros(c.shape[1])
        idf = np.log((1 + n) / (1 + df)) + 1.0
        if n >= 200:
            idf[df > max_df * n] = 0.0
        idf[df == 0] = 0.0
        tf = c.copy()
        tf.data = 1.0 + np.log(tf.data)
        part = normalize(tf @ sparse.diags(idf))
        parts.append(part * math.sqrt(WEIGHTS[name]))
    if not parts or parts[0].shape[0] == 0:
        return sparse.csr_matrix((0, 0))
    return normalize(sparse.hstack(parts).tocsr())


def vectorise(docs: Sequence[Doc]):
    """The texts' vectors (a scipy CSR matrix, one L2-normalised row per doc)."""
    from scipy import sparse

    if not docs:
        return sparse.csr_matrix((0, 0))
    return weigh(counts(docs))


def rows(counted: dict, index: Sequence[int]) -> dict:
    """The counts of some docs only (for `weigh`)."""
    return {name: m[list(index)] for name, m in counted.items()}


# ---- grouping ------------------------------------------------------------------------------------

def _pairs(X, loose: float, chunk: int = 2000):
    """(rows, cols, similarities) numpy arrays of the pairs i < j at or above `loose`, computed a block
    of rows at a time."""
    import numpy as np

    n = X.shape[0]
    XT = X.T.tocsc()
    rows, cols, sims = [], [], []
    for start in range(0, n, chunk):
        block = (X[start:start + chunk] @ XT).tocoo()
        r = block.row + start
        keep = (block.data >= loose) & (r < block.col)
        rows.append(r[keep])
        cols.append(block.col[keep])
        sims.append(block.data[keep])
    if not rows:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([])
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(sims)


def _blocks(n: int, i, j, s, loose: float, members=None) -> list[list[int]]:
    """The connected components (size >= 2) of the graph of the edges (i, j, s) at or above `loose`,
    as lists of node numbers. A component larger than `MAX_BLOCK` is split again with a stricter
    bound (`loose` + `BLOCK_STEP`), so that average linkage never runs on more than `MAX_BLOCK` texts:
    its cost grows with the square of the block (a template message sent by thousands). Texts joined
    to such a crowd only by pairs between the two bounds may then stay apart."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    keep = s >= loose
    i, j, s = i[keep], j[keep], s[keep]
    if not len(i):
        return []
    graph = coo_matrix((s, (i, j)), shape=(n, n))
    _count, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    out: list[list[int]] = []
    order = np.argsort(labels, kind="stable")
    bounds = np.cumsum(sizes)[:-1]
    for lab, nodes in enumerate(np.split(order, bounds)):
        if sizes[lab] < 2:
            continue
        if sizes[lab] <= MAX_BLOCK or loose + BLOCK_STEP > 1.0:
            out.append(nodes.tolist())
            continue
        inside = np.isin(i, nodes)  # both ends are in the block when one is
        out += _blocks(n, i[inside], j[inside], s[inside], loose + BLOCK_STEP)
    return out


def groups(X, *, threshold: float = THRESHOLD, loose: float = LOOSE) -> list[list[int]]:
    """The groups of similar rows of X (each a list of row indices, size >= 2)."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage

    n = X.shape[0]
    if n < 2:
        return []
    i, j, s = _pairs(X, loose)
    found: list[list[int]] = []
    for members in _blocks(n, i, j, s, loose):
        if len(members) == 2:
            sim = float((X[members[0]] @ X[members[1]].T).toarray()[0, 0])
            if sim >= threshold:  # joined by an edge above LOOSE: check the cut
                found.append(members)
            continue
        sub = X[members]
        sims = (sub @ sub.T).toarray()
        iu = np.triu_indices(len(members), k=1)
        dist = np.clip(1.0 - sims[iu], 0.0, 2.0)
        tree = linkage(dist, method="average")
        cut = fcluster(tree, t=1.0 - threshold, criterion="distance")
        parts: dict[int, list[int]] = {}
        for m, c in zip(members, cut.tolist(), strict=True):
            parts.setdefault(c, []).append(m)
        found += [p for p in parts.values() if len(p) >= 2]
    return found


# ---- the 热度 index ------------------------------------------------------------------------------

HALF_LIFE_DAYS = 60.0


def heat(*, items: int, person_times: int, escalated: int, support: int, persons: int,
         age_days: float) -> float:
    """The 热度 index of a hot spot (also stated on the 热点问题 page):

        base = persons + 0.25 × (items − persons) + 0.5 × (person_times − items) + 2 × escalated
               + 0.5 × log2(1 + support)
        heat = base × (0.5 + 0.5 × 2^(−age_days / 60))

    persons: distinct petitioners (many people about one matter make it hot); items − persons: the
    further petitions of the same people (each a quarter); person_times − items: the persons beyond
    one on visits (人次: a collective visit of 30 weighs more than a letter); escalated: 越级 items
    (two each); support: public support (likes) where known, damped by the logarithm so one popular
    post does not outweigh many petitioners; age_days: days from the last petition to the end of the
    period: a matter active now counts fully, one silent for two months three quarters, one long
    silent half."""
    base = (persons + 0.25 * max(items - persons, 0) + 0.5 * max(person_times - items, 0) + 2.0 * escalated
            + 0.5 * math.log2(1 + max(support, 0)))
    recency = 0.5 + 0.5 * 2 ** (-max(age_days, 0.0) / HALF_LIFE_DAYS)
    return round(base * recency, 2)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _day(at: dt.datetime | None) -> dt.date | None:
    if at is None:
        return None
    if isinstance(at, dt.datetime):
        if at.tzinfo is not None:
            from django.utils import timezone

            return timezone.localtime(at).date()
        return at.date()
    return at


def trend(docs: Sequence[Doc], members: Sequence[int], *, start: dt.date | None = None,
          end: dt.date | None = None) -> list[tuple[dt.date, int]]:
    """Items per week (Monday-based) from the week of `start` (default the first member) to the week
    of `end` (default the last member), empty weeks included."""
    days = [d for d in (_day(docs[m].at) for m in members) if d is not None]
    if not days:
        return []
    first = week_start(start or min(days))
    last = week_start(end or max(days))
    counts: dict[dt.date, int] = {}
    for d in days:
        counts[week_start(d)] = counts.get(week_start(d), 0) + 1
    out, week = [], first
    while week <= last and len(out) < 1000:
        out.append((week, counts.get(week, 0)))
        week += dt.timedelta(days=7)
    return out


def representative(X, members: Sequence[int]) -> int:
    """The member closest to the group's centre."""
    import numpy as np

    sub = X[list(members)]
    centre = np.asarray(sub.mean(axis=0))
    scores = np.asarray(sub @ centre.T).ravel()
    return list(members)[int(scores.argmax())]


def hot_spots(docs: Sequence[Doc], *, as_of: dt.datetime | None = None, top: int | None = None,
              threshold: float = THRESHOLD, min_items: int = MIN_ITEMS, X=None, titles: bool = True
              ) -> list[HotSpot]:
    """The hot spots among `docs`, hottest first (ties: more items, then the newest). `X`: their
    vectors when already computed; `titles=False` leaves the representative titles empty (see
    `set_title`)."""
    if X is None:
        X = vectorise(docs)
    if as_of is None:
        stamps = [d.at for d in docs if d.at is not None]
        as_of = max(stamps) if stamps else None
    spots = []
    for members in groups(X, threshold=threshold):
        if len(members) < min_items:
            continue
        members = sorted(members, key=lambda m: (docs[m].at is None, docs[m].at), reverse=True)
        at = [docs[m].at for m in members if docs[m].at is not None]
        people = {docs[m].person for m in members if docs[m].person}
        spot = HotSpot(
            title="", members=members, items=len(members),
            person_times=sum(max(docs[m].headcount, 1) for m in members),
            escalated=sum(1 for m in members if docs[m].escalated),
            support=sum(max(docs[m].support, 0) for m in members),
            persons=len(people) if people else len(members),
            first_at=min(at) if at else None, last_at=max(at) if at else None,
            key=min(docs[m].key for m in members))
        age = (as_of - spot.last_at).total_seconds() / 86400 if as_of and spot.last_at else 0.0
        spot.score = heat(items=spot.items, person_times=spot.person_times, escalated=spot.escalated,
                          support=spot.support, persons=spot.persons, age_days=age)
        spot.trend = trend(docs, members)
        spots.append(spot)
    spots.sort(key=lambda s: (-s.score, -s.items, -(s.last_at.timestamp() if s.last_at else 0), s.key))
    spots = spots[:top] if top else spots
    if titles:
        for spot in spots:
            set_title(spot, docs, X)
    return spots


def set_title(spot: HotSpot, docs: Sequence[Doc], X) -> None:
    """The spot's representative title: the member closest to its centre."""
    spot.title = normalise(docs[representative(X, spot.members)].title)
