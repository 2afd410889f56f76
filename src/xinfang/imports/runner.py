"""The background job's body: check every row, then write them all in one transaction, or none;
the outcome (counts, per-row errors, a Chinese summary) is stored on the job."""

from __future__ import annotations

import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.petitions.models import ImportJob

from . import limits
from .access import resolve_unit
from .checking import ImportResult, rows_validate
from .committing import rows_commit
from .errors import RowError
from .progress import JobProgress
from .reading import read_table
from .storage import job_data

log = logging.getLogger(__name__)


def import_job_run(job_id: int) -> dict:
    """The background job: validate every row, then write them all in one transaction, or none.

    A job still RUNNING is taken again: the task queue hands a job to a second worker only when the
    first one's lease expired (it died), and the rows and the DONE state commit together, so a
    RUNNING job has written nothing yet."""
    claimed = ImportJob.objects.filter(pk=job_id, state__in=(ImportJob.State.QUEUED, ImportJob.State.RUNNING)).update(
        state=ImportJob.State.RUNNING, message="validate", processed_rows=0)
    if not claimed:
        return {"skipped": True}
    job = ImportJob.objects.select_related("unit", "created_by").get(pk=job_id)
    progress = JobProgress(job.pk)
    errors: list[RowError] = []
    result = ImportResult()
    try:
        actor = job.created_by
        if actor is None or not actor.is_active:
            raise ApplicationError(_("导入人的账号已停用。"), "invalid")
        unit = resolve_unit(actor, job.unit.code)
        data = job_data(job)
        table = read_table(data, job.filename, explicit_headers=job.mapping.values())
        mapping = {k: v for k, v in job.mapping.items() if v in table.headers}
        checked = rows_validate(table, mapping, unit=unit, default_channel=job.channel, progress=progress)
        if checked.errors:
            result, errors = checked, checked.errors
        else:
            ImportJob.objects.filter(pk=job.pk).update(message="write", processed_rows=0,
                                                       total_rows=checked.total)
            def done(res, total=checked.total):
                res.total = total
                ImportJob.objects.filter(pk=job.pk).update(**_fields(res, []))

            result = rows_commit(checked.rows, mapping, actor=actor, unit=unit, progress=progress, before_commit=done)
            result.total = checked.total
            errors = result.errors
    except ApplicationError as exc:
        errors = [RowError(None, "", exc.message)]
    except Exception:  # a bug or a database failure: nothing was committed
        log.exception("import job %s failed", job_id)
        errors = [RowError(None, "", _("导入过程中发生内部错误，全部未导入。请联系系统管理员。"))]
    finally:
        progress.close()
    if not errors and result.created == 0:
        errors = [RowError(None, "", _("文件中没有可导入的数据行。"))]
    ok = not errors
    fields = _fields(result, errors)
    ImportJob.objects.filter(pk=job_id).update(**fields)
    if ok:
        job.file.delete(save=False)  # the data now lives in the database, encrypted where personal
        ImportJob.objects.filter(pk=job_id).update(file="")
    return {"created": fields["created_count"], "errors": len(errors)}


def _fields(result: ImportResult, errors: list[RowError]) -> dict:
    ok = not errors
    return {
        "state": ImportJob.State.DONE if ok else ImportJob.State.FAILED,
        "processed_rows": result.total if ok else 0,
        "total_rows": result.total,
        "created_count": result.created if ok else 0,
        "errors": [e.as_dict() for e in errors[:limits.MAX_STORED_ERRORS]],
        "message": _summary(result, errors),
        "finished_at": timezone.now(),
    }


def _summary(result: ImportResult, errors: list[RowError]) -> str:
    if errors:
        rows = len({e.row for e in errors if e.row is not None})
        text = _("共%(n)d处错误（涉及%(rows)d行），全部未导入。请修改文件后重新上传。") % {"n": len(errors), "rows": rows}
        if len(errors) > limits.MAX_STORED_ERRORS:
            text += _("（仅列出前%(m)d处）") % {"m": limits.MAX_STORED_ERRORS}
        return text
    text = _("已导入%(n)d件信访件。") % {"n": result.created}
    if result.numbers:
        text += _("编号 %(first)s 至 %(last)s。") % {"first": result.numbers[0], "last": result.numbers[-1]}
    return text
