"""Leases on background jobs, so a job whose worker died runs again (issue 9, finding 8).

`xinfang worker` claims a job (django-tasks' database backend: READY -> RUNNING) and, in the same
transaction, takes a lease on it (`JobLease`, expiring `seconds` later); a heartbeat renews the lease
while the job runs and the lease is dropped when the job ends. A job still RUNNING whose lease expired
(or, claimed by an older worker or another runner, that has no lease and started longer ago than a
lease lasts) lost its worker: `leases_reclaim` puts it back to READY for the next worker, or marks it
FAILED after `MAX_ATTEMPTS` claims (a job that kills every worker that runs it). Jobs are written to be
run again safely: a notice is issued once per timeline event and kind (a unique constraint, completed
when its files are missing), an import commits all rows in one transaction or none.

Recurring jobs (the deadline sweep) have a clock row, `JobSchedule`: `schedule_advance` moves a due slot
on with a conditional UPDATE, so of several workers exactly one enqueues each slot; `schedule_lock` is the
lease of the run in progress (a conditional UPDATE again), so two runs never overlap. See docs/jobs.md.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import threading

from django.db import connections, models, transaction
from django.utils import timezone

from .models import JobLease, JobSchedule

logger = logging.getLogger("xinfang.worker")

MAX_ATTEMPTS = 5  # claims of one job before a lost lease fails it instead of queueing it again
LEASE_LOST_PATH = "xinfang.common.jobs.LeaseExpired"


_in_worker = contextvars.ContextVar("xinfang_in_worker", default=False)


@contextlib.contextmanager
def in_worker():
    """Jobs run inside this block know they run in `xinfang worker` (`running_in_worker()`): work that
    can wait for its first need waits (a notice is issued at once, its PDF and DOCX rendered when first
    opened; reports.notices.services)."""
    token = _in_worker.set(True)
    try:
        yield
    finally:
        _in_worker.reset(token)


def running_in_worker() -> bool:
    return _in_worker.get()


class LeaseExpired(Exception):
    """The worker running the job stopped renewing its lease (it died) too many times."""


def lease_take(job, worker_id: str, seconds: float) -> None:
    """Inside the claiming transaction, right after `job.claim(worker_id)`."""
    JobLease.objects.update_or_create(
        task_id=job.pk, defaults={"worker_id": worker_id,
                                  "expires_at": timezone.now() + dt.timedelta(seconds=seconds)})


def leases_take(jobs, worker_id: str, seconds: float) -> None:
    """`lease_take` for a claimed batch: one DELETE and one INSERT, in the claiming transaction."""
    ids = [job.pk for job in jobs]
    expires = timezone.now() + dt.timedelta(seconds=seconds)
    JobLease.objects.filter(task_id__in=ids).delete()
    JobLease.objects.bulk_create([JobLease(task_id=pk, worker_id=worker_id, expires_at=expires) for pk in ids])


def lease_renew(task_id, worker_id: str, seconds: float) -> bool:
    """Extend this worker's lease; False when it no longer holds it (it was reclaimed)."""
    return bool(JobLease.objects.filter(task_id=task_id, worker_id=worker_id).update(
        expires_at=timezone.now() + dt.timedelta(seconds=seconds)))


def lease_release(task_id, worker_id: str) -> None:
    JobLease.objects.filter(task_id=task_id, worker_id=worker_id).delete()


def leases_renew(task_ids, worker_id: str, seconds: float) -> set:
    """Extend this worker's leases on `task_ids` in one UPDATE; the ids it still holds."""
    task_ids = list(task_ids)
    if not task_ids:
        return set()
    JobLease.objects.filter(task_id__in=task_ids, worker_id=worker_id).update(
        expires_at=timezone.now() + dt.timedelta(seconds=seconds))
    return set(JobLease.objects.filter(task_id__in=task_ids, worker_id=worker_id).values_list("task_id", flat=True))


def _lost(backend_name: str, seconds: float):
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    return DBTaskResult.objects.filter(backend_name=backend_name, status=TaskResultStatus.RUNNING).filter(
        models.Q(xinfang_lease__expires_at__lt=now)
        | models.Q(xinfang_lease__isnull=True, started_at__lt=now - dt.timedelta(seconds=seconds)))


def leases_reclaim(backend_name: str, seconds: float) -> tuple[int, int]:
    """Put the jobs whose worker died back in the queue: (queued again, failed after MAX_ATTEMPTS).

    `seconds`: how long a job claimed without a lease may run before it counts as lost."""
    from django_tasks_db.compat import TaskResultStatus

    lost = _lost(backend_name, seconds)
    if not lost.exists():  # a plain read: an idle worker takes no write lock
        return 0, 0
    requeued = failed = 0
    with transaction.atomic(using=lost.db):
        for job in lost.select_for_update(skip_locked=True, of=("self",)):
            attempts = len(job.worker_ids or [])
            # conditional updates: a job renewed or finished meanwhile stays as it is
            still = _lost(backend_name, seconds).filter(pk=job.pk)
            if attempts >= MAX_ATTEMPTS:
                done = still.update(
                    status=TaskResultStatus.FAILED, finished_at=timezone.now(), return_value=None,
                    exception_class_path=LEASE_LOST_PATH,
                    traceback=f"{LEASE_LOST_PATH}: the worker running this job stopped {attempts} times\n")
                failed += done
            else:
                done = still.update(status=TaskResultStatus.READY, started_at=None)
                requeued += done
            if done:
                JobLease.objects.filter(task_id=job.pk).delete()
                logger.warning("job %s (%s) lost its worker %s; %s", job.pk, job.task_path,
                               (job.worker_ids or ["?"])[-1], "failed" if attempts >= MAX_ATTEMPTS else "queued again")
        # leases left behind by a worker killed between finishing a job and dropping its lease
        JobLease.objects.filter(expires_at__lt=timezone.now()).exclude(
            task__status=TaskResultStatus.RUNNING).delete()
    return requeued, failed


def requeue(job) -> None:
    """A job interrupted by a stop (second Ctrl+C / SIGTERM) goes back to the queue, not to FAILED."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=job.pk).update(status=TaskResultStatus.READY, started_at=None,
                                                  finished_at=None, exception_class_path="", traceback="")


class Heartbeat(threading.Thread):
    """Renews a job's lease every `seconds / 4` while the job runs, on its own connection."""

    def __init__(self, task_id, worker_id: str, seconds: float):
        super().__init__(name="xinfang-lease", daemon=True)
        self.task_id, self.worker_id, self.seconds = task_id, worker_id, seconds
        self.done = threading.Event()
        self.lost = False

    def run(self):
        try:
            while not self.done.wait(self.seconds / 4):
                try:
                    if not lease_renew(self.task_id, self.worker_id, self.seconds):
                        self.lost = True
                        logger.warning("job %s: lease lost (taken over by another worker)", self.task_id)
                        return
                except Exception:  # a busy database: try again at the next beat, the lease has margin
                    logger.warning("job %s: lease renewal failed", self.task_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only

    def stop(self):
        self.done.set()
        self.join(5)


class LeaseKeeper(threading.Thread):
    """One thread per worker renewing, every `seconds / 4`, the leases of the jobs the worker holds (a
    claimed batch, the one running included), on its own connection. Cheaper than a `Heartbeat` per
    job when jobs take milliseconds: `hold` and `drop` only touch a set."""

    def __init__(self, worker_id: str, seconds: float):
        super().__init__(name="xinfang-leases", daemon=True)
        self.worker_id, self.seconds = worker_id, seconds
        self.held: set = set()
        self.lost: set = set()  # held leases another worker took over (reclaimed)
        self.lock = threading.Lock()
        self.done = threading.Event()

    def hold(self, task_ids) -> None:
        with self.lock:
            self.held.update(task_ids)

    def drop(self, task_id) -> None:
        with self.lock:
            self.held.discard(task_id)
            self.lost.discard(task_id)

    def run(self):
        try:
            while not self.done.wait(self.seconds / 4):
                with self.lock:
                    held = set(self.held)
                if not held:
                    continue
                try:
                    kept = leases_renew(held, self.worker_id, self.seconds)
                except Exception:  # a busy database: try again at the next beat, the lease has margin
                    logger.warning("lease renewal failed", exc_info=True)
                    continue
                with self.lock:
                    for task_id in (held - kept) & self.held:
                        if task_id not in self.lost:
                            logger.warning("job %s: lease lost (taken over by another worker)", task_id)
                        self.lost.add(task_id)
        finally:
            connections.close_all()  # this thread's connections only

    def stop(self):
        self.done.set()
        self.join(5)


# ---- recurring jobs: one clock row per schedule ------------------------------------------------------

def _schedule_row(name: str, now: dt.datetime) -> JobSchedule:
    row = JobSchedule.objects.filter(name=name).first()
    if row is None:
        try:
            with transaction.atomic():
                row = JobSchedule.objects.create(name=name, next_at=now)
        except Exception:  # another worker created it first
            row = JobSchedule.objects.get(name=name)
    return row


def schedule_advance(name: str, seconds: float, now: dt.datetime | None = None, force: bool = False) -> bool:
    """True when the slot of `name` is due (or `force`) and this caller moved it on to `now + seconds`:
    the caller enqueues the run. Of several workers calling at the same instant exactly one gets True
    (the UPDATE only matches the `next_at` it read)."""
    now = now or timezone.now()
    row = _schedule_row(name, now)
    if row.next_at > now and not force:
        return False
    return bool(JobSchedule.objects.filter(name=name, next_at=row.next_at).update(
        next_at=now + dt.timedelta(seconds=max(seconds, 1))))


def schedule_lock(name: str, owner: str, seconds: float, now: dt.datetime | None = None) -> bool:
    """Take the run lease of `name` (False while another run holds an unexpired one)."""
    now = now or timezone.now()
    _schedule_row(name, now)
    free = models.Q(running_until__isnull=True) | models.Q(running_until__lt=now) | models.Q(running_by=owner)
    return bool(JobSchedule.objects.filter(free, name=name).update(
        running_until=now + dt.timedelta(seconds=seconds), running_by=owner, last_started_at=now))


def schedule_renew(name: str, owner: str, seconds: float) -> bool:
    return bool(JobSchedule.objects.filter(name=name, running_by=owner).update(
        running_until=timezone.now() + dt.timedelta(seconds=seconds)))


def schedule_unlock(name: str, owner: str) -> None:
    JobSchedule.objects.filter(name=name, running_by=owner).update(
        running_until=None, running_by="", last_finished_at=timezone.now())


class Renewer(threading.Thread):
    """Calls `renew()` every `every` seconds until stopped, on its own connection (a long run's lease)."""

    def __init__(self, renew, every: float):
        super().__init__(name="xinfang-renew", daemon=True)
        self.renew, self.every = renew, every
        self.done = threading.Event()

    def run(self):
        try:
            while not self.done.wait(self.every):
                try:
                    self.renew()
                except Exception:
                    logger.warning("lease renewal failed", exc_info=True)
        finally:
            connections.close_all()

    def stop(self):
        self.done.set()
        self.join(5)
