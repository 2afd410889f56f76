"""Admin of the business calendar (`common.models`). It lives in `workflow` because every change
goes through the workflow's services, which recompute the open deadlines; `common` sits below
`workflow` and may not import it. Registered by importing this module from `workflow/admin.py`."""

from django.contrib import admin

from xinfang.common.models import CalendarDay, CalendarYear


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
    search_fields = ("name",)

    # Every change recomputes the open deadlines (services in workflow do the writing).
    def save_model(self, request, obj, form, change):
        from .config_services import calendar_day_save

        calendar_day_save(actor=request.user, day=obj.date, is_workday=obj.is_workday, name=obj.name)

    def delete_model(self, request, obj):
        from .config_services import calendar_day_delete

        calendar_day_delete(actor=request.user, day=obj.date)

    def delete_queryset(self, request, queryset):
        from .config_services import calendar_day_delete

        for obj in queryset:
            calendar_day_delete(actor=request.user, day=obj.date)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "updated_at")

    def save_model(self, request, obj, form, change):
        from .config_services import calendar_year_mark

        calendar_year_mark(actor=request.user, year=obj.year, covered=True)

    def delete_model(self, request, obj):
        from .config_services import calendar_year_mark

        calendar_year_mark(actor=request.user, year=obj.year, covered=False)
