"""The scheduled sweeps' registry: each package registers the rules it checks on every sweep (the
deadline levels and automatic 办结 of the workflow, the reminder and urging rules of oversight, the
screening rounds), without the worker importing the packages above it.

`sweep_register(name, fn, order)`: `fn(now: datetime) -> int | dict` is called on every sweep, in
`order`, with the sweep's instant (frozen in tests); it must be safe to run again (a rule fires once
per fact, e.g. by a dedupe key). `sweeps_run(now)` runs them all and returns {name: result}.

`sweep_job` is the scheduled job that runs them (`xinfang worker` enqueues it every
`XINFANG_SWEEP_SECONDS`, one worker per slot; common/jobs.py): it holds the schedule's run lease, so two
sweeps never overlap even when two were queued (docs/jobs.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django_tasks import task

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


SCHEDULE = "sweep"  # the JobSchedule row of the scheduled sweep
LEASE_SECONDS = 120.0  # a running sweep's lease, renewed every quarter of it


def _plain(value):
    """A result as JSON can store it (a job's return value)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def sweep_locked_run(now: dt.datetime | None = None) -> dict[str, object]:
    """`sweeps_run` under the schedule's run lease: {"skipped": True} while another sweep runs."""
    from django.utils.crypto import get_random_string

    from . import jobs

    owner = "sweep-" + get_random_string(16)
    if not jobs.schedule_lock(SCHEDULE, owner, LEASE_SECONDS):
        logger.info("a sweep is already running elsewhere: this one is skipped")
        return {"skipped": True}
    renewer = jobs.Renewer(lambda: jobs.schedule_renew(SCHEDULE, owner, LEASE_SECONDS), LEASE_SECONDS / 4)
    renewer.start()
    try:
        return _plain(sweeps_run(now))
    finally:
        renewer.stop()
        jobs.schedule_unlock(SCHEDULE, owner)


@task(priority=10)
def sweep_job() -> dict:
    """The scheduled deadline sweep: every registered rule, once."""
    return sweep_locked_run()
