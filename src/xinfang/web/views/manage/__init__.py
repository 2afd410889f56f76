"""系统管理 (administrators only; everyone else gets 404)."""

from django.db.models import Count, Q
from django.utils import timezone

from xinfang.common.models import CalendarYear
from xinfang.org.admin_scope import managed_q, managed_units
from xinfang.petitions.models import Category
from xinfang.workflow import config_services
from xinfang.workflow.models import Deadline, DeadlinePolicy
from xinfang.workflow.routing import routing_rules_managed

from .calendar import calendar_view
from .categories import categories_view, category_edit_view, category_new_view, category_status_view
from .common import admin_required, render_manage
from .deadlines import deadline_delete_view, deadline_edit_view, deadline_override_view, deadlines_view
from .routing import routing_delete_view, routing_edit_view, routing_view
from .units import unit_edit_view, unit_new_view, unit_status_view, units_view
from .users import (
    membership_remove_view,
    user_membership_add_view,
    user_new_view,
    user_password_view,
    user_status_view,
    user_view,
    users_managed,
    users_view,
)

__all__ = [
    "calendar_view", "categories_view", "category_edit_view", "category_new_view", "category_status_view",
    "deadline_delete_view", "deadline_edit_view", "deadline_override_view", "deadlines_view", "manage_view",
    "membership_remove_view", "routing_delete_view", "routing_edit_view", "routing_view", "unit_edit_view",
    "unit_new_view", "unit_status_view", "units_view", "user_membership_add_view", "user_new_view",
    "user_password_view", "user_status_view", "user_view", "users_view",
]


@admin_required
def manage_view(request):
    """概览: what there is to manage, and what needs attention (a missing holiday schedule)."""
    today = timezone.localdate()
    units = managed_units(request.user).aggregate(active=Count("pk", filter=Q(is_active=True)),
                                                  inactive=Count("pk", filter=Q(is_active=False)))
    users = users_managed(request.user)
    return render_manage(request, "web/manage/index.html", {
        "units": units,
        "users_active": users.filter(is_active=True).count(),
        "categories": Category.objects.filter(is_active=True).count(),
        "overrides": DeadlinePolicy.objects.filter(unit__isnull=False).filter(
            managed_q(request.user, "unit")).count(),
        "rules": routing_rules_managed(request.user).count(),
        "missing": config_services.calendar_missing_years(today),
        "years": list(CalendarYear.objects.filter(year__gte=today.year - 1).order_by("year")),
        "provisional": Deadline.objects.filter(provisional=True, met_at__isnull=True, cancelled=False).count(),
    })
