"""`xinfang worker [--once] [--interval SECONDS] [--poll SECONDS]`: the background process (DESIGN §8).

Two kinds of work, on their own clocks:

- queued django-tasks jobs of the database backend (notices after every move, imports): looked for
  every `--poll` seconds (default 1) and run one after the other as long as any is ready, so a
  notice is issued within seconds of the move that named it. Jobs queued while the worker runs, in
  the last `FRESH_SECONDS`, run before an older backlog (the thousands of notices a demo load or an
  import leaves, everything queued before the worker started), so a backlog never keeps the notice
  a clerk is waiting for;
- deadline sweeps (warning levels, automatic 办结 when the 复查/复核 window passed, and every rule
  registered in common.sweeps): a scheduled job (`common.sweeps.sweep_job`) enqueued every `--interval`
  seconds (default `XINFANG_SWEEP_SECONDS`, 60). The slot is a `JobSchedule` row advanced with a
  conditional UPDATE, so of several workers exactly one enqueues each slot, and the job holds the
  schedule's run lease, so two sweeps never overlap. A worker runs sweep jobs on a thread of their own
  (claimed and leased like any job), so a long sweep over a large database never holds up the others.

A long run of jobs reports its progress ("后台任务处理中 1200/5000") every `PROGRESS_SECONDS`, and a
long sweep says it is still running. `--once` treats the sweep as due (enqueues it unless one is queued), runs it, then every ready job
(including those the sweep queued), then exits.
SIGTERM or Ctrl+C stops after the job at hand; a second one stops at once and puts the job back.

A draining worker claims up to `BATCH` jobs in one transaction (one UPDATE for the lot) and runs them
in order (issue 13: a notice job takes milliseconds, so claiming, leasing and reconnecting once per job
cost more than the job); a fresh job waits at most for the batch at hand. Consecutive notice jobs of a
batch run set-based (`SET_BASED`: their events' notices issued together by
`reports.notices.services.notices_for_events`, a few queries and one short write transaction per 16
notices, then one UPDATE recording their results), which is what lets one worker keep up with
registration. Jobs run inside `common.jobs.in_worker`, so a notice is issued at once and its PDF and
DOCX are rendered on first need (reports.notices). The worker runs every system check but the URL
configuration's (which would import every view and API router, and the classifier's numpy and
scikit-learn with them).
A claimed job carries a lease (`--lease` seconds, renewed by a heartbeat while it runs; common/jobs.py):
a job left RUNNING by a worker that died (SIGKILL, a lost host) is queued again once its lease
expired and run by the next worker, so every queued job runs; running one again is harmless (notices
once per event and kind, imports all or none).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import threading
import time

from django.core import checks
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, close_old_connections, connection, connections, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from xinfang.common import jobs as leases
from xinfang.common.sweeps import SCHEDULE, sweep_job
from xinfang.petitions.services import write_turn

logger = logging.getLogger("xinfang.worker")

FRESH_SECONDS = 15  # jobs queued this recently run before older ones
PROGRESS_SECONDS = 10.0  # how often a long run of jobs reports its progress
PROGRESS_MIN = 20  # a run of at least this many jobs reports its progress
SWEEP_NOTE_SECONDS = 30.0  # how often a long sweep says it is still running
STOP_WAIT_SECONDS = 5.0  # on stop, how long to let a running sweep finish
LEASE_SECONDS = 60.0  # a claimed job's lease; renewed every quarter of it while the job runs
BATCH = 64  # jobs claimed in one transaction by a draining worker (a notice job takes milliseconds)
# Jobs that only write the database (files they write are keyed by the rows they insert): consecutive ones
# of a batch run in one transaction, each in a savepoint of its own, for at most GROUP_SECONDS (SQLite has
# one writer: one lock taken per group instead of two per job, so a worker keeps up beside registration).
TOGETHER = frozenset({"xinfang.reports.tasks.issue_notices"})
GROUP_SECONDS = 0.05
# Jobs run set-based: consecutive jobs of a batch with one of these task paths are handed together to the
# function named (the calls' (args, kwargs) in order -> each job's return value), which does their work
# in a few queries and one transaction (notices: reports.notices.services.notices_for_events); their
# results are then recorded with one UPDATE per distinct value. Should the function fail, the jobs run
# one by one as above, so a failing job fails alone.
SET_BASED = {"xinfang.reports.tasks.issue_notices": "xinfang.reports.tasks.issue_notices_set"}


def _database_backend(alias: str):
    """The django-tasks backend `alias` when it is a database backend, else None."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.compat import task_backends

    try:
        backend = task_backends[alias]
    except Exception:  # an unknown alias or a misconfigured backend: no jobs to run here
        return None
    return backend if isinstance(backend, DatabaseBackend) else None


def _summary(results) -> tuple[int, int] | None:
    """(warning levels changed, petitions closed automatically) of a sweep job's result; None when the
    sweep failed or was skipped (another worker's sweep was running)."""
    if not isinstance(results, dict) or results.get("skipped"):
        return None

    def number(value):
        return value if isinstance(value, int) and not isinstance(value, bool) else 0
    return number(results.get("deadlines")), number(results.get("close_expired"))


def _sweep_interval() -> float:
    from django.conf import settings

    return float(getattr(settings, "XINFANG_SWEEP_SECONDS", 60.0))


class _SweepThread(threading.Thread):
    """Ready sweep jobs, claimed (with a lease) and run on their own thread (and so their own database
    connection, closed when it ends)."""

    def __init__(self, command):
        super().__init__(name="xinfang-sweep", daemon=True)
        self.command = command
        self.started = time.monotonic()
        self.result: tuple[int, int] | None = None
        self.skipped = False
        self.claimed = True

    def run(self):
        try:
            job = self.command._run_one(self.command._ready_sweeps())
            self.claimed = job is not None  # None: another worker took it first
            if job is not None and job.status == "SUCCESSFUL":
                self.result = _summary(job.return_value)
                self.skipped = self.result is None
        except Exception:
            logger.exception("deadline sweep failed")
        finally:
            connections.close_all()  # this thread's connections only


class Command(BaseCommand):
    # Every system check but the URL configuration's: checking it imports every view and API router (and
    # what they import: the classifier's numpy and scikit-learn, openpyxl, …), 130 MB a worker never uses.
    requires_system_checks = sorted(set(checks.registry.registry.tags_available()) - {checks.Tags.urls})
    lease, reclaimed_at = LEASE_SECONDS, None  # set by handle(); defaults for a Command used directly
    lease_keeper: leases.LeaseKeeper | None = None  # renews the leases of the claimed batch
    help = _("后台任务进程：执行排队的后台任务（每秒检查），检查办理时限并更新预警等级、复查复核期限届满自动办结。")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help=_("只执行一轮后退出"))
        parser.add_argument("--interval", type=float, default=None,
                            help=_("两次时限检查之间的间隔秒数（默认 XINFANG_SWEEP_SECONDS，60）"))
        parser.add_argument("--poll", type=float, default=1.0,
                            help=_("没有任务时，检查新任务的间隔秒数（默认1）"))
        parser.add_argument("--queue", default="*", help=_("处理的任务队列，逗号分隔，* 表示全部（默认）"))
        parser.add_argument("--backend", default="default", help=_("django-tasks 后端别名（默认 default）"))
        parser.add_argument("--lease", type=float, default=LEASE_SECONDS,
                            help=_("任务租约秒数（默认60）：执行中的任务由心跳续约；进程意外终止后，租约到期的任务交由其他进程重新执行"))

    def handle(self, *args, once=False, interval=None, poll=1.0, queue="*", backend="default",
               lease=LEASE_SECONDS, **options):
        if interval is None:
            interval = _sweep_interval()
        if interval < 0 or interval != interval:
            raise CommandError(_("间隔秒数应为非负数。"))
        if not 1 <= lease <= 86400:
            raise CommandError(_("任务租约秒数应在 1 到 86400 之间。"))
        self.lease, self.reclaimed_at = lease, None
        if not poll > 0 or poll == float("inf"):
            raise CommandError(_("检查新任务的间隔秒数应为正数。"))
        self.stopping, self.once = False, once
        self.interval, self.poll = interval, poll
        self.queues = [q.strip() for q in queue.split(",") if q.strip()] or ["*"]
        self.backend_alias = backend
        self.worker_id = get_random_string(32)
        self.sweeper: _SweepThread | None = None
        self.next_sweep = self.sweep_noted = 0.0
        self.sweep_last_error = False
        self.fresh_since = None  # running: what was queued before the start is backlog
        self._configure_logging(options.get("verbosity", 1))
        previous = self._install_signals()
        try:
            if once:
                self._once()
            else:
                self._forever()
        except KeyboardInterrupt:
            self.stopping = True
        finally:
            self._restore_signals(previous)
            self._wait_for_sweep()
            if self.lease_keeper is not None:
                self.lease_keeper.stop()
                self.lease_keeper = None
        if self.stopping:
            self._say(_("后台任务进程已停止。"))

    @staticmethod
    def _configure_logging(verbosity: int) -> None:
        """Per-job log lines of django-tasks only with -v 2 or more; the worker's own lines say how
        many ran."""
        from django_tasks_db.compat import TASKS_LOGGER

        level = {0: logging.CRITICAL, 1: logging.WARNING, 2: logging.INFO}.get(verbosity, logging.DEBUG)
        for name in ("django_tasks_db", TASKS_LOGGER):
            logging.getLogger(name).setLevel(level)

    def _say(self, text: str) -> None:
        self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {text}")

    # ---- --once ----------------------------------------------------------------------------

    def _once(self) -> None:
        """The sweep is due: queued (unless one is already), run here, then every ready job."""
        swept = closed = 0
        skipped = False
        if _database_backend(self.backend_alias) is None:  # no queue: the sweep runs in place
            from xinfang.common.sweeps import sweep_locked_run

            summary = _summary(sweep_locked_run())
            skipped = summary is None
            swept, closed = summary or (0, 0)
        else:
            self._schedule(force=True)
            while (job := self._run_one(self._ready_sweeps())) is not None:
                if job.status != "SUCCESSFUL":
                    raise CommandError(_("后台任务执行失败（%(step)s）：%(err)s") % {
                        "step": "sweep", "err": (job.traceback or "").strip().splitlines()[-1:] or job.status})
                summary = _summary(job.return_value)
                skipped = summary is None
                if summary:
                    swept, closed = swept + summary[0], closed + summary[1]
        ran = self._drain()
        if skipped:
            self._say(_("另一个后台任务进程正在进行时限检查，本次跳过。"))
        self._say(_("时限检查：预警等级更新 %(sweep)s 件；自动办结 %(close)s 件；执行后台任务 %(tasks)s 个。") % {
            "sweep": swept, "close": closed, "tasks": ran})

    def _schedule(self, force: bool = False) -> bool:
        """Enqueue the sweep when its slot is due and this worker won it (one worker per slot), unless a
        sweep job is already waiting. True when it enqueued one."""
        from django_tasks_db.utils import is_locked_database_exception

        try:
            if not leases.schedule_advance(SCHEDULE, self.interval or _sweep_interval(), force=force):
                return False
            if self._ready_sweeps().exists():
                return False
            sweep_job.using(backend=self.backend_alias).enqueue()
        except OperationalError as exc:
            if is_locked_database_exception(exc):  # busy: the next tick tries again
                return False
            raise
        return True

    # ---- running ---------------------------------------------------------------------------

    def _forever(self) -> None:
        self.fresh_since = timezone.now()
        waiting = self._ready().count() if _database_backend(self.backend_alias) else 0
        self._say(_("后台任务进程已启动：待处理任务 %(n)d 个；每 %(poll)s 秒检查新任务，每 %(interval)s 秒检查时限。") % {
            "n": waiting, "poll": f"{self.poll:g}", "interval": f"{self.interval:g}"})
        while not self.stopping:
            self._tick()
            ran = self._drain()
            if self.stopping:
                break
            if not ran:
                self._sleep(self.poll)
            close_old_connections()

    def _tick(self) -> None:
        """Between jobs and polls: report a finished sweep, note a long one, start the next when due."""
        if self.once:
            return
        now = time.monotonic()
        sweeper = self.sweeper
        if sweeper is not None and not sweeper.is_alive():
            self.sweeper = None
            if sweeper.result is not None:
                swept, closed = sweeper.result
                self._say(_("时限检查：预警等级更新 %(sweep)d 件；自动办结 %(close)d 件（用时 %(s).1f 秒）。") % {
                    "sweep": swept, "close": closed, "s": now - sweeper.started})
            elif sweeper.skipped:
                self._say(_("另一个后台任务进程正在进行时限检查，本次跳过。"))
            elif sweeper.claimed:
                self._say(_("时限检查失败，详见日志；下一个周期重试。"))
        elif sweeper is not None and now - self.sweep_noted >= SWEEP_NOTE_SECONDS:
            self.sweep_noted = now
            self._say(_("时限检查进行中（已用 %(s)d 秒）；后台任务照常执行。") % {"s": now - sweeper.started})
        if now >= self.next_sweep and not self.stopping:  # is the slot due? (a cheap read; the clock is shared)
            self.next_sweep = now + min(max(self.interval, 0.2), 5.0)
            if _database_backend(self.backend_alias) is not None:
                self._schedule()
        if self.sweeper is None and not self.stopping and _database_backend(self.backend_alias) is not None \
                and self._ready_sweeps().exists():
            self.sweeper = _SweepThread(self)
            self.sweep_noted = now
            self.sweeper.start()

    def _wait_for_sweep(self) -> None:
        sweeper = self.sweeper
        if sweeper is not None and sweeper.is_alive():
            sweeper.join(STOP_WAIT_SECONDS)
            if sweeper.is_alive():  # its writes are row by row: stopping leaves nothing half done
                self._say(_("时限检查未完成，下次启动时重新检查。"))

    # ---- jobs ------------------------------------------------------------------------------

    def _all_ready(self):
        from django_tasks_db.models import DBTaskResult

        ready = DBTaskResult.objects.ready().filter(backend_name=self.backend_alias)
        if "*" not in self.queues:
            ready = ready.filter(queue_name__in=self.queues)
        return ready

    def _ready(self):
        """Ready jobs but the sweep (which runs on its own thread)."""
        return self._all_ready().exclude(task_path=sweep_job.module_path)

    def _ready_sweeps(self):
        return self._all_ready().filter(task_path=sweep_job.module_path)

    def _run_one(self, ready):
        """Claim one job of `ready` and run it under its lease; the job, or None when none was ready."""
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.management.commands.db_worker import Worker

        job = self._claim(ready)
        if job is None:
            return None
        runner = Worker(queue_names=self.queues, interval=0, batch=True, backend_name=self.backend_alias,
                        startup_delay=False, max_tasks=None, worker_id=self.worker_id, excluded_queue_names=[])
        heartbeat = leases.Heartbeat(job.pk, self.worker_id, self.lease)
        heartbeat.start()
        try:
            with leases.in_worker():
                runner.run_task(job)
        finally:
            heartbeat.stop()
        interrupted = (job.status == TaskResultStatus.FAILED
                       and job.exception_class_path == "builtins.KeyboardInterrupt")
        if interrupted:
            leases.requeue(job)
        leases.lease_release(job.pk, self.worker_id)
        if interrupted:
            raise KeyboardInterrupt
        return job

    def _reclaim(self) -> None:
        """Queue again the jobs whose worker died (lease expired); at most every quarter lease."""
        from django_tasks_db.utils import is_locked_database_exception

        now = time.monotonic()
        if self.reclaimed_at is not None and now - self.reclaimed_at < min(self.lease / 4, 5.0):
            return
        self.reclaimed_at = now
        try:
            requeued, failed = leases.leases_reclaim(self.backend_alias, self.lease)
        except OperationalError as exc:
            if is_locked_database_exception(exc):  # busy: the next round tries again
                return
            raise
        if requeued or failed:
            self._say(_("接管了 %(n)d 个因后台任务进程中断而未完成的任务；%(f)d 个多次中断，标记为失败。") % {
                "n": requeued, "f": failed})

    def _claim(self, ready=None):
        """The next job, claimed for this worker (row locks: several workers are safe) with a lease;
        None when none is ready. Fresh jobs first (queued in the last FRESH_SECONDS, and since the
        worker started), then the backlog; each by priority, then oldest first."""
        jobs = self._claim_batch(ready, 1)
        return jobs[0] if jobs else None

    def _claim_batch(self, ready=None, limit: int = BATCH) -> list:
        """Up to `limit` jobs claimed in one transaction, each with its lease, in the order `_claim` takes
        them (fresh first); [] when none is ready."""
        from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

        self._reclaim()
        ready = self._ready() if ready is None else ready
        if not ready.exists():  # a plain read first: an idle worker takes no write lock every second
            return []
        since = timezone.now() - dt.timedelta(seconds=FRESH_SECONDS)
        fresh = ready.filter(enqueued_at__gte=max(since, self.fresh_since or since))
        try:
            # on SQLite the write lock is taken in turn with registrations (petitions.services.write_turn)
            # rather than by polling for it while they keep it busy
            with write_turn(), exclusive_transaction(ready.db):
                jobs = list(fresh.select_for_update(skip_locked=True)[:limit])
                if len(jobs) < limit:
                    jobs += list(ready.exclude(pk__in=[j.pk for j in jobs])
                                 .select_for_update(skip_locked=True)[:limit - len(jobs)])
                if jobs:
                    self._claim_all(jobs)
                    leases.leases_take(jobs, self.worker_id, self.lease)
        except OperationalError as exc:
            if is_locked_database_exception(exc):  # busy: try again on the next round
                return []
            raise
        return jobs

    def _claim_all(self, jobs) -> None:
        """`job.claim(worker_id)` for each of `jobs` (locked by the caller), with one UPDATE for those never
        claimed before (the usual case) and one per job claimed before (its own list of workers)."""
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        now = timezone.now()
        first = [job for job in jobs if not job.worker_ids]
        if first:
            DBTaskResult.objects.filter(pk__in=[job.pk for job in first]).update(
                status=TaskResultStatus.RUNNING, started_at=now, worker_ids=[self.worker_id])
            for job in first:
                job.status, job.started_at, job.worker_ids = TaskResultStatus.RUNNING, now, [self.worker_id]
        for job in jobs:
            if job not in first:
                job.claim(self.worker_id)

    def _run_set(self, jobs) -> bool:
        """Run consecutive jobs of one SET_BASED task path together and record their results; False (nothing
        recorded) when that failed: the caller then runs them one by one."""
        from django.utils.module_loading import import_string
        from django_tasks_db.compat import TASKS_LOGGER, TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        signals = logging.getLogger(TASKS_LOGGER).isEnabledFor(logging.INFO)  # the signals' receivers log
        try:
            if signals:
                self._signal("task_started", jobs)
            with leases.in_worker():
                values = import_string(SET_BASED[jobs[0].task_path])(
                    [(job.args_kwargs["args"], job.args_kwargs["kwargs"]) for job in jobs])
            if len(values) != len(jobs):
                raise RuntimeError(f"{len(values)} results for {len(jobs)} jobs")
            now = timezone.now()
            by_value: dict = {}
            for job, value in zip(jobs, values, strict=True):
                by_value.setdefault(json.dumps(value, sort_keys=True), (value, []))[1].append(job)
            with write_turn(), transaction.atomic(using=jobs[0]._state.db):
                for value, same in by_value.values():
                    DBTaskResult.objects.filter(pk__in=[job.pk for job in same]).update(
                        status=TaskResultStatus.SUCCESSFUL, finished_at=now, return_value=value,
                        exception_class_path="", traceback="")
        except Exception:
            logger.warning("%d jobs %s run together failed; running them one by one", len(jobs),
                           jobs[0].task_path, exc_info=True)
            if not connection.in_atomic_block:
                close_old_connections()
            return False
        for job, value in zip(jobs, values, strict=True):
            job.status, job.finished_at, job.return_value = TaskResultStatus.SUCCESSFUL, now, value
            job.exception_class_path = job.traceback = ""
        if signals:
            self._signal("task_finished", jobs)
        return True

    @staticmethod
    def _signal(name: str, jobs) -> None:
        from django_tasks import signals

        for job in jobs:
            getattr(signals, name).send(sender=type(job.task.get_backend()), task_result=job.task_result)

    def _keeper(self) -> leases.LeaseKeeper:
        keeper = getattr(self, "lease_keeper", None)
        if keeper is None or not keeper.is_alive():
            keeper = self.lease_keeper = leases.LeaseKeeper(self.worker_id, self.lease)
            keeper.start()
        return keeper

    @staticmethod
    def _interrupted(job) -> bool:
        from django_tasks_db.compat import TaskResultStatus

        return job.status == TaskResultStatus.FAILED and job.exception_class_path == "builtins.KeyboardInterrupt"

    @staticmethod
    def _run_saved(runner, job) -> None:
        """Run a job of a group in a savepoint of its own: a job whose writes fail rolls back alone and is
        recorded as failed."""
        try:
            with transaction.atomic(using=job._state.db), leases.in_worker():
                runner.run_task(job)
        except Exception as exc:  # recording its result failed with the savepoint: record the failure
            job.set_failed(exc)

    def _give_back(self, jobs) -> None:
        """Claimed jobs not run (the worker is stopping): back to the queue, their leases dropped."""
        for job in jobs:
            leases.requeue(job)
            leases.lease_release(job.pk, self.worker_id)
            self._keeper().drop(job.pk)

    def _drain(self) -> int:
        """Run ready jobs until none is left (or the worker is stopping); returns how many ran."""
        if _database_backend(self.backend_alias) is None:
            return 0
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.management.commands.db_worker import Worker

        from xinfang.common.models import JobLease

        runner = Worker(queue_names=self.queues, interval=0, batch=True, backend_name=self.backend_alias,
                        startup_delay=False, max_tasks=None, worker_id=self.worker_id, excluded_queue_names=[])
        keeper = self._keeper()
        ran = failed = 0
        total = 0  # the size of this run, known once it has started
        reported = time.monotonic()
        done: list = []  # the batch's jobs that ran
        claimed = 0  # jobs claimed in this run (those run and those of the batch at hand)
        interrupted = broken = False

        def finish(job):
            nonlocal ran, failed, interrupted, broken, total, reported
            keeper.drop(job.pk)
            interrupted = self._interrupted(job)
            if interrupted:
                return
            done.append(job.pk)
            ran += 1
            if job.status == TaskResultStatus.FAILED:
                failed += 1
                broken = True  # a failed job may have left a broken connection
            now = time.monotonic()
            if total >= PROGRESS_MIN and now - reported >= PROGRESS_SECONDS:
                reported = now
                total = claimed + self._ready().count()  # jobs keep coming while a backlog runs
                self._say(_("后台任务处理中 %(done)d/%(total)d（失败 %(failed)d 个）") % {
                    "done": ran, "total": total, "failed": failed})

        try:
            while not self.stopping:
                batch = self._claim_batch()
                if not batch:
                    break
                keeper.hold(job.pk for job in batch)
                claimed += len(batch)
                if not ran:
                    total = len(batch) + self._ready().count()
                    if total >= PROGRESS_MIN:
                        self._say(_("后台任务：待处理 %(n)d 个，开始处理。") % {"n": total})
                done.clear()
                interrupted = broken = False
                try:
                    i = 0
                    one_by_one = 0  # jobs before this index run one by one (their set-based run failed)
                    while i < len(batch) and not interrupted:
                        if self.stopping:
                            self._give_back(batch[i:])
                            break
                        job = batch[i]
                        if job.task_path in SET_BASED and i >= one_by_one:
                            end = i
                            while end < len(batch) and batch[end].task_path == job.task_path:
                                end += 1
                            try:
                                together = self._run_set(batch[i:end])
                            except KeyboardInterrupt:  # stopped at once: the jobs run again later
                                self._give_back(batch[i:])
                                raise
                            if together:
                                for job in batch[i:end]:
                                    i += 1
                                    finish(job)
                                continue
                            one_by_one = end
                        if job.task_path in TOGETHER:
                            until = time.monotonic() + GROUP_SECONDS
                            with transaction.atomic(using=job._state.db):
                                while True:
                                    job = batch[i]
                                    self._run_saved(runner, job)
                                    i += 1
                                    finish(job)
                                    if (interrupted or self.stopping or i >= len(batch) or time.monotonic() >= until
                                            or batch[i].task_path not in TOGETHER):
                                        break
                        else:
                            try:
                                with leases.in_worker():
                                    runner.run_task(job)
                            finally:
                                i += 1
                                finish(job)
                        if interrupted:  # stopped at once by a second signal: the job runs again later
                            leases.requeue(job)
                            self._give_back(batch[i:])
                            raise KeyboardInterrupt
                        if broken:
                            broken = False
                            close_old_connections()
                finally:
                    # leases of the jobs run, dropped together (or of the interrupted one)
                    JobLease.objects.filter(task_id__in=[j.pk for j in batch if j.pk in done or
                                                         j.status != TaskResultStatus.RUNNING],
                                            worker_id=self.worker_id).delete()
                self._tick()
        finally:
            if not connection.in_atomic_block:  # a caller's transaction (a test, a command) keeps its connection
                close_old_connections()
        if ran and not self.once:
            self._say(_("执行后台任务 %(n)d 个（失败 %(failed)d 个）。") % {"n": ran, "failed": failed})
        return ran

    # ---- stopping ---------------------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping:
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.25))

    def _on_signal(self, signum, frame) -> None:
        if self.stopping:  # a second signal: stop now, even in the middle of a job
            raise KeyboardInterrupt
        logger.warning("received %s, stopping after the current job", signal.Signals(signum).name)
        self.stopping = True

    def _install_signals(self) -> dict:
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.getsignal(sig)
            signal.signal(sig, self._on_signal)
        return previous

    def _restore_signals(self, previous: dict) -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
