from django.contrib import admin

from .models import Category, Petition


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("code", "name")
    ordering = ("path",)


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    """Read-only: petitions change only through the workflow services."""

    list_display = ("number", "title", "channel", "status", "receiving_unit", "handling_unit", "due_on")
    list_filter = ("status", "channel", "visit_kind", "nature")
    search_fields = ("number", "title")
    exclude = ("query_code_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
