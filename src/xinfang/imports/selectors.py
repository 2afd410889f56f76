"""Reads of the workbench's import jobs: a job its creator may see, their recent jobs, a preview."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from xinfang.common import crypto
from xinfang.common.errors import NotFound
from xinfang.petitions.models import ImportJob

from . import limits
from .cells import cell_text
from .errors import RowInvalid
from .fields import field_for_header
from .lookups import Lookups
from .mapping import mapping_problems
from .reading import FormulaWithoutValue, Table, read_table
from .rows import RowParser
from .storage import job_data


def import_job_get(user, job_id) -> ImportJob:
    """A job its creator (or a superuser) may see; any other answers 404."""
    try:
        pk = int(job_id)
    except (TypeError, ValueError):
        raise NotFound(_("导入任务不存在。")) from None
    qs = ImportJob.objects.select_related("unit", "created_by")
    if not getattr(user, "is_superuser", False):
        qs = qs.filter(created_by_id=getattr(user, "pk", None))
    job = qs.filter(pk=pk).first()
    if job is None:
        raise NotFound(_("导入任务不存在。"))
    return job


def import_jobs_of(user, limit: int = 20) -> list[ImportJob]:
    return list(ImportJob.objects.filter(created_by_id=user.pk).select_related("unit")[:limit])


@dataclass
class Preview:
    table: Table
    mapping: dict[str, str]
    problems: list[str]
    rows: list[dict]
    columns: list[dict]


def import_job_preview(job: ImportJob, *, mapping: dict[str, str] | None = None, limit: int | None = None) -> Preview:
    """The first rows as they will be stored, with their errors, under `mapping` (default: the job's)."""
    limit = limits.PREVIEW_ROWS if limit is None else limit
    data = job_data(job)
    mapping = dict(job.mapping if mapping is None else mapping)
    table = read_table(data, job.filename, limit=limit, explicit_headers=mapping.values())
    mapping = {k: v for k, v in mapping.items() if v in table.headers}
    problems = mapping_problems(mapping, job.channel)
    parser = RowParser(table.headers, mapping, lookups=Lookups(), default_channel=job.channel)
    rows = []
    for number, values in table.rows[:limit]:
        if parser.is_empty(values):
            continue
        try:
            parsed = parser.parse(number, values)
            rows.append({"row": number, "ok": True, **parsed.display, "errors": []})
        except RowInvalid as exc:
            rows.append({"row": number, "ok": False, "errors": [e.as_dict() for e in exc.errors]})
    by_header = {h: f for f, h in mapping.items()}
    first = table.rows[0][1] if table.rows else []
    columns = []
    for i, (letter, header) in enumerate(zip(table.columns, table.headers, strict=True)):
        sample = first[i] if i < len(first) else None
        shown = "" if isinstance(sample, FormulaWithoutValue) else cell_text(sample)
        kind = by_header.get(header) or field_for_header(header)[0]
        mask = _MASKS.get(kind)
        if mask and shown:
            shown = mask(shown)
        columns.append({"index": i, "letter": letter, "header": header, "field": by_header.get(header, ""),
                        "sample": shown[:40]})
    return Preview(table=table, mapping=mapping, problems=problems, rows=rows, columns=columns)


# personal data on screens is masked (DESIGN §5), in the column samples too
_MASKS = {
    "petitioner_name": crypto.mask_name,
    "petitioner_id_number": lambda v: crypto.mask_id_number(v) if len(v) >= 15 else crypto.mask_phone(v),
    "petitioner_phone": crypto.mask_phone,
    "petitioner_address": crypto.mask_address,
}
