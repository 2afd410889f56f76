"""Progress of an import: a callback (phase, done, total) called as rows are checked and written,
and what the workbench's progress bar reads back."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

from xinfang.petitions.models import ImportJob

Progress = Callable[[str, int, int], None]  # (phase, done, total)


def ticker(progress: Progress | None, phase: str, total: int, every: float = 0.5):
    last = [0.0]

    def tick(done: int):
        if progress is None:
            return
        now = time.monotonic()
        if done >= total or now - last[0] >= every:
            last[0] = now
            progress(phase, done, total)

    return tick


# progress of the write phase: it runs inside one long transaction, so the job row cannot show it
# on SQLite; a small file beside the uploads carries it (on PostgreSQL a second connection writes
# the job row directly).

def progress_path(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{job_id}.txt"


def job_progress(job: ImportJob) -> tuple[str, int, int]:
    """(phase, done, total) for the progress bar; phase is "queued", "validate", "write" or "finished"."""
    if job.state == ImportJob.State.QUEUED:
        return "queued", 0, job.total_rows
    if job.state != ImportJob.State.RUNNING:
        return "finished", job.processed_rows, job.total_rows
    phase = "write" if job.message == "write" else "validate"
    done = job.processed_rows
    if phase == "write":
        with contextlib.suppress(OSError, ValueError):
            done = max(done, int(progress_path(job.pk).read_text().strip() or 0))
    return phase, min(done, job.total_rows), job.total_rows


class JobProgress:
    """The progress callback of a running job: the checking phase updates the job row, the writing
    phase (one long transaction) a second connection (PostgreSQL) or the side file."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.side = None
        # A second connection sees the job row only when the caller holds no transaction of its own
        # (the worker holds none); otherwise it could wait on the caller's row lock.
        self.use_side = connection.vendor == "postgresql" and not connection.in_atomic_block

    def __call__(self, phase: str, done: int, total: int):
        if phase == "validate":
            ImportJob.objects.filter(pk=self.job_id).update(processed_rows=done, total_rows=total, message="validate")
            return
        if self.use_side:
            try:
                if self.side is None:
                    self.side = connection.copy()
                    with self.side.cursor() as cur:
                        cur.execute("SET lock_timeout = '1s'")
                with self.side.cursor() as cur:
                    table = connection.ops.quote_name(ImportJob._meta.db_table)
                    cur.execute(f"UPDATE {table} SET processed_rows = %s WHERE id = %s", [done, self.job_id])
                return
            except Exception:  # progress is best effort: fall back to the file
                self.use_side = False
        path = progress_path(self.job_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(str(done))
            os.replace(tmp, path)
        except OSError:
            pass

    def close(self):
        if self.side is not None:
            self.side.close()
        with contextlib.suppress(OSError):
            progress_path(self.job_id).unlink(missing_ok=True)
