"""`xinfang token revoke TOKEN_PREFIX_OR_ID` or `xinfang token revoke --user USERNAME`: revoke one
token (by the prefix `xinfang token create` showed, the whole token, or its id in the admin list) or
every token of a user."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xinfang.api.tokens import token_find, token_revoke, tokens_revoke_all


class Command(BaseCommand):
    help = _("吊销接口令牌：按令牌前缀（或完整令牌、编号）吊销一个，或用 --user 吊销某用户的全部令牌。")

    def add_arguments(self, parser):
        parser.add_argument("token", nargs="?", default="", help=_("令牌前缀（xf_开头）、完整令牌或编号"))
        parser.add_argument("--user", default="", help=_("吊销该用户的全部令牌"))

    def handle(self, *args, token="", user="", **options):
        token, username = (token or "").strip(), (user or "").strip()
        if bool(token) == bool(username):
            raise CommandError(_("请给出一个令牌前缀（或编号），或用 --user 指定用户，二者选一。"))
        if username:
            account = get_user_model().objects.filter(username=username).first()
            if account is None:
                raise CommandError(_("用户不存在：%(u)s") % {"u": username})
            n = tokens_revoke_all(user=account)
            self.stdout.write(_("已吊销用户 %(u)s 的%(n)d个接口令牌。") % {"u": username, "n": n})
            return
        rows = token_find(token)
        if not rows:
            raise CommandError(_("没有找到令牌：%(t)s（请使用创建时显示的令牌前缀、完整令牌或管理后台中的编号）。")
                               % {"t": token[:40]})
        if len(rows) > 1:
            raise CommandError(_("前缀 %(t)s 对应%(n)d个令牌，请给出更长的前缀或编号。") % {"t": token[:40], "n": len(rows)})
        row = rows[0]
        if token_revoke(row):
            self.stdout.write(_("已吊销令牌 %(p)s…（编号 %(id)d，用户 %(u)s）。") % {
                "p": row.prefix, "id": row.pk, "u": row.user.username})
        else:
            self.stdout.write(_("令牌 %(p)s…（编号 %(id)d，用户 %(u)s）此前已吊销。") % {
                "p": row.prefix, "id": row.pk, "u": row.user.username})
