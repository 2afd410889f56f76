"""This area's navigation entries and home-page panels (called by web/navigation.py and the home view)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xinfang.org.choices import Role

# who watches urges: the supervisors, the leaders and dispatchers who urge and are urged, the handlers urged
URGE_ROLES = {Role.SUPERVISOR, Role.LEADER, Role.DISPATCHER, Role.HANDLER, Role.ADMIN}


def nav_items(request, roles: set[str]) -> list:
    """NavItems (web.navigation.NavItem) to show after 我的包案."""
    from xinfang.web.navigation import NavItem

    if roles & URGE_ROLES:
        return [NavItem(_("催办"), reverse("web:urge_list"), "urges")]
    return []


def home_panels(request, roles: set[str]) -> list[tuple[str, dict]]:
    """(template name, context) of panels shown on the home page above the recent petitions: for a
    supervisor, the latest urges in their jurisdiction (automatic ones are the overdue cases)."""
    if Role.SUPERVISOR not in roles:
        return []
    from xinfang.oversight.urging.selectors import urges_visible
    from xinfang.petitions.selectors import petition_texts

    qs = urges_visible(request.user)
    rows = [(u, petition_texts(request.user, u.petition).title) for u in qs[:8]]
    return [("web/urging/_home_panel.html", {"rows": rows, "count": qs.count(),
                                             "auto": qs.filter(auto=True).count()})]


def queue_items(request, roles: set[str]) -> list:
    """NavItems added under 待办 (and as tiles on the home page): this area's work lists with counts."""
    return []


def petition_panels(request, petition) -> list[tuple[str, dict]]:
    """(template name, context) of panels shown on the petition page under 包案: 首问负责, the contact
    log and its form, the urges."""
    from xinfang.oversight.urging.selectors import petition_panel

    return [("web/urging/_panel.html", petition_panel(request.user, petition))]
