from django.contrib import admin

from .models import Instruction, InstructionReport, Supervision, SupervisionReport


@admin.register(Supervision)
class SupervisionAdmin(admin.ModelAdmin):
    list_display = ("petition", "target_unit", "due_on", "listed", "status", "issued_at")
    list_filter = ("status", "listed")
    raw_id_fields = ("petition", "issued_by", "issuing_unit", "target_unit")


@admin.register(Instruction)
class InstructionAdmin(admin.ModelAdmin):
    list_display = ("petition", "leader", "target_unit", "due_on", "status", "issued_at")
    list_filter = ("status",)
    raw_id_fields = ("petition", "leader", "unit", "target_unit")


admin.site.register(SupervisionReport)
admin.site.register(InstructionReport)
