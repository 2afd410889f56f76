"""`xinfang token create USERNAME [--name N] [--days N]`: create an API token and print it (shown only
once, on the last line)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.api.models import ApiToken
from xinfang.api.tokens import MAX_DAYS, token_create, token_days_default


class Command(BaseCommand):
    help = _("为用户创建接口令牌，令牌只显示这一次（输出的最后一行）。")

    def add_arguments(self, parser):
        parser.add_argument("username", help=_("用户名"))
        parser.add_argument("--name", default="", help=_("令牌名称，便于识别用途"))
        parser.add_argument("--days", default=None, help=_("有效天数（默认取 XINFANG_TOKEN_DAYS，通常为90天）"))

    def handle(self, *args, username, name="", days=None, **options):
        name = (name or "").strip()
        limit = ApiToken._meta.get_field("name").max_length
        if len(name) > limit:
            raise CommandError(_("令牌名称不能超过%(n)d个字符。") % {"n": limit})
        if days is None:
            days = token_days_default()
        else:
            text = str(days).strip()
            if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
                raise CommandError(_("有效天数须为1到%(max)d之间的整数。") % {"max": MAX_DAYS})
            days = int(text)
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("用户不存在：%(u)s") % {"u": username})
        if not user.is_active:
            raise CommandError(_("用户已停用，不能创建令牌：%(u)s") % {"u": username})
        token = token_create(user=user, name=name, days=days)
        until = timezone.localtime(timezone.now() + dt.timedelta(days=days)).strftime("%Y-%m-%d %H:%M")
        self.stdout.write(_("已为用户 %(u)s 创建接口令牌%(n)s，有效期%(d)d天（至 %(until)s）。请立即妥善保存，"
                            "令牌不会再次显示；调用接口时在请求头中使用 Authorization: Bearer <令牌>。") % {
            "u": username, "n": f"“{name}”" if name else "", "d": days,
            "until": until})
        self.stdout.write(token)
