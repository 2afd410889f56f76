"""Writes of the workbench's import jobs: upload (create), change the mapping or channel, start.
The import itself runs in the background (`runner`, through `tasks`)."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.petitions.choices import Channel
from xinfang.petitions.models import ImportJob

from . import limits
from .access import resolve_unit
from .mapping import match_headers
from .reading import read_table
from .storage import seal
from .tasks import import_petitions_job


def import_job_create(*, actor, filename: str, data: bytes, unit_code: str | None = None,
                      channel: str = "", mapping: dict[str, str] | None = None) -> ImportJob:
    """Upload: check the file can be read and has a header row, store it encrypted, guess the mapping."""
    unit = resolve_unit(actor, unit_code)
    if channel and channel not in Channel.values:
        raise ApplicationError(_("信访形式取值无效：%(value)s") % {"value": channel}, "invalid", "channel")
    name = Path((filename or "").replace("\\", "/")).name[:200] or "upload"
    table = read_table(data, name, limit=limits.PREVIEW_ROWS, explicit_headers=(mapping or {}).values())
    guessed = match_headers(table.headers, mapping)
    ext = "xlsx" if table.kind == "xlsx" else "csv"
    job = ImportJob(created_by=actor, unit=unit, filename=name, channel=channel, mapping=guessed,
                    state=ImportJob.State.PREVIEWED, total_rows=table.size_estimate or 0)
    job.file.save(f"{secrets.token_hex(12)}.{ext}.enc", ContentFile(seal(data)), save=False)
    job.save()
    return job


def import_job_update(*, actor, job: ImportJob, mapping: dict[str, str] | None = None,
                      channel: str | None = None) -> ImportJob:
    """Change the mapping or the default channel of a job not started yet."""
    if job.state in (ImportJob.State.QUEUED, ImportJob.State.RUNNING, ImportJob.State.DONE):
        raise ApplicationError(_("该导入任务已开始或已完成，不能再修改。"), "conflict")
    if channel is not None:
        if channel and channel not in Channel.values:
            raise ApplicationError(_("信访形式取值无效：%(value)s") % {"value": channel}, "invalid", "channel")
        job.channel = channel
    if mapping is not None:
        job.mapping = mapping
    if job.state == ImportJob.State.UPLOADED:
        job.state = ImportJob.State.PREVIEWED
    job.save(update_fields=["channel", "mapping", "state"])
    return job


def import_job_start(*, actor, job: ImportJob) -> ImportJob:
    """Queue the job; the background task runs after this transaction commits."""
    resolve_unit(actor, job.unit.code)  # still allowed to register there
    with transaction.atomic():
        started = ImportJob.objects.filter(pk=job.pk, state__in=[
            ImportJob.State.UPLOADED, ImportJob.State.PREVIEWED, ImportJob.State.FAILED]).update(
            state=ImportJob.State.QUEUED, processed_rows=0, created_count=0, errors=[], message="",
            finished_at=None)
        if not started:
            raise ApplicationError(_("该导入任务已在进行或已完成。"), "conflict")
        job_id = job.pk
        transaction.on_commit(lambda: import_petitions_job.enqueue(job_id))
    job.refresh_from_db()
    return job
