"""督办 and 批示 in the navigation, the 待办 (督办件, 批示件 with counts), the home page (the supervisor's
work, the leader's open 批示件) and the petition page (the orders with their reports and forms)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.org.choices import Role
from xinfang.oversight.supervision import rules, selectors
from xinfang.oversight.supervision.choices import ReportKind, SupervisionStatus
from xinfang.petitions.selectors import petition_texts

from ..supervision.views import rows

BOARD_ROLES = {Role.SUPERVISOR, Role.LEADER, Role.DISPATCHER, Role.ADMIN}
HOME_LIMIT = 10


def nav_items(request, roles: set[str]) -> list:
    """NavItems (web.navigation.NavItem) to show after 我的包案."""
    from ...navigation import NavItem

    items = []
    if Role.SUPERVISOR in roles:
        items.append(NavItem(_("督查督办"), reverse("web:supervision_list"), "supervision"))
    if roles & BOARD_ROLES:
        items.append(NavItem(_("督办公示栏"), reverse("web:supervision_board"), "supervision_board"))
    if Role.LEADER in roles:
        items.append(NavItem(_("批示件"), reverse("web:instruction_list") + "?tab=mine", "instructions"))
    return items


def queue_items(request, roles: set[str]) -> list:
    """督办件 and 批示件 the user's unit must answer, under 待办 (and as tiles on the home page)."""
    from ...navigation import NavItem

    if not rules.answering_units(request.user):
        return []
    items = []
    n = selectors.supervisions_todo(request.user).count()
    if n or roles & {Role.DISPATCHER, Role.LEADER}:
        items.append(NavItem(_("督办件"), reverse("web:supervision_list") + "?tab=todo", "queue:supervision", n))
    m = selectors.instructions_todo(request.user).count()
    if m or roles & {Role.DISPATCHER, Role.LEADER}:
        items.append(NavItem(_("批示件"), reverse("web:instruction_list") + "?tab=todo", "queue:instructions", m))
    return items


def home_panels(request, roles: set[str]) -> list[tuple[str, dict]]:
    """The supervisor's work (reports awaiting a decision, overdue orders, the board) and the leader's
    open 批示件."""
    user = request.user
    panels = []
    if Role.SUPERVISOR in roles:
        decide = selectors.supervisions_to_decide(user)
        overdue = selectors.supervisions_overdue(user)
        board = selectors.supervision_board(user)
        panels.append(("web/supervision/_home_supervisor.html", {
            "decide": rows(user, decide[:HOME_LIMIT]), "decide_count": decide.count(),
            "overdue": rows(user, overdue[:HOME_LIMIT]), "overdue_count": overdue.count(),
            "board_count": board.count()}))
    if Role.LEADER in roles:
        mine = selectors.instructions_of_leader(user).order_by("status", "due_on", "pk")
        count = mine.count()
        if count:
            panels.append(("web/supervision/_home_leader.html", {"rows": rows(user, mine[:HOME_LIMIT]),
                                                                  "count": count}))
    return panels


def petition_panels(request, petition) -> list[tuple[str, dict]]:
    """The petition's orders and instructions with their reports, and the forms for whoever may use them."""
    user = request.user
    sups = selectors.supervisions_of_petition(user, petition)
    inss = selectors.instructions_of_petition(user, petition)
    if not sups and not inss:
        return []
    texts = petition_texts(user, petition)
    today = timezone.localdate()
    failed = getattr(request, "supervision_error", None) or {}
    sup_rows = []
    for s in sups:
        s.petition = petition
        reports = [{"r": r, "text": texts.mask(r.text), "note": texts.mask(r.decision_note)} for r in s.reports.all()]
        pending = next((r for r in reversed(s.reports.all()) if not r.decision), None)
        sup_rows.append({
            "o": s, "text": texts.mask(s.requirement), "reports": reports, "overdue": selectors.is_overdue(s, today),
            "can_report": rules.may_report(user, s),
            "can_return": pending is not None and rules.may_decide(user, s),
            "can_accept": (s.status == SupervisionStatus.REPORTED and pending is not None
                           and pending.kind == ReportKind.RESULT and rules.may_decide(user, s)),
            "failed": failed.get("form") if failed.get("id") == s.pk and failed.get("form") in
            ("report", "accept", "return") else ""})
    ins_rows = []
    for i in inss:
        i.petition = petition
        ins_rows.append({
            "o": i, "text": texts.mask(i.text), "overdue": selectors.is_overdue(i, today),
            "reports": [{"r": r, "text": texts.mask(r.text)} for r in i.reports.all()],
            "can_report": rules.may_report_instruction(user, i), "can_close": rules.may_close_instruction(user, i),
            "failed": failed.get("form") if failed.get("id") == i.pk and failed.get("form") in
            ("ireport", "close") else ""})
    return [("web/supervision/_petition_panel.html", {
        "supervisions": sup_rows, "instructions": ins_rows, "kinds": ReportKind.choices,
        "error": failed.get("error"), "values": failed.get("values") or {}})]
