"""Committing a checked file: every row registered in ONE transaction, or none.

Each row goes through `xinfang.workflow.services.petition_register` (numbers, deadlines, facts,
timeline, audit) without a 登记回执; a row with history columns then goes through
`xinfang.workflow.history.petition_history_apply`, which brings it to the recorded status.
"""

from __future__ import annotations

import re

from django.db import transaction

from xinfang.common.errors import ApplicationError
from xinfang.org.models import Unit
from xinfang.workflow import history as workflow_history
from xinfang.workflow import services as workflow_services

from .checking import ImportResult, rows_validate
from .errors import RowError
from .lookups import Lookups
from .progress import Progress, ticker
from .reading import Table
from .rows import ParsedRow


class _Rollback(Exception):
    pass


_SERVICE_FIELDS = {"petitioners": "petitioner_name"}


def _service_field(name: str | None) -> str:
    if not name:
        return ""
    m = re.match(r"petitioners\[\d+\]\.(\w+)", name)
    if m:
        return {"name": "petitioner_name", "id_number": "petitioner_id_number", "phone": "petitioner_phone",
                "address": "petitioner_address"}.get(m.group(1), "petitioner_name")
    return _SERVICE_FIELDS.get(name, name)


def rows_commit(rows: list[ParsedRow], mapping: dict[str, str], *, actor, unit: Unit,
                progress: Progress | None = None, dry_run: bool = False,
                before_commit=None) -> ImportResult:
    """Register every row in ONE transaction; any failure rolls back all. `before_commit(result)` runs
    inside that transaction when every row succeeded (the job records itself done with its rows, so
    a worker killed at any instant leaves either both or neither).

    A row the services refuse is reported (with the service's message) and the other rows are still
    tried, each in its own savepoint, so that every refusal is reported at once; then everything is
    rolled back. Any other exception rolls back everything and propagates.
    """
    result = ImportResult(total=len(rows))
    tick = ticker(progress, "write", len(rows))
    units: dict[str, Unit] = {}
    try:
        with transaction.atomic():
            for i, parsed in enumerate(rows, start=1):
                try:
                    with transaction.atomic():
                        petition = _commit_one(parsed, actor=actor, unit=unit, units=units)
                except ApplicationError as exc:
                    name = _service_field(exc.field)
                    result.errors.append(RowError(parsed.row, mapping.get(name, ""), exc.message, name))
                else:
                    result.created += 1
                    if len(result.numbers) < 2 or i == len(rows):
                        result.numbers.append(petition.number)
                tick(i)
            if result.errors or dry_run:
                raise _Rollback
            if before_commit is not None:
                before_commit(result)
    except _Rollback:
        if not dry_run or result.errors:
            result.created = 0
            result.numbers = []
    return result


def _commit_one(parsed: ParsedRow, *, actor, unit: Unit, units: dict[str, Unit]):
    """One row: registered without a 登记回执, then brought to its recorded status."""
    petition, _code = workflow_services.petition_register(actor=actor, unit=unit, petitioners=parsed.petitioners,
                                                          issue_receipt=False, **parsed.fields)
    h = parsed.history
    if h is not None:
        handling = None
        if h.handling_unit:
            if h.handling_unit not in units:
                units[h.handling_unit] = Unit.objects.get(code=h.handling_unit)
            handling = units[h.handling_unit]
        workflow_history.petition_history_apply(
            petition=petition, actor=actor, status=h.status, accepted_at=h.accepted_at, replied_at=h.replied_at,
            closed_at=h.closed_at, outcome=h.outcome, handling_unit=handling)
    return petition


def import_table(table: Table, mapping: dict[str, str], *, actor, unit: Unit, default_channel: str = "",
                 progress: Progress | None = None, dry_run: bool = False, lookups: Lookups | None = None
                 ) -> ImportResult:
    """Validate every row; when no row has an error, register them all in one transaction."""
    checked = rows_validate(table, mapping, unit=unit, default_channel=default_channel, progress=progress,
                            lookups=lookups)
    if checked.errors:
        checked.rows = []
        return checked
    done = rows_commit(checked.rows, mapping, actor=actor, unit=unit, progress=progress, dry_run=dry_run)
    done.total = checked.total
    return done
