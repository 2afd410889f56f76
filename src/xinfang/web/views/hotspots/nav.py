"""This area's navigation entries and home-page panels (called by web/navigation.py and the home view)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def nav_items(request, roles: set[str]) -> list:
    """热点问题 and 预警 for analysts, leaders and administrators."""
    from xinfang.insight.hotspots import selectors
    from xinfang.web.navigation import NavItem

    if not selectors.may_see(request.user):
        return []
    open_alerts = selectors.alerts_filtered(request.user, state="open").count()
    return [NavItem(_("热点问题"), reverse("web:hotspots"), "hotspots", children=[
        NavItem(_("预警"), reverse("web:hotspots_alerts"), "hotspots_alerts", open_alerts or None)])]


def home_panels(request, roles: set[str]) -> list[tuple[str, dict]]:
    return []


def queue_items(request, roles: set[str]) -> list:
    return []


def petition_panels(request, petition) -> list[tuple[str, dict]]:
    return []
