"""The outbox in the admin: read only (a failed dispatch's last error is here). The phone is never shown."""

from django.contrib import admin

from .models import Dispatch, LoggedMessage, Notification


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(_ReadOnly):
    list_display = ("created_at", "recipient", "kind", "title", "read_at")
    list_filter = ("kind",)
    search_fields = ("title",)


@admin.register(Dispatch)
class DispatchAdmin(_ReadOnly):
    list_display = ("created_at", "message_id", "channel", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status", "channel")
    search_fields = ("message_id",)


@admin.register(LoggedMessage)
class LoggedMessageAdmin(_ReadOnly):
    list_display = ("sent_at", "message_id", "channel", "address", "subject")
    list_filter = ("channel",)
    search_fields = ("message_id",)
