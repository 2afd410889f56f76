"""`xinfang audit verify [--anchor FILE]`: recompute the keyed hash chain of the audit log and report the
first break; with --anchor, also check every signed head in FILE against the rows it names."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_verify, check_anchors

REASONS = {
    "missing": lambda seq: _("第 %(seq)d 条记录缺失（已被删除），seq=%(seq)d") % {"seq": seq},
    "prev_hash": lambda seq: _("第 %(seq)d 条记录的前序哈希与上一条记录不符（上一条记录被删除或篡改），seq=%(seq)d")
    % {"seq": seq},
    "hash": lambda seq: _("第 %(seq)d 条记录的内容与其哈希不符（记录被篡改，或以其他审计密钥写入），seq=%(seq)d")
    % {"seq": seq},
    "scheme": lambda seq: _("第 %(seq)d 条记录自称按旧规则（无密钥 SHA-256）计算，但它不在升级时封存的旧记录之内"
                            "（记录被篡改后重新计算了哈希），seq=%(seq)d") % {"seq": seq},
    "development": lambda seq: _("第 %(seq)d 条记录是用公开的开发密钥写入的（写入时未设置 XINFANG_AUDIT_KEY，或记录被篡改后"
                                 "用开发密钥重新计算）；若确认是设置审计密钥之前写入的，请运行 xinfang audit seal，seq=%(seq)d")
    % {"seq": seq},
    "order": lambda seq: _("第 %(seq)d 条记录未用审计密钥写入，却排在用审计密钥写入的记录之后，seq=%(seq)d") % {"seq": seq},
    "sealed_before": lambda seq: _("审计链此前已用审计密钥封存，之后却出现了未用审计密钥写入的记录（从第 %(seq)d 条起）："
                                   "请先与锚点核对，查明原因，seq=%(seq)d") % {"seq": seq},
    "seal": lambda seq: _("设置审计密钥之前的旧记录的封存签名与第 %(seq)d 条记录不符（旧记录被篡改，或封存时使用了"
                          "其他审计密钥；若迁移时尚未设置 XINFANG_AUDIT_KEY，请运行 xinfang audit seal），seq=%(seq)d")
    % {"seq": seq},
    "head": lambda seq: _("链尾与记录不一致（末尾记录被删除或链外追加了记录），seq=%(seq)d") % {"seq": seq},
}

ANCHOR_REASONS = {
    "format": lambda p: _("锚点文件第 %(line)d 行不是有效的锚点") % {"line": p.line},
    "signature": lambda p: _("锚点文件第 %(line)d 行的签名无效（锚点被篡改，或由其他审计密钥签名），seq=%(seq)d")
    % {"line": p.line, "seq": p.seq},
    "missing": lambda p: _("锚点文件第 %(line)d 行锚定的第 %(seq)d 条记录已不存在（记录被删除），seq=%(seq)d")
    % {"line": p.line, "seq": p.seq},
    "hash": lambda p: _("锚点文件第 %(line)d 行锚定的第 %(seq)d 条记录的哈希已改变（此前的记录被改写或删除后重新计算），"
                        "seq=%(seq)d") % {"line": p.line, "seq": p.seq},
}


class Command(BaseCommand):
    help = _("校验审计日志哈希链是否完整；发现篡改或删除时以非零状态退出，并指出第一条出错的记录。")

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000, help=_("每次读取的记录条数"))
        parser.add_argument("--anchor", metavar="FILE",
                            help=_("锚点文件（xinfang audit anchor --append 写入）：逐行校验签名及所锚定记录的哈希"))

    def handle(self, *args, batch=5000, anchor=None, **options):
        if batch < 1:
            raise CommandError(_("每次读取的记录条数应为正整数。"))
        lines = None
        if anchor:
            try:
                with open(anchor, encoding="utf-8") as handle:
                    lines = handle.read().splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(_("无法读取锚点文件 %(file)s：%(error)s") % {"file": anchor, "error": exc}) from exc
        result = audit_verify(batch=batch)
        if result.development_key:
            self.stderr.write(self.style.WARNING(_(
                "注意：未设置 XINFANG_AUDIT_KEY，审计链仅用公开的开发密钥校验，能读到源代码的人可以改写记录并重新计算；"
                "生产环境请设置审计密钥并定期锚定链尾（xinfang audit anchor）。")))
        if not result.ok:
            describe = REASONS.get(result.reason)
            detail = describe(result.broken_seq) if describe else f"seq={result.broken_seq} ({result.reason})"
            raise CommandError(_("审计链已损坏：%(detail)s。此前 %(n)d 条记录校验通过。") % {
                "detail": detail, "n": result.checked})
        if lines is not None:
            count, problem = check_anchors(lines)
            if problem is not None:
                raise CommandError(_("锚点校验失败：%(detail)s。此前 %(n)d 个锚点校验通过。") % {
                    "detail": ANCHOR_REASONS[problem.reason](problem), "n": count})
            if count == 0:
                raise CommandError(_("锚点文件 %(file)s 中没有锚点。") % {"file": anchor})
        message = _("审计链完整：共校验 %(n)d 条记录。") % {"n": result.checked}
        if result.legacy:
            message += _("其中 %(n)d 条为设置审计密钥之前的旧记录（按旧规则校验，已由审计密钥封存）。") % {
                "n": result.legacy}
        if result.development_key:
            message += _("（仅用开发密钥校验）")
        if lines is not None:
            message += _("锚点 %(n)d 个均有效，所锚定的记录未被改动。") % {"n": count}
        self.stdout.write(self.style.SUCCESS(message))
