from django.contrib import admin

from .models import Ownership, OwnershipStage


class StageInline(admin.TabularInline):
    model = OwnershipStage
    extra = 0
    fields = ("stage", "due_date", "entered_at", "completed_at", "completed_by", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ownership)
class OwnershipAdmin(admin.ModelAdmin):
    """Read-only: 包案 is written through the services (validated, on the timeline, audited)."""

    inlines = [StageInline]
    list_display = ("petition", "leader", "unit", "stage", "assigned_at", "ended_at", "end_kind", "resolved_at")
    list_filter = ("end_kind",)
    search_fields = ("petition__number", "leader__username")
    raw_id_fields = ("petition",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
