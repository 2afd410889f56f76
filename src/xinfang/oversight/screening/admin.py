"""The screening schedule is edited by administrators in /admin/ (one row per level or per unit)."""

from django.contrib import admin

from .models import ScreeningSchedule


@admin.register(ScreeningSchedule)
class ScreeningScheduleAdmin(admin.ModelAdmin):
    list_display = ("level", "unit", "cadence", "note")
    list_filter = ("level", "cadence")
    autocomplete_fields = ()
    raw_id_fields = ("unit",)
