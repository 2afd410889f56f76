"""`xinfang worker [--once] [--interval SECONDS]`: the background process (DESIGN §8).

Each pass refreshes the stored deadlines' warning levels, closes petitions whose 复查/复核 window
passed unused, and runs every queued django-tasks job of the database backend. Without `--once`
it repeats every interval until SIGTERM or Ctrl+C, finishing the job at hand first.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from xinfang.workflow.services import deadlines_sweep, petitions_close_expired

logger = logging.getLogger("xinfang.worker")


def _database_backend(alias: str):
    """The django-tasks backend `alias` when it is a database backend, else None."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.compat import task_backends

    try:
        backend = task_backends[alias]
    except Exception:  # an unknown alias or a misconfigured backend: no jobs to run here
        return None
    return backend if isinstance(backend, DatabaseBackend) else None


class Command(BaseCommand):
    help = _("后台任务进程：检查办理时限并更新预警等级、复查复核期限届满自动办结、执行排队的后台任务。")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help=_("只执行一轮后退出"))
        parser.add_argument("--interval", type=float, default=60.0,
                            help=_("两轮之间的间隔秒数（默认60）"))
        parser.add_argument("--queue", default="*", help=_("处理的任务队列，逗号分隔，* 表示全部（默认）"))
        parser.add_argument("--backend", default="default", help=_("django-tasks 后端别名（默认 default）"))

    def handle(self, *args, once=False, interval=60.0, queue="*", backend="default", **options):
        if interval < 0 or interval != interval:
            raise CommandError(_("间隔秒数应为非负数。"))
        self.stopping = False
        self.current_worker = None
        self.queues = [q.strip() for q in queue.split(",") if q.strip()] or ["*"]
        self.backend_alias = backend
        self.worker_id = get_random_string(32)
        self._configure_logging(options.get("verbosity", 1))
        previous = self._install_signals()
        try:
            while True:
                self._pass(raise_errors=once)
                if once or self.stopping:
                    break
                self._sleep(interval)
                if self.stopping:
                    break
                close_old_connections()
        except KeyboardInterrupt:
            self.stopping = True
        finally:
            self._restore_signals(previous)
        if self.stopping:
            self.stdout.write(_("后台任务进程已停止。"))

    @staticmethod
    def _configure_logging(verbosity: int) -> None:
        """Per-job log lines of django-tasks only with -v 2 or more; the pass summary says how many ran."""
        from django_tasks_db.compat import TASKS_LOGGER

        level = {0: logging.CRITICAL, 1: logging.WARNING, 2: logging.INFO}.get(verbosity, logging.DEBUG)
        for name in ("django_tasks_db", TASKS_LOGGER):
            logging.getLogger(name).setLevel(level)

    # ---- one pass ---------------------------------------------------------------------------

    def _pass(self, raise_errors: bool) -> None:
        steps = (("sweep", deadlines_sweep), ("close", petitions_close_expired), ("tasks", self._run_tasks))
        done = {}
        for name, step in steps:
            if self.stopping:
                break
            try:
                done[name] = step()
            except Exception as exc:
                if raise_errors:
                    raise CommandError(_("后台任务执行失败（%(step)s）：%(err)s") % {"step": name, "err": exc}) from exc
                logger.exception("worker step %s failed", name)
                done[name] = None
        self.stdout.write(_("时限检查：预警等级更新 %(sweep)s 件；自动办结 %(close)s 件；执行后台任务 %(tasks)s 个。") % {
            k: ("-" if done.get(k) is None else done[k]) for k in ("sweep", "close", "tasks")})

    def _run_tasks(self) -> int:
        """Run every ready job of the database backend, then return how many ran."""
        backend = _database_backend(self.backend_alias)
        if backend is None:
            return 0
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(queue_names=self.queues, interval=0, batch=True, backend_name=self.backend_alias,
                        startup_delay=False, max_tasks=None, worker_id=self.worker_id, excluded_queue_names=[])
        self.current_worker = worker
        try:
            worker.run()
        finally:
            self.current_worker = None
        return getattr(worker, "_run_tasks", 0)

    # ---- stopping ---------------------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping:
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.5))

    def _on_signal(self, signum, frame) -> None:
        if self.stopping:  # a second signal: stop now, even in the middle of a job
            raise KeyboardInterrupt
        logger.warning("received %s, stopping after the current step", signal.Signals(signum).name)
        self.stopping = True
        if self.current_worker is not None:
            self.current_worker.running = False  # the job at hand finishes; no new one starts

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
