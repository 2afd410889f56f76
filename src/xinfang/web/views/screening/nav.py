"""This area's navigation entries and home-page panels (called by web/navigation.py and the home view)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def nav_items(request, roles: set[str]) -> list:
    """NavItems (web.navigation.NavItem) to show after 我的包案."""
    from xinfang.oversight.screening import selectors
    from xinfang.web.navigation import NavItem

    user = request.user
    items = []
    if selectors.informant_unit(user) is not None:
        items.append(NavItem(_("报告信息"), reverse("web:screening_report_new"), "screening_report_new"))
    if selectors.is_staff_reader(user):
        items.append(NavItem(_("矛盾纠纷排查"), reverse("web:screening_risks"), "screening_risks", children=[
            NavItem(_("排查轮次"), reverse("web:screening_rounds"), "screening_rounds"),
            NavItem(_("信息员报告"), reverse("web:screening_reports"), "screening_reports")]))
    elif items:
        items.append(NavItem(_("我的报告"), reverse("web:screening_reports"), "screening_reports"))
    return items


def home_panels(request, roles: set[str]) -> list[tuple[str, dict]]:
    """The urgent reports a leader has not yet acknowledged (a red banner); the informant's work."""
    from xinfang.oversight.screening import selectors

    user = request.user
    panels: list[tuple[str, dict]] = []
    alerts = list(selectors.alerts_pending(user)[:20])
    if alerts:
        panels.append(("web/screening/_urgent_panel.html", {"alerts": alerts}))
    if selectors.informant_unit(user) is not None:
        panels.append(("web/screening/_informant_panel.html", {
            "reports": list(selectors.reports_visible(user).filter(reporter_id=user.pk)[:5]),
            "rounds": list(selectors.rounds_open_of_unit(user).filter(unit=selectors.informant_unit(user))[:5])}))
    return panels


def queue_items(request, roles: set[str]) -> list:
    """NavItems added under 待办: the informant reports in the user's jurisdiction still to handle."""
    from xinfang.oversight.screening import selectors
    from xinfang.oversight.screening.models import ReportStatus
    from xinfang.web.navigation import NavItem

    user = request.user
    if not selectors.staff_units(user, selectors.LEDGER_ROLES):
        return []
    items = []
    new = selectors.reports_visible(user).filter(status=ReportStatus.NEW).count()
    if new:
        items.append(NavItem(_("待处理信息员报告"), reverse("web:screening_reports") + "?state=new",
                             "screening_reports_new", new))
    return items


def petition_panels(request, petition) -> list[tuple[str, dict]]:
    """(template name, context) of panels shown on the petition page under 包案."""
    return []
