"""`xinfang import petitions FILE [--column FIELD=HEADER …] [--channel C] [--unit CODE] [--user USERNAME]
[--category-by-name] [--limit N] [--skip-existing] [--dry-run]`.

Without `--user` the rows are registered by the system account `import` (no usable password; a clerk
post at `--unit`, default the top petition office). A message-board export (留言编号, 留言用户, 留言主题,
留言时间, 留言详情[, 一级标签]) is read as it is: its columns are recognised, its channel defaults to
网上信访, the user id becomes the petitioner's name. Its 点赞数/反对数 are stored afterwards by
`xinfang insight support --csv FILE`.

Every row is checked first and all errors are reported together; only a file without errors is
imported, in one transaction (all rows or none). Exit status 1 when anything failed. Optional columns
carry how far a legacy case got (状态, 受理时间, 答复时间, 办结时间, 处理结果, 承办单位: see
`xinfang.imports.handling`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from xinfang.common.errors import ApplicationError
from xinfang.imports.access import resolve_unit
from xinfang.imports.account import IMPORT_ACCOUNT, import_account
from xinfang.imports.cells import channel_code
from xinfang.imports.committing import import_table
from xinfang.imports.errors import error_report_lines
from xinfang.imports.fields import FIELD_ORDER, field_label
from xinfang.imports.limits import MAX_BYTES
from xinfang.imports.lookups import Lookups
from xinfang.imports.mapping import board_shaped, match_headers, parse_mapping_args
from xinfang.imports.reading import read_table
from xinfang.petitions.choices import Channel

PHASES = {"validate": "校验", "write": "写入"}


class Command(BaseCommand):
    help = "批量导入信访件（.xlsx 或 .csv）：先校验全部行，无错误才在一个事务中全部导入。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="台账文件（.xlsx 或 .csv，CSV 可为 UTF-8 或 GBK 编码）")
        parser.add_argument("--column", action="append", default=[], metavar="FIELD=HEADER",
                            help="列映射，可重复。字段：" + ", ".join(FIELD_ORDER))
        parser.add_argument("--channel", default="",
                            help="默认信访形式（文件中没有“信访形式”列或该列为空时使用）：代码或名称，如 visit、来访、"
                                 "12345热线。可选：" + ", ".join(Channel.values))
        parser.add_argument("--unit", default="", help="登记单位代码（默认：登记人的第一个登记单位；"
                                                       "未指定 --user 时为最高一级信访工作机构）")
        parser.add_argument("--user", default="", help=f"登记人用户名（须有登记权限；不填则用系统账号 {IMPORT_ACCOUNT}）")
        parser.add_argument("--category-by-name", action="store_true",
                            help="分类列是名称标签（如留言板的一级标签 城乡建设、卫生计生）：按名称或别名匹配内容分类，"
                                 "匹配不到的留空而不报错")
        parser.add_argument("--limit", type=int, default=None, metavar="N", help="只导入前N个数据行")
        parser.add_argument("--skip-existing", action="store_true",
                            help="跳过原编号已在该单位导入过的行（重复运行同一文件时）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并试写，最后全部撤销")

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            return self._handle(**options)

    def _handle(self, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"文件过大：不能超过{MAX_BYTES >> 20} MB。请拆分后分批导入。")
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit 应为正整数。")
        channel = ""
        if options["channel"]:
            channel = channel_code(options["channel"])
            if channel is None:
                raise CommandError(f"信访形式取值无效：{options['channel']}。可填：" + "、".join(
                    str(label) for _v, label in Channel.choices))
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"用户不存在或已停用：{options['user']}")
        try:
            explicit = parse_mapping_args(options["column"])
            table = read_table(path.read_bytes(), path.name, explicit_headers=explicit.values())
            mapping = match_headers(table.headers, explicit)
            if user is None:
                user, unit = import_account(options["unit"] or None)
            else:
                unit = resolve_unit(user, options["unit"] or None)
        except ApplicationError as exc:
            raise CommandError(f"导入失败：{exc.message}") from None
        out = self.stdout
        where = f"（工作表“{table.sheet}”）" if table.sheet else ""
        out.write(f"文件：{path.name}{where}，表头在第{table.header_row}行，数据{len(table.rows)}行。")
        if options["skip_existing"] and "external_id" in mapping:
            table.rows, skipped = _without_stored(table, mapping["external_id"], unit)
            if skipped:
                out.write(f"跳过{skipped}行：原编号已在本单位导入过。")
        if options["limit"] is not None and len(table.rows) > options["limit"]:
            table.rows = table.rows[:options["limit"]]
            out.write(f"只导入前{options['limit']}行。")
        if not channel and "channel" not in mapping and board_shaped(mapping):
            channel = Channel.ONLINE
            out.write(f"信访形式：{Channel.ONLINE.label}（留言板文件）。")
        out.write(f"登记单位：{unit.name}（{unit.code}），登记人：{user.username}")
        out.write("列映射：" + "；".join(f"{field_label(k)}({k})←“{v}”" for k, v in mapping.items()))
        if "title" not in mapping:
            out.write("标题：文件中没有标题列，取反映内容的第一句。")
        lookups = Lookups(category_by_name=options["category_by_name"])

        def progress(phase: str, done: int, total: int):
            self.stderr.write(f"\r已{PHASES.get(phase, phase)} {done}/{total}", ending="")
            if done >= total:
                self.stderr.write("")

        result = import_table(table, mapping, actor=user, unit=unit, default_channel=channel,
                              progress=progress if sys.stderr.isatty() else None, dry_run=options["dry_run"],
                              lookups=lookups)
        if result.errors:
            general = [e.message for e in result.errors if e.row is None]
            if general and len(general) == len(result.errors):
                raise CommandError("导入失败：" + "".join(general) + "未导入任何信访件。")
            rows = len({e.row for e in result.errors if e.row is not None})
            for line in error_report_lines(result.errors):
                self.stderr.write(line)
            raise CommandError(f"导入失败：共{len(result.errors)}处错误（涉及{rows}行），未导入任何信访件。"
                               "请修改文件后重新导入。")
        if lookups.unmatched:
            out.write("未匹配到内容分类的标签（这些行未分类）：" + "；".join(
                f"{label}（{n}行）" for label, n in sorted(lookups.unmatched.items(), key=lambda kv: -kv[1])))
        if options["dry_run"]:
            out.write(self.style.SUCCESS(f"校验通过：共{result.total}行，可导入{result.created}件（试运行，未写入）。"))
            return
        span = f"，编号 {result.numbers[0]} 至 {result.numbers[-1]}" if result.numbers else ""
        out.write(self.style.SUCCESS(f"导入成功：共导入{result.created}件信访件{span}。"))
        if {"点赞数", "反对数"} & set(table.headers):
            out.write(f"文件中有点赞数/反对数：运行 xinfang insight support --csv {path} 记录公众支持（热点热度）。")


def _without_stored(table, header: str, unit) -> tuple[list, int]:
    """The table's rows without those whose external id is already stored at `unit`; and how many."""
    from xinfang.imports.cells import cell_text
    from xinfang.petitions.models import Petition

    i = table.headers.index(header)
    ids = {cell_text(v[i]) for _n, v in table.rows if i < len(v)}
    stored: set[str] = set()
    chunk = sorted(ids)
    for start in range(0, len(chunk), 500):
        stored |= set(Petition.objects.filter(receiving_unit=unit, external_id__in=chunk[start:start + 500])
                      .values_list("external_id", flat=True))
    kept = [(n, v) for n, v in table.rows if not (i < len(v) and cell_text(v[i]) in stored)]
    return kept, len(table.rows) - len(kept)
