"""This area's navigation entries and home-page panels (called by web/navigation.py and the home view)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.org.choices import Role

# who sees 领导接访 (接待日, 下访) in the navigation
ROLES = {Role.LEADER, Role.CLERK, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}


def nav_items(request, roles: set[str]) -> list:
    """NavItems (web.navigation.NavItem) to show after 我的包案."""
    from xinfang.web.navigation import NavItem

    if not roles & ROLES:
        return []
    return [NavItem(_("领导接待日"), reverse("web:reception_days"), "reception_days"),
            NavItem(_("领导下访"), reverse("web:field_visits"), "field_visits")]


def home_panels(request, roles: set[str]) -> list[tuple[str, dict]]:
    """The leader's panel: today's and upcoming reception days, open 包案 stages due."""
    if Role.LEADER not in roles:
        return []
    from xinfang.oversight.leadership.selectors import reception_days_upcoming
    from xinfang.oversight.selectors import ownership_stages_due

    today = timezone.localdate()
    return [("web/leadership/_home_panel.html", {
        "today": today, "days": reception_days_upcoming(request.user, today=today),
        "stages": ownership_stages_due(request.user, today)})]


def queue_items(request, roles: set[str]) -> list:
    """NavItems added under 待办 (and as tiles on the home page): this area's work lists with counts."""
    return []


def petition_panels(request, petition) -> list[tuple[str, dict]]:
    """(template name, context) of panels shown on the petition page under 包案."""
    return []
