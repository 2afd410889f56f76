from django.contrib import admin

from .models import Contact, SweepPolicy, Urge


@admin.register(SweepPolicy)
class SweepPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "remind_notice", "remind_severe", "auto_urge", "escalate_after", "delivery_after",
                    "evaluation_after", "review_window_before", "contact_within", "progress_every")
    autocomplete_fields = ()
    raw_id_fields = ("unit",)


@admin.register(Urge)
class UrgeAdmin(admin.ModelAdmin):
    list_display = ("petition", "unit", "at", "auto", "actor", "due_kind", "due_on")
    list_filter = ("auto",)
    raw_id_fields = ("petition", "unit", "actor", "actor_unit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("petition", "by", "at", "method", "kind")
    raw_id_fields = ("petition", "by", "unit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
