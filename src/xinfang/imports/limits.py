"""Size limits of an import. Read as `limits.NAME` at call time (tests lower them)."""

from xinfang.common import limits as _petition

MAX_ROWS = 50_000  # data rows per file
MAX_BYTES = 50 * 1024 * 1024  # uploaded file
MAX_SHEET_XML = 600 * 1024 * 1024  # uncompressed worksheet XML (zip bombs)
MAX_COLUMNS = 200
HEADER_SCAN_ROWS = 10  # the header row is looked for among the first rows
MAX_STORED_ERRORS = 1000
PREVIEW_ROWS = 10
MAX_CONTENT = _petition.MAX_CONTENT  # one set of limits for every entry point (common/limits.py)
MAX_DEMANDS = _petition.MAX_DEMANDS
