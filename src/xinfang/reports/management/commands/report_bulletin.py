"""`xinfang report bulletin --from D --to D [--unit CODE] [--format md|json|docx|xlsx] [--output FILE]
[--user USERNAME]`: the period bulletin (信访情况通报) in the office's own words.

Without `--user` the whole system is counted (an operator's view); with it, exactly what that
staff member may see. Markdown and JSON go to standard output unless `--output` is given; DOCX and
XLSX are written to `--output` (default: a file named after the period in the current directory).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xinfang.common.errors import ApplicationError
from xinfang.reports import bulletin

from ._common import parse_date, report_user


class Command(BaseCommand):
    help = "信访情况通报：按期间统计来访批次人次、各渠道件次、同比和各项指标（md、json、docx、xlsx）。"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="开始日期 YYYY-MM-DD（含）")
        parser.add_argument("--to", dest="date_to", required=True, help="结束日期 YYYY-MM-DD（含）")
        parser.add_argument("--unit", help="只统计到达该单位（及其下级）的信访件，单位代码")
        parser.add_argument("--format", default="md", choices=bulletin.FORMATS)
        parser.add_argument("--output", help="输出文件（md、json 默认输出到屏幕）")
        parser.add_argument("--user", help="按该工作人员的管辖范围统计（用户名）")

    def handle(self, *args, **opts):
        user = report_user(opts["user"])
        try:
            data = bulletin.bulletin_build(user, date_from=parse_date(opts["date_from"], "--from"),
                                           date_to=parse_date(opts["date_to"], "--to"), unit_code=opts["unit"])
            content, _type, name = bulletin.render(data, opts["format"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        write(self, content, opts["output"], name, binary=opts["format"] in ("docx", "xlsx"))


def write(cmd: BaseCommand, content: bytes, output: str | None, default_name: str, *, binary: bool) -> None:
    if output is None and not binary:
        cmd.stdout.write(content.decode("utf-8"), ending="")
        return
    path = Path(output or default_name)
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise CommandError(f"无法写入 {path}：{exc.strerror}") from None
    cmd.stdout.write(str(path))
