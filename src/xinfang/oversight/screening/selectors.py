"""Reads of 矛盾纠纷排查, always within the reader's jurisdiction (DESIGN §5): staff see the ledger,
rounds and reports of their units and below (a petition office: its region and below); an informant
sees only their own reports and their unit's open rounds. Outside: not found (404)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from xinfang.common.errors import NotFound
from xinfang.org.choices import Role, UnitKind
from xinfang.org.jurisdiction import is_global, memberships, unit_covers
from xinfang.org.models import Unit

from .models import InformantReport, RiskItem, RoundStatus, ScreeningRound, UrgentAlert

# who works the ledger (create, edit, turn a report into a ledger item, complete a round)
LEDGER_ROLES = frozenset({Role.CLERK, Role.DISPATCHER, Role.HANDLER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN})
# who reads it (statistics staff read, do not write)
READ_ROLES = LEDGER_ROLES | {Role.ANALYST}


def staff_units(user, roles=READ_ROLES) -> list[Unit]:
    seen: dict[int, Unit] = {}
    for m in memberships(user):
        if m.role in roles:
            seen.setdefault(m.unit_id, m.unit)
    return list(seen.values())


def is_staff_reader(user) -> bool:
    return is_global(user) or bool(staff_units(user))


def is_informant(user) -> bool:
    return any(m.role == Role.INFORMANT for m in memberships(user))


def informant_unit(user) -> Unit | None:
    for m in memberships(user):
        if m.role == Role.INFORMANT:
            return m.unit
    return None


def _unit_q(user, prefix: str, roles=READ_ROLES) -> Q:
    """The rows whose `<prefix>` unit lies in the user's staff jurisdiction."""
    if is_global(user):
        return Q(pk__isnull=False)  # not Q(): an empty Q vanishes from an OR
    q = Q(pk__in=[])
    for unit in staff_units(user, roles):
        q |= Q(**{f"{prefix}__path__startswith": unit.path})
        if unit.kind == UnitKind.PETITION_OFFICE:
            q |= Q(**{f"{prefix}__region__path__startswith": unit.region.path})
    return q


def covers_as(user, unit: Unit, roles=LEDGER_ROLES) -> bool:
    """True when the user holds one of `roles` in a unit whose jurisdiction holds `unit`."""
    return is_global(user) or any(unit_covers(own, unit) for own in staff_units(user, roles))


# ---- the ledger --------------------------------------------------------------------------------

def risks_visible(user) -> QuerySet[RiskItem]:
    if not is_staff_reader(user):
        return RiskItem.objects.none()
    return RiskItem.objects.filter(_unit_q(user, "unit")).select_related("unit", "region", "owner", "round",
                                                                          "petition")


def risk_get(user, risk_id) -> RiskItem:
    pk = _pk(risk_id)
    item = risks_visible(user).filter(pk=pk).first() if pk else None
    if item is None:
        raise NotFound(_("台账事项不存在。"))
    return item


def risks_filtered(user, *, status: str = "", level: str = "", unit: str = "", due_before: dt.date | None = None,
                   due_after: dt.date | None = None, overdue: bool = False, q: str = "",
                   today: dt.date | None = None) -> QuerySet[RiskItem]:
    """The ledger with its filters; `unit` is a unit code: that unit and below."""
    from .models import OPEN_RISK_STATES, RiskStatus

    qs = risks_visible(user)
    if status == "active":
        qs = qs.filter(status__in=OPEN_RISK_STATES)
    elif status in RiskStatus.values:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if unit:
        found = Unit.objects.filter(code=unit).first()
        qs = qs.filter(unit__path__startswith=found.path) if found else qs.none()
    if due_before:
        qs = qs.filter(due__lte=due_before)
    if due_after:
        qs = qs.filter(due__gte=due_after)
    if overdue:
        from django.utils import timezone

        qs = qs.filter(status__in=OPEN_RISK_STATES, due__lt=today or timezone.localdate())
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(people__icontains=q))
    return qs


# ---- rounds ------------------------------------------------------------------------------------

def rounds_visible(user) -> QuerySet[ScreeningRound]:
    qs = ScreeningRound.objects.select_related("unit", "closed_by")
    if is_staff_reader(user):
        return qs.filter(_unit_q(user, "unit"))
    unit = informant_unit(user)
    if unit is not None:  # an informant: the rounds of their own unit
        return qs.filter(unit=unit)
    return qs.none()


def round_get(user, round_id) -> ScreeningRound:
    pk = _pk(round_id)
    found = rounds_visible(user).filter(pk=pk).first() if pk else None
    if found is None:
        raise NotFound(_("排查轮次不存在。"))
    return found


def rounds_open_of_unit(user) -> QuerySet[ScreeningRound]:
    return rounds_visible(user).filter(status=RoundStatus.OPEN)


# ---- informant reports -------------------------------------------------------------------------

def reports_visible(user) -> QuerySet[InformantReport]:
    """Staff: the reports of informants in their jurisdiction; an informant: their own."""
    qs = InformantReport.objects.select_related("unit", "region", "reporter", "risk", "petition")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    q = Q(reporter_id=user.pk)
    if is_staff_reader(user):
        q |= _unit_q(user, "unit")
    return qs.filter(q)


def report_get(user, report_id) -> InformantReport:
    pk = _pk(report_id)
    found = reports_visible(user).filter(pk=pk).first() if pk else None
    if found is None:
        raise NotFound(_("信息员报告不存在。"))
    return found


def alerts_pending(user) -> QuerySet[UrgentAlert]:
    if not getattr(user, "is_authenticated", False):
        return UrgentAlert.objects.none()
    return UrgentAlert.objects.filter(user_id=user.pk, acknowledged_at__isnull=True).select_related(
        "report", "report__unit", "report__region", "report__reporter")


def user_name(user) -> str:
    from xinfang.workflow.selectors import staff_name

    return staff_name(user)


def _pk(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None
