"""Reading 督办 and 批示, always through the jurisdiction scope (`petitions_visible`): an order whose
petition the user cannot see does not exist for them (404)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.errors import NotFound
from xinfang.org.models import Unit
from xinfang.petitions.selectors import petitions_visible

from . import rules
from .choices import INSTRUCTION_WAITING, SUPERVISION_WAITING, InstructionStatus, SupervisionStatus
from .models import Instruction, Supervision

MAX_ID = 2**63 - 1


def _scoped(model, user) -> QuerySet:
    visible = petitions_visible(user).filter(pk=OuterRef("petition_id"))
    return model.objects.filter(Exists(visible))


def supervisions_visible(user) -> QuerySet[Supervision]:
    return _scoped(Supervision, user).select_related(
        "petition", "petition__handler", "issued_by", "issuing_unit", "target_unit")


def instructions_visible(user) -> QuerySet[Instruction]:
    return _scoped(Instruction, user).select_related("petition", "petition__handler", "leader", "unit",
                                                     "target_unit")


def _get(qs, value, message: str):
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise NotFound(message) from None
    found = qs.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if found is None:
        raise NotFound(message)
    return found


def supervision_get(user, supervision_id) -> Supervision:
    return _get(supervisions_visible(user), supervision_id, _("督办单不存在。"))


def instruction_get(user, instruction_id) -> Instruction:
    return _get(instructions_visible(user), instruction_id, _("批示件不存在。"))


def overdue_q(today: dt.date | None = None) -> Q:
    """Orders past their due date while the target unit still owes an answer."""
    today = today or timezone.localdate()
    return Q(status__in=list(SUPERVISION_WAITING), due_on__lt=today)


def is_overdue(order, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    waiting = SUPERVISION_WAITING if isinstance(order, Supervision) else INSTRUCTION_WAITING
    return order.status in waiting and order.due_on is not None and order.due_on < today


def supervisions_filter(user, *, status: str = "", listed: bool | None = None, unit: str = "") -> QuerySet:
    """The orders in the user's jurisdiction; `status` a SupervisionStatus value, "waiting" (the target
    owes an answer), "overdue" or "" (all); `listed` 挂牌 only / not; `unit` a target unit code."""
    qs = supervisions_visible(user)
    if status == "waiting":
        qs = qs.filter(status__in=list(SUPERVISION_WAITING))
    elif status == "overdue":
        qs = qs.filter(overdue_q())
    elif status:
        qs = qs.filter(status=status)
    if listed is not None:
        qs = qs.filter(listed=listed)
    if unit:
        target = Unit.objects.filter(code=unit).first()
        qs = qs.filter(target_unit=target) if target else qs.none()
    return qs


def supervisions_todo(user) -> QuerySet[Supervision]:
    """Orders the user's unit must answer (the user answers in the target unit)."""
    return supervisions_visible(user).filter(target_unit_id__in=rules.answering_units(user),
                                             status__in=list(SUPERVISION_WAITING)).order_by("due_on", "pk")


def supervisions_to_decide(user) -> QuerySet[Supervision]:
    """Orders with a report awaiting the user's decision (issued by the user or by their deciding unit)."""
    return supervisions_visible(user).filter(
        Q(issued_by=user) | Q(issuing_unit_id__in=rules.deciding_units(user)),
        status=SupervisionStatus.REPORTED).order_by("due_on", "pk")


def supervisions_overdue(user) -> QuerySet[Supervision]:
    return supervisions_visible(user).filter(overdue_q()).order_by("due_on", "pk")


def supervision_board(user, *, closed: bool = False) -> QuerySet[Supervision]:
    """挂牌督办 in the user's jurisdiction: the open ones (or, `closed`, those 销号)."""
    qs = supervisions_visible(user).filter(listed=True)
    if closed:
        return qs.filter(status=SupervisionStatus.ACCEPTED).order_by("-closed_at", "-pk")
    return qs.exclude(status=SupervisionStatus.ACCEPTED).order_by("due_on", "pk")


def instructions_filter(user, *, status: str = "", mine: bool = False) -> QuerySet[Instruction]:
    qs = instructions_visible(user)
    if mine:
        qs = qs.filter(leader=user)
    if status:
        qs = qs.filter(status=status)
    return qs


def instructions_todo(user) -> QuerySet[Instruction]:
    return instructions_visible(user).filter(target_unit_id__in=rules.answering_units(user),
                                             status__in=list(INSTRUCTION_WAITING)).order_by("due_on", "pk")


def instructions_of_leader(user, *, open_only: bool = True) -> QuerySet[Instruction]:
    qs = instructions_visible(user).filter(leader=user)
    if open_only:
        qs = qs.exclude(status=InstructionStatus.CLOSED)
    return qs


def supervisions_of_petition(user, petition) -> list[Supervision]:
    return list(supervisions_visible(user).filter(petition=petition).prefetch_related(
        "reports", "reports__by", "reports__unit", "reports__decided_by").order_by("issued_at", "pk"))


def instructions_of_petition(user, petition) -> list[Instruction]:
    return list(instructions_visible(user).filter(petition=petition).prefetch_related(
        "reports", "reports__by", "reports__unit").order_by("issued_at", "pk"))
