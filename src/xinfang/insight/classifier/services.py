"""Writes of the classifier: train, store and activate a version."""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import Max

from . import registry
from .model import TextClassifier, dumps


def classifier_train(*, titles: list[str], contents: list[str], labels: list[str], source: str,
                     metrics: dict | None = None, activate: bool = True):
    """Train on the texts, store the new version (the next number) and, by default, make it the active
    one (the previous active version stays stored, inactive). Returns (row, seconds of training)."""
    from xinfang.insight.models import ClassifierModel

    started = time.perf_counter()
    classifier = TextClassifier().fit(titles, contents, labels)
    seconds = time.perf_counter() - started
    blob = dumps(classifier)
    info = {"train_seconds": round(seconds, 1), "blob_bytes": len(blob),
            "temperature": round(classifier.temperature_, 3), **(metrics or {})}
    with transaction.atomic():
        latest = ClassifierModel.objects.aggregate(v=Max("version"))["v"] or 0  # unique: a racing twin fails
        if activate:
            ClassifierModel.objects.filter(active=True).update(active=False)
        row = ClassifierModel.objects.create(
            version=latest + 1, source=source, labels=[str(c) for c in classifier.classes_], metrics=info,
            n=len(labels), active=activate, blob=blob)
    registry.forget()
    return row, seconds


def classifier_activate(version: int):
    """Make a stored version the active one."""
    from xinfang.insight.models import ClassifierModel

    with transaction.atomic():
        row = ClassifierModel.objects.select_for_update().get(version=version)
        ClassifierModel.objects.filter(active=True).exclude(pk=row.pk).update(active=False)
        if not row.active:
            row.active = True
            row.save(update_fields=["active"])
    registry.forget()
    return row


# ---- learning from the deployment's own routed petitions ---------------------------------------

MIN_PER_CLASS = 20  # a first-level category with fewer routed petitions is left out of the training
MIN_TOTAL = 200  # fewer usable petitions: no training (the CSV-trained or keyword answer stays)
RETRAIN_DAYS = 7  # the sweep retrains at most this often


def routed_examples():
    """(titles, contents, labels) of the petitions with a category whose routes were never objected
    to (退回): the label is the name of the category's first-level ancestor."""
    from xinfang.petitions.models import Category, Petition
    from xinfang.workflow.models import Route

    roots = dict(Category.objects.filter(level=1).values_list("code", "name"))
    objected = Route.objects.filter(objected_at__isnull=False).values("petition_id")
    rows = (Petition.objects.filter(category__isnull=False, routes__isnull=False)
            .exclude(pk__in=objected).distinct().values_list("title", "content", "category__path"))
    titles, contents, labels = [], [], []
    for title, content, path in rows.iterator(chunk_size=2000):
        root = roots.get(path.strip("/").split("/")[0])
        if root and (title or content):
            titles.append(title or "")
            contents.append(content or "")
            labels.append(root)
    return titles, contents, labels


def classifier_retrain_from_petitions(*, min_per_class: int = MIN_PER_CLASS, min_total: int = MIN_TOTAL) -> dict:
    """Train a version on the routed petitions (source "petitions"). It becomes active unless the active
    version was trained on more texts (a large CSV start is not replaced by a few weeks of cases).
    Returns what happened: {"trained": False, "reason": …} or {"trained": True, "version", "n", "active"}."""
    from collections import Counter

    from xinfang.insight.models import ClassifierModel

    titles, contents, labels = routed_examples()
    counts = Counter(labels)
    keep = {label for label, c in counts.items() if c >= min_per_class}
    rows = [(t, c, label) for t, c, label in zip(titles, contents, labels, strict=True) if label in keep]
    if len(keep) < 2 or len(rows) < min_total:
        return {"trained": False, "reason": "not enough routed petitions", "n": len(rows), "labels": len(keep)}
    current = ClassifierModel.objects.filter(active=True).values_list("n", flat=True).first()
    activate = current is None or current <= len(rows)
    row, seconds = classifier_train(titles=[r[0] for r in rows], contents=[r[1] for r in rows],
                                    labels=[r[2] for r in rows], source="petitions", activate=activate,
                                    metrics={"left_out": {k: v for k, v in counts.items() if k not in keep}})
    return {"trained": True, "version": row.version, "n": row.n, "active": activate, "seconds": round(seconds, 1)}


_attempted: set = set()  # the nights this process already tried (a sweep runs every few minutes)


def classifier_retrain_sweep(now) -> dict:
    """The scheduled retraining: on Sunday nights (03:00-03:59 local time), once per night and process,
    when no version was trained on the petitions in the last RETRAIN_DAYS days."""
    import datetime as dt

    from django.utils import timezone

    from xinfang.insight.models import ClassifierModel

    local = timezone.localtime(now)
    if local.weekday() != 6 or local.hour != 3 or local.date() in _attempted:
        return {"skipped": True}
    _attempted.add(local.date())
    last = ClassifierModel.objects.filter(source="petitions").order_by("-version").first()
    if last is not None and now - last.created_at < dt.timedelta(days=RETRAIN_DAYS - 1):
        return {"skipped": True}
    return classifier_retrain_from_petitions()
