"""The scheduled sweeps' registry: each package registers the rules it checks on every sweep (the
deadline levels and automatic 办结 of the workflow, the reminder and urging rules of oversight, the
screening rounds), without the worker importing the packages above it.

`sweep_register(name, fn, order)`: `fn(now: datetime) -> int | dict` is called on every sweep, in
`order`, with the sweep's instant (frozen in tests); it must be safe to run again (a rule fires once
per fact, e.g. by a dedupe key). `sweeps_run(now)` runs them all and returns {name: result}.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

logger = logging.getLogger("xinfang.worker")

_SWEEPS: dict[str, tuple[int, Callable]] = {}


def sweep_register(name: str, fn: Callable[[dt.datetime], object], order: int = 100) -> None:
    _SWEEPS[name] = (order, fn)


def sweeps_registered() -> list[str]:
    return [name for name, _ in sorted(_SWEEPS.items(), key=lambda kv: (kv[1][0], kv[0]))]


def sweeps_run(now: dt.datetime | None = None) -> dict[str, object]:
    """Run every registered sweep once; a failing rule is logged and the others still run."""
    from django.utils import timezone

    now = now or timezone.now()
    results: dict[str, object] = {}
    for name in sweeps_registered():
        try:
            results[name] = _SWEEPS[name][1](now)
        except Exception:
            logger.exception("sweep %s failed", name)
            results[name] = None
    return results
