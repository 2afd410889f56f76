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
