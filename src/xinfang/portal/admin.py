"""系统管理 of the portal: the body's public profile (channels, address, reception hours)."""
from django.contrib import admin

from .models import PortalProfile


@admin.register(PortalProfile)
class PortalProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "phone", "reception_place", "updated_at")
