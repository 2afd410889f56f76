"""Writes of 督办 and 批示 after the moves `supervise` / `instruct` (effects.py) created them: the target
unit's reports, the issuer's decision (销号 or send back), the leader's closing of an instruction, and
the due-date sweep.

Each write validates its input, then in one transaction locks the petition (outside the actor's
jurisdiction: not found) and the order, checks who may act (`rules`) and the order's status, writes,
appends a timeline event, an audit entry and a notification to the other side. A refusal raises
`ApplicationError` and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError, Forbidden, NotFound
from xinfang.common.text import clean_text
from xinfang.org.models import Unit
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible
from xinfang.workflow.guards import guard_person
from xinfang.workflow.services import event_add

from . import notices, rules
from .choices import (
    EVENT_INSTRUCTION_CLOSE,
    EVENT_INSTRUCTION_REPORT,
    EVENT_SUPERVISION_ACCEPT,
    EVENT_SUPERVISION_REPORT,
    EVENT_SUPERVISION_RETURN,
    INSTRUCTION_WAITING,
    SUPERVISION_WAITING,
    Decision,
    InstructionStatus,
    ReportKind,
    SupervisionStatus,
)
from .models import Instruction, InstructionReport, Supervision, SupervisionReport

TEXT_MAX = 5000
MAX_ID = 2**63 - 1




def _text(value, field: str, label: str, *, required: bool) -> str:
    return clean_text(value, field, label, required=required, max_len=TEXT_MAX)


def _pk(value, message: str) -> int:
    pk = getattr(value, "pk", value)
    if isinstance(pk, bool):
        raise NotFound(message)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(message) from None
    if not 0 < pk <= MAX_ID:
        raise NotFound(message)
    return pk


def _lock(actor, model, value, message: str):
    """The petition and the order, locked; not found when the order's petition is outside the jurisdiction."""
    pk = _pk(value, message)
    petition_id = model.objects.filter(pk=pk).values_list("petition_id", flat=True).first()
    if petition_id is None or not petitions_visible(actor).filter(pk=petition_id).exists():
        raise NotFound(message)
    petition = Petition.objects.select_for_update(of=("self",)).select_related("handler").get(pk=petition_id)
    order = model.objects.select_for_update(of=("self",)).select_related("target_unit").get(pk=pk)
    order.petition = petition
    return petition, order


def _deciding_unit(actor, sup: Supervision) -> Unit:
    return sup.issuing_unit


# ---- 督办 -----------------------------------------------------------------------------------------


def supervision_report(*, actor, supervision, kind: str, text: str) -> SupervisionReport:
    """The target unit reports progress (进展报告) or the result (结果报告, then awaits the decision)."""
    if kind not in ReportKind.values:
        raise ApplicationError(_("报告类型无效，可选：progress（进展报告）、result（结果报告）。"), "invalid", "kind")
    text = _text(text, "text", _("报告内容"), required=True)
    with transaction.atomic():
        petition, sup = _lock(actor, Supervision, supervision, _("督办单不存在。"))
        if not rules.in_target(actor, sup.target_unit_id):
            raise Forbidden(_("只有督办对象单位的分办员、领导或承办人可以报告督办办理情况。"))
        guard_person(petition, actor)
        if sup.status == SupervisionStatus.ACCEPTED:
            raise ApplicationError(_("该督办件已销号。"), "conflict")
        if sup.status == SupervisionStatus.REPORTED:
            raise ApplicationError(_("结果报告正在等待督办单位审核，请等待审核结果。"), "conflict")
        now = timezone.now()
        report = SupervisionReport.objects.create(supervision=sup, kind=kind, text=text, by=actor,
                                                  unit=sup.target_unit, at=now)
        sup.status = SupervisionStatus.REPORTED if kind == ReportKind.RESULT else SupervisionStatus.PROGRESS
        sup.save(update_fields=["status"])
        data = {"supervision": sup.pk, "report": report.pk, "kind": kind}
        event_add(petition=petition, action=EVENT_SUPERVISION_REPORT, actor=actor, unit=sup.target_unit,
                  note=text, data=data, at=now)
        audit_record(actor=actor, action=f"petition.{EVENT_SUPERVISION_REPORT}", obj=petition, data=data)
        notices.supervision_reported(sup, report, at=now)
    return report


def _pending_report(sup: Supervision) -> SupervisionReport | None:
    return sup.reports.select_for_update().filter(decision="").order_by("-at", "-id").first()


def _decide(actor, supervision, decision: str, note: str) -> Supervision:
    with transaction.atomic():
        petition, sup = _lock(actor, Supervision, supervision, _("督办单不存在。"))
        if not (sup.issued_by_id == actor.pk or sup.issuing_unit_id in rules.deciding_units(actor)):
            raise Forbidden(_("只有督办人或督办单位的督查员、领导可以审核督办反馈。"))
        guard_person(petition, actor)
        if sup.status == SupervisionStatus.ACCEPTED:
            raise ApplicationError(_("该督办件已销号。"), "conflict")
        report = _pending_report(sup)
        if decision == Decision.ACCEPTED:
            if sup.status != SupervisionStatus.REPORTED or report is None or report.kind != ReportKind.RESULT:
                raise ApplicationError(_("督办对象尚未报告办理结果，不能销号。"), "conflict")
        elif report is None or sup.status not in (SupervisionStatus.REPORTED, SupervisionStatus.PROGRESS):
            raise ApplicationError(_("没有待审核的督办反馈。"), "conflict")
        now = timezone.now()
        report.decision, report.decision_note, report.decided_by, report.decided_at = decision, note, actor, now
        report.save(update_fields=["decision", "decision_note", "decided_by", "decided_at"])
        if decision == Decision.ACCEPTED:
            sup.status, sup.closed_at = SupervisionStatus.ACCEPTED, now
            action = EVENT_SUPERVISION_ACCEPT
        else:
            sup.status = SupervisionStatus.RETURNED
            action = EVENT_SUPERVISION_RETURN
        sup.save(update_fields=["status", "closed_at"])
        data = {"supervision": sup.pk, "report": report.pk}
        event_add(petition=petition, action=action, actor=actor, unit=_deciding_unit(actor, sup), note=note,
                  data=data, at=now)
        audit_record(actor=actor, action=f"petition.{action}", obj=petition, data={**data, "note": note})
        notices.supervision_decided(sup, report, actor=actor, at=now)
    return sup


def supervision_accept(*, actor, supervision, note: str = "") -> Supervision:
    """销号: the issuing side accepts the target unit's result report; the order is closed."""
    note = _text(note, "note", _("审核意见"), required=False)
    return _decide(actor, supervision, Decision.ACCEPTED, note)


def supervision_return(*, actor, supervision, note: str) -> Supervision:
    """退回: the issuing side sends the pending report back with a note; the target unit reports again."""
    note = _text(note, "note", _("退回意见"), required=True)
    return _decide(actor, supervision, Decision.RETURNED, note)


# ---- 领导批示 --------------------------------------------------------------------------------------


def instruction_report(*, actor, instruction, text: str) -> InstructionReport:
    """The target unit reports back on the instruction (it may report again until it is closed)."""
    text = _text(text, "text", _("反馈内容"), required=True)
    with transaction.atomic():
        petition, ins = _lock(actor, Instruction, instruction, _("批示件不存在。"))
        if not rules.in_target(actor, ins.target_unit_id):
            raise Forbidden(_("只有承办单位的分办员、领导或承办人可以反馈批示办理情况。"))
        guard_person(petition, actor)
        if ins.status == InstructionStatus.CLOSED:
            raise ApplicationError(_("该批示件已办结。"), "conflict")
        now = timezone.now()
        report = InstructionReport.objects.create(instruction=ins, text=text, by=actor, unit=ins.target_unit, at=now)
        ins.status = InstructionStatus.REPORTED
        ins.save(update_fields=["status"])
        data = {"instruction": ins.pk, "report": report.pk}
        event_add(petition=petition, action=EVENT_INSTRUCTION_REPORT, actor=actor, unit=ins.target_unit,
                  note=text, data=data, at=now)
        audit_record(actor=actor, action=f"petition.{EVENT_INSTRUCTION_REPORT}", obj=petition, data=data)
        notices.instruction_reported(ins, report, at=now)
    return report


def instruction_close(*, actor, instruction, note: str) -> Instruction:
    """The leader who wrote the instruction closes it (办结) with a note (办结意见)."""
    note = _text(note, "note", _("办结意见"), required=True)
    with transaction.atomic():
        petition, ins = _lock(actor, Instruction, instruction, _("批示件不存在。"))
        if ins.leader_id != actor.pk:
            raise Forbidden(_("只有作出批示的领导可以办结批示件。"))
        guard_person(petition, actor)
        if ins.status == InstructionStatus.CLOSED:
            raise ApplicationError(_("该批示件已办结。"), "conflict")
        now = timezone.now()
        ins.status, ins.closed_at, ins.close_note = InstructionStatus.CLOSED, now, note
        ins.save(update_fields=["status", "closed_at", "close_note"])
        data = {"instruction": ins.pk}
        event_add(petition=petition, action=EVENT_INSTRUCTION_CLOSE, actor=actor, unit=ins.unit, note=note,
                  data=data, at=now)
        audit_record(actor=actor, action=f"petition.{EVENT_INSTRUCTION_CLOSE}", obj=petition,
                     data={**data, "note": note})
        notices.instruction_closed(ins, at=now)
    return ins


# ---- the sweep ------------------------------------------------------------------------------------


def warn_days() -> int:
    """How many calendar days before its due date an order's target unit is reminded (setting
    SUPERVISION_WARN_DAYS, default 3)."""
    return int(getattr(settings, "SUPERVISION_WARN_DAYS", 3))


def supervision_sweep(now: dt.datetime) -> int:
    """Remind the target unit once when an open order's (or instruction's) due date is near, and once
    when it has passed (kind "supervision_due"); idempotent by the notification's dedupe key."""
    today = timezone.localdate(now)
    soon = today + dt.timedelta(days=warn_days())
    sent = 0
    kinds = ((Supervision, SUPERVISION_WAITING, _("督办件")), (Instruction, INSTRUCTION_WAITING, _("批示件")))
    for model, waiting, label in kinds:
        rows = (model.objects.filter(status__in=list(waiting), due_on__isnull=False, due_on__lte=soon)
                .select_related("petition", "petition__handler", "target_unit").order_by("pk"))
        for order in rows.iterator(chunk_size=500):
            which = "overdue" if order.due_on < today else "soon"
            with transaction.atomic():
                sent += len(notices.due_notice(order, which=which, kind_label=label, at=now))
    return sent
