"""接口令牌 in the Django admin: a list without the secret (only its prefix), revoke as the action.
Tokens are created with `xinfang token create`, which shows the secret once."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiToken
from .tokens import token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("id", "prefix_shown", "user", "name", "created_at", "expires_at", "last_used_at", "status")
    list_filter = ("revoked", "revoked_reason")
    search_fields = ("prefix", "user__username", "name")
    fields = ("id", "prefix_shown", "user", "name", "created_at", "expires_at", "last_used_at", "status",
              "revoked_at", "revoked_reason")
    readonly_fields = fields
    actions = ("revoke",)
    ordering = ("-created_at",)

    @admin.display(description=_("令牌前缀"))
    def prefix_shown(self, obj):
        return f"{obj.prefix}…"

    @admin.display(description=_("状态"))
    def status(self, obj):
        if obj.revoked:
            return _("已吊销")
        if not obj.is_live(timezone.now()):
            return _("已过期")
        if not obj.user.is_active:
            return _("账号已停用")
        return _("有效")

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        n = sum(token_revoke(row, actor=request.user) for row in queryset.select_related("user"))
        self.message_user(request, ngettext("已吊销%(n)d个令牌。", "已吊销%(n)d个令牌。", n) % {"n": n},
                          messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a revoked token stays listed as the record of its life
