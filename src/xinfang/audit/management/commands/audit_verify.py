"""`xinfang audit verify`: recompute the hash chain of the audit log and report the first break."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_verify

REASONS = {
    "missing": lambda seq: _("第 %(seq)d 条记录缺失（已被删除），seq=%(seq)d") % {"seq": seq},
    "prev_hash": lambda seq: _("第 %(seq)d 条记录的前序哈希与上一条记录不符（上一条记录被删除或篡改），seq=%(seq)d")
    % {"seq": seq},
    "hash": lambda seq: _("第 %(seq)d 条记录的内容与其哈希不符（记录被篡改），seq=%(seq)d") % {"seq": seq},
    "head": lambda seq: _("链尾与记录不一致（末尾记录被删除或链外追加了记录），seq=%(seq)d") % {"seq": seq},
}


class Command(BaseCommand):
    help = _("校验审计日志哈希链是否完整；发现篡改或删除时以非零状态退出，并指出第一条出错的记录。")

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000, help=_("每次读取的记录条数"))

    def handle(self, *args, batch=5000, **options):
        if batch < 1:
            raise CommandError(_("每次读取的记录条数应为正整数。"))
        result = audit_verify(batch=batch)
        if not result.ok:
            describe = REASONS.get(result.reason)
            detail = describe(result.broken_seq) if describe else f"seq={result.broken_seq} ({result.reason})"
            raise CommandError(_("审计链已损坏：%(detail)s。此前 %(n)d 条记录校验通过。") % {
                "detail": detail, "n": result.checked})
        self.stdout.write(self.style.SUCCESS(_("审计链完整：共校验 %(n)d 条记录。") % {"n": result.checked}))
