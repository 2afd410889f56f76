"""Labelled texts from CSV files, for `xinfang insight train|evaluate`.

Every file is read with the same column names: the text column and the label column must be in each
file; the title column is optional per file (a file without it just has no titles, e.g. the
teddy2020 `bodies_labelled.csv` beside `messages_labelled.csv`). Rows whose label or whose title and
text are both empty are skipped and counted. UTF-8 (with or without BOM), else GB18030.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.common.text import normalise

MAX_BYTES = 200 << 20  # one CSV file
DATA_ENV = "XINFANG_SHARED_DATA"  # where ../shared/data is (the evaluation data), as the hot spots read it


def shared_data_dir() -> Path:
    """$XINFANG_SHARED_DATA, else ../shared/data beside the project (src/xinfang/insight/classifier/…)."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    return Path(__file__).resolve().parents[4].parent / "shared" / "data"


@dataclass
class Labelled:
    titles: list[str] = field(default_factory=list)
    contents: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    skipped: int = 0
    files: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)


def _decode(raw: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError(_("无法读取文件 %(name)s：不是 UTF-8 或 GBK 编码的 CSV。") % {"name": name}, "invalid", "csv")


def read_labelled(paths: list[str | Path], *, text_column: str, label_column: str,
                  title_column: str = "") -> Labelled:
    """The labelled rows of every file, in order; ApplicationError on an unreadable file or a missing column."""
    if not paths:
        raise ApplicationError(_("请至少指定一个 CSV 文件。"), "invalid", "csv")
    if not text_column or not label_column:
        raise ApplicationError(_("请指定正文列和标签列。"), "invalid", "column")
    out = Labelled()
    csv.field_size_limit(max(csv.field_size_limit(), 16 << 20))
    for raw_path in paths:
        path = Path(raw_path)
        name = path.name
        try:
            if not path.is_file():
                raise ApplicationError(_("文件不存在：%(path)s") % {"path": str(path)}, "not_found", "csv")
            if path.stat().st_size > MAX_BYTES:
                raise ApplicationError(_("文件过大：%(name)s（不能超过 %(mb)d MB）。") % {"name": name, "mb": MAX_BYTES >> 20},
                                       "invalid", "csv")
            text = _decode(path.read_bytes(), name)
        except OSError as exc:
            raise ApplicationError(_("无法读取文件 %(name)s：%(error)s") % {"name": name, "error": exc.strerror or exc},
                                   "invalid", "csv") from None
        try:
            reader = csv.DictReader(io.StringIO(text, newline=""))
            headers = [h.strip() for h in (reader.fieldnames or [])]
            if not headers:
                raise ApplicationError(_("文件 %(name)s 是空的或没有表头。") % {"name": name}, "invalid", "csv")
            reader.fieldnames = headers
            for column in (text_column, label_column):
                if column not in headers:
                    raise ApplicationError(
                        _("文件 %(name)s 没有“%(column)s”列；表头为：%(headers)s") % {
                            "name": name, "column": column, "headers": "、".join(headers)}, "invalid", "column")
            has_title = bool(title_column) and title_column in headers
            for row in reader:
                label = normalise(row.get(label_column))
                title = normalise(row.get(title_column)) if has_title else ""
                content = normalise(row.get(text_column))
                if not label or not (title or content):
                    out.skipped += 1
                    continue
                out.titles.append(title)
                out.contents.append(content)
                out.labels.append(label)
        except csv.Error as exc:
            raise ApplicationError(_("文件 %(name)s 不是有效的 CSV：%(error)s") % {"name": name, "error": exc},
                                   "invalid", "csv") from None
        out.files.append(name)
    if not out.labels:
        raise ApplicationError(_("文件中没有带标签的行。"), "invalid", "csv")
    return out
