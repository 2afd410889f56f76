"""This area's navigation entries and home-page panels (called by web/navigation.py and the home view)."""

from __future__ import annotations


def nav_items(request, roles: set[str]) -> list:
    """NavItems (web.navigation.NavItem) to show after 我的包案: 消息 with the unread count (one COUNT)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from xinfang.notifications.selectors import unread_count
    from xinfang.web.navigation import NavItem

    if not getattr(request.user, "is_authenticated", False):
        return []
    return [NavItem(_("消息"), reverse("web:notifications"), "notifications", unread_count(request.user) or None)]


def home_panels(request, roles: set[str]) -> list[tuple[str, dict]]:
    """(template name, context) of panels shown on the home page above the recent petitions: the
    newest unread messages (none: no panel)."""
    from xinfang.notifications.kinds import kind_label
    from xinfang.notifications.selectors import notifications_of

    if not getattr(request.user, "is_authenticated", False):
        return []
    unread = notifications_of(request.user).filter(read_at__isnull=True)
    items = list(unread.order_by("-created_at", "-id")[:5])
    if not items:
        return []
    for n in items:
        n.kind_label = kind_label(n.kind)
    return [("web/notifications/_home_panel.html", {"items": items, "unread": unread.count()})]


def queue_items(request, roles: set[str]) -> list:
    """NavItems added under 待办 (and as tiles on the home page): this area's work lists with counts."""
    return []


def petition_panels(request, petition) -> list[tuple[str, dict]]:
    """(template name, context) of panels shown on the petition page under 包案."""
    return []
