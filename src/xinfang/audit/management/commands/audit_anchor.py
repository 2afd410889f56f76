"""`xinfang audit anchor [--append FILE]`: the signed head of the audit chain as one line of text, to keep
outside the database (`xinfang audit verify --anchor FILE` checks that no anchored row changed)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xinfang.audit.keys import audit_key_is_development
from xinfang.audit.services import anchor_line


class Command(BaseCommand):
    help = _("输出用审计密钥签名的审计链尾（序号、哈希、时间、签名）一行文本，供保存在数据库之外。")

    def add_arguments(self, parser):
        parser.add_argument("--append", metavar="FILE", help=_("把锚点追加到此文件末尾"))

    def handle(self, *args, append=None, **options):
        if audit_key_is_development():
            self.stderr.write(self.style.WARNING(_(
                "注意：未设置 XINFANG_AUDIT_KEY，锚点仅用公开的开发密钥签名，不能防止伪造。")))
        line = anchor_line()
        if append:
            try:
                with open(append, "a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
            except OSError as exc:
                raise CommandError(_("无法写入锚点文件 %(file)s：%(error)s") % {"file": append, "error": exc}) from exc
        self.stdout.write(line)
