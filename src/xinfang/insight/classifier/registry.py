"""The active classifier of this process: loaded from the database once per version.

Every process (web workers, the task worker, commands) answers with the row marked `active`. The
loaded pipeline is cached per process, keyed by its version; whether another version became active
is checked with one small query at most every `CHECK_SECONDS` (a new version trained by another
process is picked up within that time). Activating or deleting a version in this process clears the
cache at once (`forget`, called by the services and by a post_save/post_delete receiver).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # scikit-learn and scipy load with the first model, not with the URL configuration
    from .model import TextClassifier

logger = logging.getLogger("xinfang.insight")
CHECK_SECONDS = 60.0


@dataclass(frozen=True)
class Loaded:
    version: int
    labels: tuple[str, ...]
    classifier: TextClassifier


_lock = threading.Lock()
_state: dict = {"checked": None, "version": None, "loaded": None}


def forget() -> None:
    """Drop the cached model: the next call looks at the database again."""
    with _lock:
        _state.update(checked=None, version=None, loaded=None)


def checked_at() -> float | None:
    """When this process last looked at the database (time.monotonic()), None after `forget`."""
    return _state["checked"]


def active() -> Loaded | None:
    """The active model, or None when no version is active (or it cannot be loaded)."""
    now = time.monotonic()
    checked = _state["checked"]
    if checked is not None and now - checked < CHECK_SECONDS:
        return _state["loaded"]
    from xinfang.insight.models import ClassifierModel

    version = ClassifierModel.objects.filter(active=True).values_list("version", flat=True).first()
    with _lock:
        if version is not None and version == _state["version"]:
            _state["checked"] = now
            return _state["loaded"]
    loaded = None
    if version is not None:
        row = ClassifierModel.objects.filter(version=version).values_list("blob", "labels").first()
        if row is not None:
            try:
                loaded = Loaded(version=version, labels=tuple(row[1]), classifier=_loads(bytes(row[0])))
            except Exception:  # a blob this code cannot read (another library version): fall back
                logger.exception("classifier version %s cannot be loaded; using the keyword scorer", version)
    with _lock:
        _state.update(checked=now, version=version, loaded=loaded)
    return loaded


def _loads(data: bytes) -> TextClassifier:
    from .model import loads

    return loads(data)
