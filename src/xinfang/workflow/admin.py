from django.contrib import admin

from . import calendar_admin  # noqa: F401  (registers the calendar's admin)
from .models import ActionGrant, DeadlinePolicy


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ("key", "days", "working_days", "unit", "is_active", "source")
    list_filter = ("working_days", "is_active")
    search_fields = ("key",)

    def save_model(self, request, obj, form, change):
        from .config_services import deadline_policy_save

        deadline_policy_save(actor=request.user, policy=obj)


@admin.register(ActionGrant)
class ActionGrantAdmin(admin.ModelAdmin):
    list_display = ("action", "role")
