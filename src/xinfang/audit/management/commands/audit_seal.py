"""`xinfang audit seal`: once XINFANG_AUDIT_KEY is set, seal the audit rows written before it (plain
SHA-256 from before the upgrade, or the published development key) so that `audit verify` accepts them.
An operator's act of trust in those rows: run it right after setting the key, never to silence a failure
you have not explained."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_seal

from .audit_verify import REASONS


class Command(BaseCommand):
    help = _("设置审计密钥后，用审计密钥封存此前未用它写入的审计记录（升级前的旧记录、开发密钥写入的记录），"
             "使 audit verify 从此接受它们。只在刚设置审计密钥时运行。")

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000, help=_("每次读取的记录条数"))

    def handle(self, *args, batch=5000, **options):
        if batch < 1:
            raise CommandError(_("每次读取的记录条数应为正整数。"))
        result = audit_seal(batch=batch)
        if result.reason == "no_key":
            raise CommandError(_("未设置 XINFANG_AUDIT_KEY：开发密钥是公开的，封存没有意义。请先设置审计密钥。"))
        if not result.ok:
            describe = REASONS.get(result.reason)
            detail = describe(result.broken_seq) if describe else f"seq={result.broken_seq} ({result.reason})"
            raise CommandError(_("未封存：%(detail)s。") % {"detail": detail})
        if result.reason == "nothing":
            self.stdout.write(_("无需封存：所有记录都已用审计密钥写入或封存（共 %(n)d 条）。") % {"n": result.checked})
            return
        self.stdout.write(self.style.SUCCESS(_(
            "已用审计密钥封存第 1 至 %(end)d 条记录（其中 %(n)d 条未用审计密钥写入）；封存本身已记入审计日志。") % {
            "end": result.unkeyed_end, "n": result.legacy}))
