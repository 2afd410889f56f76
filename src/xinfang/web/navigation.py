"""The workbench's left navigation: modules by role, with the user's queue counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xinfang.org.choices import Role
from xinfang.org.jurisdiction import all_roles
from xinfang.workflow.queues import ALL, QUEUES, queue_counts

# issue 10's areas (oversight and prevention): each adds its entries and home panels (views/<area>/nav.py)
AREAS = ("notifications", "urging", "supervision", "leadership", "screening", "scorecards", "hotspots")

# Who sees the statistics pages (统计看板, 统计报表).
REPORT_ROLES = {Role.LEADER, Role.ANALYST, Role.SUPERVISOR, Role.ADMIN}


@dataclass
class NavItem:
    label: str
    url: str
    key: str
    count: int | None = None
    children: list[NavItem] = field(default_factory=list)


def navigation(request) -> list[NavItem]:
    user = request.user
    roles = all_roles(user)
    items: list[NavItem] = [NavItem(_("工作台"), reverse("web:home"), "home")]
    if Role.CLERK in roles:
        items.append(NavItem(_("登记"), reverse("web:intake"), "intake"))
    counts = queue_counts(user)
    children = [NavItem(label, reverse("web:queue", args=[key]), f"queue:{key}", counts[key])
                for key, label in QUEUES if counts[key] or key in _queues_for(roles)]
    for module in area_modules():  # the areas' work lists (督办件, 批示件, ...) wait in 待办 too
        hook = getattr(module, "queue_items", None)
        if hook is not None:
            children += hook(request, roles)
    # the total counts each petition once, though it may wait in several queues (全部待办 lists the same)
    items.append(NavItem(_("待办"), reverse("web:queue", args=[ALL]), "queue", counts[ALL], children))
    if Role.LEADER in roles:
        items.append(NavItem(_("我的包案"), reverse("web:my_ownerships"), "ownerships"))
    for module in area_modules():
        items += module.nav_items(request, roles)
    items.append(NavItem(_("查询"), reverse("web:search"), "search"))
    items.append(NavItem(_("信访人"), reverse("web:petitioners"), "petitioners"))
    if roles & {Role.CLERK, Role.DISPATCHER, Role.ADMIN}:
        items.append(NavItem(_("批量导入"), reverse("web:imports"), "imports"))
    items.append(NavItem(_("知识库"), reverse("web:knowledge"), "knowledge"))
    if roles & REPORT_ROLES:
        items.append(NavItem(_("统计看板"), reverse("web:report_dashboard"), "dashboard"))
        items.append(NavItem(_("统计报表"), reverse("web:reports"), "reports"))
    if Role.ADMIN in roles:
        items.append(NavItem(_("系统管理"), reverse("web:manage"), "manage"))
    return items


def area_modules() -> list:
    from importlib import import_module

    return [import_module(f"xinfang.web.views.{area}.nav") for area in AREAS]


def home_panels(request) -> list[tuple[str, dict]]:
    """The areas' panels for the home page (the supervisor's and informant's work, urgent reports)."""
    roles = all_roles(request.user)
    panels: list[tuple[str, dict]] = []
    # screening first: an urgent informant report (a planned collective visit, a threat of extreme
    # action) is the first thing a leader sees
    for module in sorted(area_modules(), key=lambda m: m.__name__ != "xinfang.web.views.screening.nav"):
        panels += module.home_panels(request, roles)
    return panels


def _queues_for(roles: set[str]) -> set[str]:
    keys = set()
    if Role.DISPATCHER in roles:
        keys |= {"route", "accept", "assign_handler"}
    if Role.LEADER in roles:
        keys |= {"accept", "assign_handler", "approve", "review"}
    if Role.HANDLER in roles:
        keys |= {"handle", "review"}
    if Role.CLERK in roles:
        keys |= {"evaluate"}
    return keys
