"""`xinfang report annual --year YYYY [--unit CODE] [--format md|docx] [--output FILE] [--user USERNAME]`:
the yearly 信访工作情况 report to the government of the same level (S22 Art 41), figures filled in,
the problems and suggestions left as a skeleton to write."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from xinfang.common.errors import ApplicationError
from xinfang.reports import bulletin

from ._common import report_user
from .report_bulletin import write


class Command(BaseCommand):
    help = "年度信访工作情况报告（《信访工作条例》第四十一条），md 或 docx。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit", help="单位代码")
        parser.add_argument("--format", default="md", choices=bulletin.ANNUAL_FORMATS)
        parser.add_argument("--output", help="输出文件（md 默认输出到屏幕）")
        parser.add_argument("--user", help="按该工作人员的管辖范围统计（用户名）")

    def handle(self, *args, **opts):
        user = report_user(opts["user"])
        try:
            report = bulletin.annual_build(user, year=opts["year"], unit_code=opts["unit"])
            content, _type, name = bulletin.render_annual(report, opts["format"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        write(self, content, opts["output"], name, binary=opts["format"] == "docx")
