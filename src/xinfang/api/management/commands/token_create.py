"""`xinfang token create USERNAME [--name N]`: create an API token and print it (shown only once)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xinfang.api.models import ApiToken
from xinfang.api.tokens import token_create


class Command(BaseCommand):
    help = _("为用户创建接口令牌，令牌只显示这一次（输出的最后一行）。")

    def add_arguments(self, parser):
        parser.add_argument("username", help=_("用户名"))
        parser.add_argument("--name", default="", help=_("令牌名称，便于识别用途"))

    def handle(self, *args, username, name="", **options):
        name = (name or "").strip()
        limit = ApiToken._meta.get_field("name").max_length
        if len(name) > limit:
            raise CommandError(_("令牌名称不能超过%(n)d个字符。") % {"n": limit})
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("用户不存在：%(u)s") % {"u": username})
        if not user.is_active:
            raise CommandError(_("用户已停用，不能创建令牌：%(u)s") % {"u": username})
        token = token_create(user=user, name=name)
        self.stdout.write(_("已为用户 %(u)s 创建接口令牌%(n)s。请立即妥善保存，令牌不会再次显示；"
                            "调用接口时在请求头中使用 Authorization: Bearer <令牌>。") % {
            "u": username, "n": f"“{name}”" if name else ""})
        self.stdout.write(token)
