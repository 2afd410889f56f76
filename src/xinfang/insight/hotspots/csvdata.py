"""Messages from a CSV file with the hot-issue columns (留言编号, 留言用户, 留言主题, 留言时间, 留言详情,
点赞数, 反对数), as engine docs: to compute hot spots and replay the early warning without a database."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError

from .engine import Doc

COLUMNS = {"id": "留言编号", "user": "留言用户", "title": "留言主题", "at": "留言时间", "content": "留言详情",
           "likes": "点赞数"}
DATA_ENV = "XINFANG_SHARED_DATA"  # overrides where ../shared/data is


def shared_data_dir(project_dir: Path | None = None) -> Path:
    """The evaluation data folder: $XINFANG_SHARED_DATA, else ../shared/data beside the project."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    root = project_dir or Path(__file__).resolve().parents[4]  # src/xinfang/insight/hotspots -> project
    return root.parent / "shared" / "data"


def parse_time(raw: str) -> dt.datetime | None:
    """"2019/2/28 11:25:05", "2019-09-05 12:29:01", "2019-09-05" (naive, local time)."""
    raw = (raw or "").strip().replace("/", "-")
    if not raw:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(raw, fmt)
        except ValueError:
            continue
    return None


def _int(raw) -> int:
    try:
        return max(int(float(raw or 0)), 0)
    except (TypeError, ValueError):
        return 0


def read_messages(path) -> list[Doc]:
    """The file's messages as docs (key: 留言编号; extra: {"external_id"}); refused (ApplicationError)
    when the file cannot be read or lacks the subject or time column."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in (COLUMNS["title"], COLUMNS["at"]) if c not in (reader.fieldnames or [])]
            if missing:
                raise ApplicationError(_("CSV文件缺少列：%(c)s") % {"c": "、".join(missing)}, "invalid", "csv")
            docs = []
            for n, row in enumerate(reader, start=1):
                key = (row.get(COLUMNS["id"]) or "").strip() or str(n)
                docs.append(Doc(key=key, title=row.get(COLUMNS["title"]) or "", content=row.get(COLUMNS["content"]) or "",
                                at=parse_time(row.get(COLUMNS["at"]) or ""), support=_int(row.get(COLUMNS["likes"])),
                                person=(row.get(COLUMNS["user"]) or "").strip(), extra={"external_id": key}))
            return docs
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ApplicationError(_("无法读取CSV文件：%(e)s") % {"e": exc}, "invalid", "csv") from None
