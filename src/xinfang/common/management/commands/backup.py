"""`xinfang backup FILE [--encrypt]`: an online, consistent backup of the database and the stored files."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xinfang.common.backup import BackupError, backup_create
from xinfang.common.backup.service import PASSPHRASE_ENV


class Command(BaseCommand):
    help = _("在线备份数据库和存储的文件（文书、附件、导入文件）到一个归档文件，附清单（各表行数、文件校验值、迁移状态）。")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("备份文件路径（不能已存在）"))
        parser.add_argument("--encrypt", action="store_true",
                            help=_("用环境变量 %(env)s 中的口令加密（AES-GCM，scrypt 派生密钥）") % {"env": PASSPHRASE_ENV})

    def handle(self, *args, file, encrypt=False, **options):
        try:
            result = backup_create(file, encrypt=encrypt)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(_(
            "备份完成：%(path)s（%(tables)d 张表，%(rows)d 行，%(files)d 个文件%(enc)s）。") % {
            "path": result.path, "tables": result.tables, "rows": result.rows, "files": result.files,
            "enc": _("，已加密") if result.encrypted else ""}))
        if result.missing:
            self.stdout.write(self.style.WARNING(_("注意：记录中引用的 %(n)d 个文件在备份时已不存在（如 %(f)s）。") % {
                "n": len(result.missing), "f": result.missing[0]}))
        self.stdout.write(_("个人信息在备份中仍是密文：恢复后需要同一个 XINFANG_DATA_KEY 才能读取；请把密钥与备份分开保管。"))
