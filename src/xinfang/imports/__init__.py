"""批量导入: petitions from legacy ledgers (xlsx / csv), all rows or none.

This package sits above `workflow` (web/api → reports, insight, knowledge, imports, oversight →
workflow → petitions → org → common): an import registers every row through the workflow's own
services, so numbers, deadlines, facts, timeline events and audit rows are real.

One concern per module:

* `limits`     size limits of a file and of its cells
* `fields`     the fields a ledger can fill and the headers that name them
* `mapping`    headers to fields: automatic matching, explicit FIELD=HEADER, the workbench's choice
* `reading`    bytes of an xlsx or csv file to a header row and data rows (no database)
* `cells`      one cell to a value: dates, text, yes/no, channel and other names
* `lookups`    categories, regions and units by code or name (database reads, cached)
* `handling`   the optional history columns: status, acceptance/reply/close dates, outcome, unit
* `rows`       one row to the arguments of `petition_register`, or its Chinese errors
* `checking`   every row of a file checked, nothing written
* `committing` every row registered in one transaction, or none
* `access`     who may import, for which unit
* `storage`    the uploaded ledger kept encrypted until the import is done
* `progress`   progress of a running import (the job row, or a side file)
* `services`   the workbench's import jobs: create, change, start (writes)
* `selectors`  the workbench's import jobs: look-ups and the preview (reads)
* `runner`     the body of the background job
* `tasks`      the django-tasks task that runs it
* `errors`     per-row errors and their Chinese report lines

The `ImportJob` model stays in `petitions` (`xinfang.petitions.models.ImportJob`, table
`petitions_importjob`): moving a model to another app means moving its table and its migration
history across apps, a risky migration for no gain. This package only reads and writes it.
"""
