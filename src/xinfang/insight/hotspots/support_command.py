"""`xinfang insight support --csv FILE`: store the public support (点赞数, 反对数) of the petitions
imported from a message-board export (`xinfang import petitions FILE`), matched by 留言编号 = the
petition's 原编号 (external_id). The hot spots weigh it into their score.

The `insight` management command calls `add_arguments(parser)` for its `support` sub-command and
`run(options, stdout)` to execute it (imports ranks below insight, so the importer cannot do it)."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError


def add_arguments(parser) -> None:
    parser.add_argument("--csv", dest="csv", required=True,
                        help="留言板导出的CSV（列：留言编号、点赞数、反对数），须已用 import petitions 导入")


def run(options, stdout) -> int:
    """Store the support of every imported row of the file; print and return how many petitions."""
    from .services import support_from_csv

    path = Path(options.get("csv") or "")
    if not path.is_file():
        raise ApplicationError(_("文件不存在：%(p)s") % {"p": path}, "invalid", "csv")
    done = support_from_csv(path)
    if done:
        stdout.write(_("已记录%(n)d件信访件的点赞数和反对数。") % {"n": done})
    else:
        stdout.write(_("文件中没有已导入的留言（按留言编号与原编号匹配）：请先运行 xinfang import petitions。"))
    return done
