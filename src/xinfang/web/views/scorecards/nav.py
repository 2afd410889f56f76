"""This area's navigation entries and home-page panels (called by web/navigation.py and the home view)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from xinfang.reports.access import REPORT_ROLES


def nav_items(request, roles: set[str]) -> list:
    """NavItems (web.navigation.NavItem) to show after 我的包案: 考核通报 for the report roles."""
    from ...navigation import NavItem

    if not roles & REPORT_ROLES:
        return []
    return [NavItem(_("考核通报"), reverse("web:scorecard"), "scorecard", children=[
        NavItem(_("考核排名"), reverse("web:scorecard"), "scorecard"),
        NavItem(_("超期通报"), reverse("web:overdue_league"), "league"),
        NavItem(_("问责记录"), reverse("web:accountability_list"), "accountability"),
    ])]


def home_panels(request, roles: set[str]) -> list[tuple[str, dict]]:
    """(template name, context) of panels shown on the home page above the recent petitions."""
    return []


def queue_items(request, roles: set[str]) -> list:
    """NavItems added under 待办 (and as tiles on the home page): this area's work lists with counts."""
    return []


def petition_panels(request, petition) -> list[tuple[str, dict]]:
    """(template name, context) of panels shown on the petition page under 包案: the accountability
    records that cite the petition (those the viewer may see)."""
    from xinfang.oversight.scorecards.selectors import accountability_of_petition

    records = accountability_of_petition(request.user, petition)
    if not records:
        return []
    from xinfang.reports.access import may_see_reports

    return [("web/scorecards/_petition_panel.html", {"records": records, "linked": may_see_reports(request.user)})]
