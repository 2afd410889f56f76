from django.utils import timezone

from xinfang.org.admin_scope import is_global_admin
from xinfang.org.jurisdiction import all_roles, units_of
from xinfang.workflow.selectors import staff_name

from .navigation import navigation


def workbench(request):
    """Navigation, the user's units and a calendar warning for administrators, on every staff page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith(("/admin/", "/api/", "/portal/")):
        return {}
    from xinfang.workflow.config_services import calendar_missing_years

    roles = all_roles(user)
    missing = calendar_missing_years(timezone.localdate()) if is_global_admin(user) else []
    return {"nav": navigation(request), "my_units": units_of(user), "my_roles": roles,
            "my_name": staff_name(user), "calendar_missing": missing}
