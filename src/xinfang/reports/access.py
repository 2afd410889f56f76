"""Who may see the statistics and reports: one rule for the pages (web.views.reports) and the API
(api.routers.statistics, api.routers.reports). Leaders, analysts, supervisors and administrators
(a superuser counts as an administrator); everyone else gets a 404 on both, as for anything outside
their reach. What they see is still limited to their jurisdiction by the report functions."""

from __future__ import annotations

from xinfang.org.choices import Role
from xinfang.org.jurisdiction import all_roles

REPORT_ROLES = frozenset({Role.LEADER, Role.ANALYST, Role.SUPERVISOR, Role.ADMIN})


def may_see_reports(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and all_roles(user) & REPORT_ROLES)
