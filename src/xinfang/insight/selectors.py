"""Category suggestions at intake (DESIGN §7): the trained classifier when one is active
(`xinfang.insight.classifier`), else a small offline keyword scorer.

The keywords are the names in the 内容分类 tree (all three levels), segmented with jieba; each
first-level category scores the keywords of its subtree found in the petition's text, weighted by
how specific a keyword is (the fewer first-level categories share it, the more it counts) and by
how often it occurs (damped; an occurrence in the title counts twice). It is the fallback while no
trained model is active; it never downloads anything and never calls out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from xinfang.common.text import normalise
from xinfang.petitions.models import Category

from .classifier import registry
from .classifier.labels import label_map
from .classifier.text import jieba_ready, memoised
from .classifier.text import words as model_words

# Tree words that say nothing about the subject ("违规" is in nearly every complaint, whatever it is about).
STOPWORDS = frozenset({"管理", "服务", "其他", "事项", "工作", "问题", "相关", "有关", "违规"})
METHOD = "keywords"
CLASSIFIER_METHOD = "classifier"
MIN_CONFIDENCE = 0.1  # a second or third trained suggestion below this is left out


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    confidence: float
    keywords: tuple[str, ...]


def _words(text: str) -> list[str]:
    return [t for t in jieba_ready().cut_for_search(normalise(text)) if len(t) >= 2 and t not in STOPWORDS]


def _tokens(text: str) -> set[str]:
    return set(_words(text))


@lru_cache(maxsize=4)
def _index(rows: tuple[tuple[str, str, str], ...]) -> tuple[dict[str, tuple[str, str]], dict[str, dict[str, float]]]:
    """From (code, name, path) rows: the roots {root code: (code, name)} and, per root, its
    keywords with their weights."""
    roots: dict[str, tuple[str, str]] = {}
    words: dict[str, set[str]] = {}
    for code, name, path in rows:
        root = path.strip("/").split("/")[0]
        if code == root:
            roots[root] = (code, name)
        # "国土/自然资源" names two things: segment each part
        for part in name.replace("/", " ").split():
            words.setdefault(root, set()).update(_tokens(part))
            if len(part) >= 2 and part not in STOPWORDS:
                words[root].add(part)
    df: dict[str, int] = {}
    for kws in words.values():
        for kw in kws:
            df[kw] = df.get(kw, 0) + 1
    n = max(len(words), 1)
    weights = {root: {kw: math.log(1 + n / df[kw]) for kw in kws} for root, kws in words.items() if root in roots}
    return roots, weights


def _tree() -> tuple[tuple[str, str, str], ...]:
    return tuple(Category.objects.filter(is_active=True).order_by("path").values_list("code", "name", "path"))


def suggestions_method() -> str:
    """"classifier" when an active trained model answers (and maps to categories), else "keywords"."""
    loaded = registry.active()
    if loaded is not None and _label_map(loaded.labels, _roots()):
        return CLASSIFIER_METHOD
    return METHOD


_roots_cache: dict = {"key": None, "rows": ()}


def _roots() -> tuple[tuple[str, str], ...]:
    """The active first-level (code, name) rows, read again whenever the registry looks at the
    database again (at most every `registry.CHECK_SECONDS`): a renamed or disabled category reaches
    the trained suggestions within that time, and a suggestion costs no query in between."""
    key = registry.checked_at()
    if key is None or key != _roots_cache["key"]:
        rows = tuple(Category.objects.filter(is_active=True, level=1).order_by("path").values_list("code", "name"))
        _roots_cache.update(key=key, rows=rows)
    return _roots_cache["rows"]


@lru_cache(maxsize=16)
def _label_map(labels: tuple[str, ...], roots: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, str]]:
    return label_map(list(labels), list(roots))


def _classifier_suggestions(loaded, title: str, content: str, limit: int) -> list[Suggestion] | None:
    """The trained model's answer, or None when none of its labels maps to an active category."""
    mapping = _label_map(loaded.labels, _roots())
    if not mapping:
        return None
    title, content = normalise(title), normalise(content)
    with memoised():  # the text is segmented once for the check, the model and the top words
        return _ranked(loaded.classifier, mapping, title, content, limit)


def _ranked(model, mapping, title: str, content: str, limit: int) -> list[Suggestion]:
    # the words the model itself reads (its segmentation mode, its cap on the content): segmented once,
    # memoised for the model and the top words, never a second pass over a long text
    search, cap = getattr(model, "search_words", False), getattr(model, "word_chars", None)
    if not any(len(w) >= 2 for w in (*model_words(title, search), *model_words(content[:cap] if cap else content, search))):
        return []  # not a single word to read: no suggestion, as the keyword scorer
    probabilities = model.predict_proba([title], [content])[0]
    merged: dict[str, list] = {}  # two labels may map to one category: their confidences add up
    for label, p in zip(model.classes_, probabilities, strict=True):
        target = mapping.get(str(label))
        if target is None:
            continue
        entry = merged.setdefault(target[0], [target[1], 0.0, str(label), 0.0])
        entry[1] += float(p)
        if p > entry[3]:
            entry[2], entry[3] = str(label), float(p)
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1][1], kv[0]))
    out = []
    for i, (code, (name, p, label, _best)) in enumerate(ranked[:limit]):
        if p < MIN_CONFIDENCE and i > 0:
            break
        keywords = model.explain(title, content, label) if i == 0 else ()
        out.append(Suggestion(code=code, name=name, confidence=round(p, 3), keywords=keywords))
    return out


def category_suggestions(*, title: str = "", content: str = "", limit: int = 3) -> list[Suggestion]:
    """Up to `limit` first-level categories for the text, best first, with a confidence in (0, 1).

    With an active trained model (`xinfang insight train`) whose labels map to the deployment's
    first-level categories (by name, then by the alias table of `classifier.labels`), its calibrated
    probabilities answer (a second or third suggestion only when at least `MIN_CONFIDENCE`); the
    keywords are the words that pushed the text most towards the first suggestion. Otherwise the
    keyword scorer below answers. A text without a single word gets no suggestion either way.

    Keyword scorer: the confidences of all suggestions add up to less than 1: a fixed share is kept
    back for "none of these", so a single weak keyword never looks certain. No keyword, no suggestion."""
    if limit <= 0:
        return []
    loaded = registry.active()
    if loaded is not None:
        found = _classifier_suggestions(loaded, title or "", content or "", limit)
        if found is not None:
            return found
    roots, weights = _index(_tree())
    counts: dict[str, float] = {}
    for word in _words(title or ""):
        counts[word] = counts.get(word, 0) + 2.0
    for word in _words(content or ""):
        counts[word] = counts.get(word, 0) + 1.0
    if not counts:
        return []
    scored = []
    for root, kws in weights.items():
        hits = sorted(counts.keys() & kws.keys(), key=lambda k: (-kws[k] * counts[k], k))
        if not hits:
            continue
        score = sum(kws[k] * math.log1p(counts[k]) for k in hits)
        scored.append((score, root, hits))
    if not scored:
        return []
    total = sum(s for s, _r, _h in scored) + 1.0  # 1.0: the share kept for "none of these"
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [Suggestion(code=roots[root][0], name=roots[root][1], confidence=round(score / total, 3),
                       keywords=tuple(hits[:5]))
            for score, root, hits in scored[:limit]]
