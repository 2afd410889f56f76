"""Background jobs of the imports package (django-tasks; enqueued after commit, carrying IDs)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django_tasks import task

from .runner import import_job_run


# A clerk is watching the progress bar: run before routine work (notices, sweeps) already queued.
@task(priority=50)
def import_petitions_job(job_id: int) -> dict:
    """批量导入: run one `ImportJob` (validate every row, then all rows in one transaction or none)."""
    with translation.override(settings.LANGUAGE_CODE):  # the error report is in Chinese
        return import_job_run(job_id)
