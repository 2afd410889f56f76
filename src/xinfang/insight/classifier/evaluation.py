"""Cross-validation grouped by normalised text: the estimate `xinfang insight evaluate` prints.

Repeats are common in petition data (the same person posting the same matter again, template
texts): a test text whose copy was trained on would inflate the score. So texts are grouped before
splitting: two rows are in one group when their contents are the same after normalisation with
every space and punctuation mark removed, or (both having a title) their whole texts are; whole
groups go to one fold (StratifiedGroupKFold: folds also keep the class shares). Every fold trains a
fresh classifier with the same fixed settings: nothing is tuned on a test fold.
"""

from __future__ import annotations

import re
import time

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import StratifiedGroupKFold

from xinfang.common.text import normalise

from .model import TextClassifier
from .text import memoised

_NOT_TEXT = re.compile(r"[\W_]+")


def text_key(text: str) -> str:
    return _NOT_TEXT.sub("", normalise(text)).lower()


def groups_of(titles: list[str], contents: list[str]) -> np.ndarray:
    """A group id per row (rows sharing normalised content, or title and content, share a group)."""
    parent = list(range(len(contents)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, (title, content) in enumerate(zip(titles, contents, strict=True)):
        for key in {("c", text_key(content)), ("t", text_key(title) + "|" + text_key(content))}:
            if not key[1].strip("|"):
                continue
            j = first.setdefault(key[0] + key[1], i)
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[ri] = rj
    return np.array([find(i) for i in range(len(contents))])


def _uncalibrated() -> TextClassifier:
    return TextClassifier(calibration_folds=0)  # the predicted class does not depend on the temperature


def cross_validate(titles: list[str], contents: list[str], labels: list[str], *, folds: int = 5,
                   seed: int = 0, make=_uncalibrated) -> dict:
    """{macro_f1, per_class_f1, confusion: {labels, matrix}, n, folds, groups, seconds}."""
    started = time.perf_counter()
    y = np.array([str(label) for label in labels])
    classes = sorted(set(y.tolist()))
    counts = {c: int((y == c).sum()) for c in classes}
    groups = groups_of(titles, contents)
    n_groups = len(set(groups.tolist()))
    folds = int(folds)
    if folds < 2:
        raise ValueError("at least 2 folds")
    if n_groups < folds:
        raise ValueError(f"only {n_groups} distinct texts: fewer than {folds} folds")
    if len(classes) < 2:
        raise ValueError("at least two different labels are needed")
    predicted = np.empty(len(y), dtype=object)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    titles_a, contents_a = np.array(titles, dtype=object), np.array(contents, dtype=object)
    with memoised():
        for train, test in splitter.split(np.zeros(len(y)), y, groups):
            model = make().fit(list(titles_a[train]), list(contents_a[train]), list(y[train]))
            predicted[test] = model.predict(list(titles_a[test]), list(contents_a[test]))
    predicted = predicted.astype(str)
    per_class = f1_score(y, predicted, labels=classes, average=None, zero_division=0)
    matrix = confusion_matrix(y, predicted, labels=classes)
    return {
        "macro_f1": round(float(np.mean(per_class)), 4),
        "per_class_f1": {c: round(float(f), 4) for c, f in zip(classes, per_class, strict=True)},
        "confusion": {"labels": classes, "matrix": matrix.tolist()},
        "accuracy": round(float((predicted == y).mean()), 4),
        "n": len(y),
        "counts": counts,
        "folds": folds,
        "groups": n_groups,
        "seconds": round(time.perf_counter() - started, 1),
    }
