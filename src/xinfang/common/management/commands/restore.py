"""`xinfang restore FILE`: load a backup into an empty database and media directory, then verify it."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xinfang.common.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = _("把备份恢复到空数据库（和空的文件目录），然后核对各表行数、每个文件的校验值和审计链；有任何不符时以非零状态退出。")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("备份文件路径"))

    def handle(self, *args, file, **options):
        try:
            result = backup_restore(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        m = result.manifest
        self.stdout.write(_("备份：xinfang %(v)s，%(engine)s，%(at)s") % {
            "v": m.get("xinfang_version"), "engine": m.get("engine"), "at": m.get("created_at")})
        self.stdout.write(_("已恢复：%(tables)d 张表，%(rows)d 行，%(files)d 个文件；审计链校验 %(audit)d 条记录。") % {
            "tables": result.tables, "rows": result.rows, "files": result.files, "audit": result.audit_checked})
        for note in result.notes:
            self.stdout.write(self.style.WARNING(note))
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(_("恢复后的核对未通过：%(n)d 处不符。") % {"n": len(result.problems)})
        self.stdout.write(self.style.SUCCESS(_("核对通过：行数、文件校验值与备份清单一致，审计链完整。")))
