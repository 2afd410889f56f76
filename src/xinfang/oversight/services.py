"""Writes of 包案 (DESIGN §1, §4 "own"): arrange or take an ownership, end it, transfer it, and the
automatic stamps when the petition is resolved or merged.

Each write validates its input first, then, in one transaction with the petition row locked, checks the
jurisdiction (outside it: not found), the petition's state, the actor's role and the one-active-ownership
rule, writes, appends a timeline event (`PetitionEvent`, actions "own", "own_end", "own_transfer") and an
audit entry ("petition.<action>", like the workflow's moves). A refusal raises `ApplicationError` and
changes nothing. Who may do what: see `rules`.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError, Forbidden, NotFound
from xinfang.common.text import clean_text
from xinfang.org.jurisdiction import unit_covers
from xinfang.petitions.choices import OPEN_STATES, Status
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible
from xinfang.workflow.guards import guard_person, guard_unit
from xinfang.workflow.services import event_add

from . import rules
from .choices import (
    EVENT_OWN,
    EVENT_OWN_END,
    EVENT_OWN_PLAN,
    EVENT_OWN_STAGE,
    EVENT_OWN_TRANSFER,
    RESOLVED_STATES,
    STAGE_ORDER,
    EndKind,
    Stage,
)
from .models import Ownership, OwnershipStage
from .selectors import leader_name

NOTE_MAX = 2000
PLAN_MAX = 4000
REASON_MAX = 2000
USERNAME_MAX = 150




# ---- input -------------------------------------------------------------------------------------


def _text(value, field: str, label: str, *, required: bool, max_len: int) -> str:
    return clean_text(value, field, label, required=required, max_len=max_len)


def _not_a_leader(value) -> ApplicationError:
    # the same answer for an unknown account and for one that is not an eligible leader
    return ApplicationError(_("“%(name)s”不是可以包案该信访件的领导。") % {"name": str(value)[:USERNAME_MAX]},
                            "invalid", "leader")


def _leader(value):
    """A staff account by user object, id or username (a fresh object: roles are cached per object)."""
    User = get_user_model()
    if isinstance(value, User):
        value = value.pk
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        raise ApplicationError(_("请选择包案领导。"), "invalid", "leader")
    if isinstance(value, int):
        found = User.objects.filter(pk=value).first() if 0 < value < 2**63 else None
    elif isinstance(value, str):
        text = value.strip()
        if "\x00" in text or len(text) > USERNAME_MAX:
            raise ApplicationError(_("包案领导无效。"), "invalid", "leader")
        found = User.objects.filter(username=text).first()
        if found is None and text.isdigit() and len(text) < 19:
            found = User.objects.filter(pk=int(text)).first()
    else:
        raise ApplicationError(_("包案领导无效。"), "invalid", "leader")
    if found is None or not found.is_active:
        raise _not_a_leader(value)
    return found


def _petition_pk(petition) -> int:
    pk = petition.pk if isinstance(petition, Petition) else petition
    if isinstance(pk, bool):
        raise NotFound(_("信访件不存在。"))
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("信访件不存在。")) from None
    if not 0 < pk < 2**63:
        raise NotFound(_("信访件不存在。"))
    return pk


def _lock(actor, petition) -> Petition:
    """The petition, locked for this transaction; not found outside the actor's jurisdiction."""
    pk = _petition_pk(petition)
    if not petitions_visible(actor).filter(pk=pk).exists():
        raise NotFound(_("信访件不存在。"))
    return Petition.objects.select_for_update(of=("self",)).get(pk=pk)


def _lock_ownership(actor, ownership) -> tuple[Petition, Ownership]:
    pk = ownership.pk if isinstance(ownership, Ownership) else ownership
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("包案记录不存在。")) from None
    petition_id = Ownership.objects.filter(pk=pk).values_list("petition_id", flat=True).first() \
        if 0 < pk < 2**63 else None
    if petition_id is None:
        raise NotFound(_("包案记录不存在。"))
    try:
        petition = _lock(actor, petition_id)
    except NotFound:
        raise NotFound(_("包案记录不存在。")) from None
    own = Ownership.objects.select_for_update().select_related("leader", "unit", "unit__region").get(pk=pk)
    own.petition = petition
    return petition, own


# ---- checks ------------------------------------------------------------------------------------


def _check_open(petition: Petition) -> None:
    if petition.status == Status.MERGED:
        number = petition.merged_into.number if petition.merged_into_id else ""
        raise ApplicationError(_("信访件已并入%(n)s，请对并入的信访件安排包案。") % {"n": number}, "illegal_transition")
    if petition.status not in OPEN_STATES:
        raise ApplicationError(_("信访件当前状态为“%(s)s”，不能安排包案。") % {"s": petition.get_status_display()},
                               "illegal_transition")


def _check_active(own: Ownership) -> None:
    if own.ended_at is not None:
        raise ApplicationError(_("该包案已于%(d)s结束。") % {
            "d": timezone.localtime(own.ended_at).strftime("%Y-%m-%d %H:%M")}, "conflict")
    if own.resolved_at is not None:
        raise ApplicationError(_("信访件已化解，该包案已完成，不能解除或转交。"), "conflict")


def _acting_unit(actor, unit, petition: Petition, seeing: set[int]):
    """The unit the actor acts in: the arranging unit that covers the owner's unit, else (a leader taking
    or releasing their own case) the owner's unit."""
    for own in rules.arranging_units(actor, petition, seeing):
        if unit_covers(own, unit):
            return own
    return unit


def _assign(actor, petition: Petition, leader, note: str, *, seeing: set[int], now: dt.datetime,
            previous: Ownership | None = None) -> Ownership:
    taking = actor.pk == leader.pk
    if not (rules.may_arrange(actor, petition, seeing) or (taking and rules.may_take(actor, petition, seeing))):
        raise Forbidden(_("您无权安排领导包案：须为能查看该信访件的单位的分办员或领导，领导也可以本人包案。"))
    unit = rules.owner_unit(actor, leader, petition, seeing)
    if unit is None:
        if not rules.leader_units(leader, petition, seeing):
            raise _not_a_leader(leader.username)
        raise ApplicationError(_("只能安排本单位或下级单位的领导包案。"), "invalid", "leader")
    # the one rule of workflow.guards: no accused unit (or unit led by the accused) and no person who
    # must recuse owns the case
    guard_unit(petition, unit, "leader")
    guard_person(petition, leader, "leader")
    guard_person(petition, actor)
    current = Ownership.objects.filter(petition=petition, ended_at__isnull=True).select_related("leader").first()
    if current is not None:
        raise ApplicationError(_("该信访件已由%(name)s包案；如需更换，请先解除或转交。") % {
            "name": leader_name(current.leader)}, "conflict")
    own = Ownership(petition=petition, leader=leader, unit=unit, note=note, assigned_by=actor, assigned_at=now)
    try:
        with transaction.atomic():
            own.save()
    except IntegrityError:  # another request won the race for the one active ownership
        raise ApplicationError(_("该信访件已有包案领导，请刷新后重试。"), "conflict") from None
    OwnershipStage.objects.bulk_create([
        OwnershipStage(ownership=own, stage=st, entered_at=now if st == Stage.TRANSFER else None)
        for st in STAGE_ORDER])
    action = EVENT_OWN_TRANSFER if previous is not None else EVENT_OWN
    data = {"ownership": own.pk, "leader": leader.username, "leader_name": leader_name(leader), "unit": unit.code}
    if previous is not None:
        data.update({"previous": previous.pk, "previous_leader": previous.leader.username,
                     "previous_leader_name": leader_name(previous.leader)})
    event_add(petition=petition, action=action, actor=actor, unit=_acting_unit(actor, unit, petition, seeing),
              note=note if previous is None else previous.end_reason, data=data, at=now)
    audit_record(actor=actor, action=f"petition.{action}", obj=petition,
                 data={**data, "note": note, **({"reason": previous.end_reason} if previous else {})})
    return own


def _seeing(petition: Petition) -> set[int]:
    return set(rules.units_seeing(petition).values_list("pk", flat=True))


# ---- services ----------------------------------------------------------------------------------


def ownership_assign(*, actor, petition, leader, note: str = "", at: dt.datetime | None = None) -> Ownership:
    """包案: make `leader` the owner of `petition` (a dispatcher or leader arranging it) or take it
    (actor == leader). The leader must hold the leader role in a unit that sees the petition, within
    the arranger's jurisdiction. Refused: outside the actor's jurisdiction (not_found), a closed or
    merged petition (illegal_transition), without the role (forbidden), an ineligible leader (invalid),
    a petition already owned (conflict). `at` stamps it at a past instant (the demo's replay; never
    from user input)."""
    note = _text(note, "note", _("包案要求"), required=False, max_len=NOTE_MAX)
    with transaction.atomic():
        petition = _lock(actor, petition)
        leader = _leader(leader)
        _check_open(petition)
        return _assign(actor, petition, leader, note, seeing=_seeing(petition), now=at or timezone.now())


def _current(petition: Petition) -> Ownership:
    own = (Ownership.objects.select_for_update().select_related("leader", "unit", "unit__region")
           .filter(petition=petition, ended_at__isnull=True).first())
    if own is None:
        raise ApplicationError(_("该信访件当前没有包案领导。"), "conflict")
    own.petition = petition
    return own


def _end(actor, petition: Petition, own: Ownership, reason: str) -> Ownership:
    _check_active(own)
    seeing = _seeing(petition)
    if not rules.may_end(actor, own, seeing):
        raise Forbidden(_("只有包案领导本人或有权安排包案的分办员、领导可以解除包案。"))
    now = timezone.now()
    own.ended_at, own.ended_by, own.end_kind, own.end_reason = now, actor, EndKind.RELEASED, reason
    own.save(update_fields=["ended_at", "ended_by", "end_kind", "end_reason"])
    data = {"ownership": own.pk, "leader": own.leader.username, "leader_name": leader_name(own.leader),
            "unit": own.unit.code}
    event_add(petition=petition, action=EVENT_OWN_END, actor=actor,
              unit=_acting_unit(actor, own.unit, petition, seeing), note=reason, data=data, at=now)
    audit_record(actor=actor, action=f"petition.{EVENT_OWN_END}", obj=petition, data={**data, "reason": reason})
    return own


def _transfer(actor, petition: Petition, old: Ownership, leader, reason: str, note: str) -> Ownership:
    _check_active(old)
    _check_open(petition)
    seeing = _seeing(petition)
    if not rules.may_arrange(actor, petition, seeing) or not rules.may_end(actor, old, seeing):
        raise Forbidden(_("只有有权安排包案的分办员或领导可以转交包案。"))
    if leader.pk == old.leader_id:
        raise ApplicationError(_("该领导正在包案，请选择其他领导。"), "invalid", "leader")
    now = timezone.now()
    old.ended_at, old.ended_by, old.end_kind, old.end_reason = now, actor, EndKind.TRANSFERRED, reason
    old.save(update_fields=["ended_at", "ended_by", "end_kind", "end_reason"])
    return _assign(actor, petition, leader, note, seeing=seeing, now=now, previous=old)


def ownership_end(*, actor, ownership, reason: str) -> Ownership:
    """解除包案: the owner, or an arranger whose jurisdiction covers the owner's unit, ends an active,
    not yet resolved ownership, with a reason."""
    reason = _text(reason, "reason", _("解除原因"), required=True, max_len=REASON_MAX)
    with transaction.atomic():
        petition, own = _lock_ownership(actor, ownership)
        return _end(actor, petition, own, reason)


def ownership_end_current(*, actor, petition, reason: str) -> Ownership:
    """`ownership_end` of the petition's current ownership (conflict when it has none)."""
    reason = _text(reason, "reason", _("解除原因"), required=True, max_len=REASON_MAX)
    with transaction.atomic():
        petition = _lock(actor, petition)
        return _end(actor, petition, _current(petition), reason)


def ownership_transfer(*, actor, ownership, leader, reason: str, note: str = "") -> Ownership:
    """转交包案: end the active ownership (kind "transferred") and make `leader` the owner, in one move.
    Only an arranger may transfer (an owner may release, not choose a successor). Returns the new one."""
    reason = _text(reason, "reason", _("转交原因"), required=True, max_len=REASON_MAX)
    note = _text(note, "note", _("包案要求"), required=False, max_len=NOTE_MAX)
    with transaction.atomic():
        petition, old = _lock_ownership(actor, ownership)
        return _transfer(actor, petition, old, _leader(leader), reason, note)


def ownership_transfer_current(*, actor, petition, leader, reason: str, note: str = "") -> Ownership:
    """`ownership_transfer` of the petition's current ownership (conflict when it has none)."""
    reason = _text(reason, "reason", _("转交原因"), required=True, max_len=REASON_MAX)
    note = _text(note, "note", _("包案要求"), required=False, max_len=NOTE_MAX)
    with transaction.atomic():
        petition = _lock(actor, petition)
        leader = _leader(leader)
        return _transfer(actor, petition, _current(petition), leader, reason, note)


# ---- automatic stamps (called from receivers, inside the workflow move's transaction) -------------


def ownerships_resolve(*, petition_id: int, at: dt.datetime, status: str, actor=None) -> int:
    """The petition reached a resolved state: stamp `resolved_at` on its active ownership."""
    if status not in RESOLVED_STATES:
        return 0
    count = 0
    with transaction.atomic():
        for own in Ownership.objects.select_for_update().filter(petition_id=petition_id, ended_at__isnull=True,
                                                                resolved_at__isnull=True):
            own.resolved_at = at
            own.save(update_fields=["resolved_at"])
            audit_record(actor=actor or "system", action="ownership.resolve", obj=own,
                         data={"petition": petition_id, "status": status})
            count += 1
    return count


def ownerships_end_merged(*, petition_id: int, at: dt.datetime, actor=None) -> int:
    """The petition was merged into another: its active ownership ends (kind "merged"); the surviving
    petition carries the matter and may be owned itself."""
    count = 0
    with transaction.atomic():
        for own in Ownership.objects.select_for_update().filter(petition_id=petition_id, ended_at__isnull=True):
            own.ended_at, own.ended_by, own.end_kind = at, actor, EndKind.MERGED
            own.save(update_fields=["ended_at", "ended_by", "end_kind"])
            audit_record(actor=actor or "system", action="ownership.end", obj=own,
                         data={"petition": petition_id, "kind": EndKind.MERGED.value})
            count += 1
    return count


# ---- plan and stages (转包案 → 推进化解 → 稳控 → 化解) ----------------------------------------------------


def _due_date(value, field: str) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) != 10 or "\x00" in text:
                raise ValueError
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ApplicationError(_("日期格式应为“年-月-日”，例如 2026-03-31。"), "invalid", field) from None
    else:
        raise ApplicationError(_("日期格式应为“年-月-日”，例如 2026-03-31。"), "invalid", field)
    if not 2000 <= day.year <= 2100:
        raise ApplicationError(_("日期超出有效范围。"), "invalid", field)
    return day


def _stage_rows(own: Ownership) -> dict[str, OwnershipStage]:
    rows = {r.stage: r for r in OwnershipStage.objects.select_for_update().filter(ownership=own)}
    missing = [OwnershipStage(ownership=own, stage=st, entered_at=own.assigned_at if st == Stage.TRANSFER else None)
               for st in STAGE_ORDER if st not in rows]
    if missing:  # an ownership from before stages existed (the migration adds them; this is the safety net)
        for row in OwnershipStage.objects.bulk_create(missing):
            rows[row.stage] = row
        rows = {r.stage: r for r in OwnershipStage.objects.select_for_update().filter(ownership=own)}
    return rows


def _check_stage_actor(actor, petition: Petition, own: Ownership) -> set[int]:
    if own.ended_at is not None:
        raise ApplicationError(_("该包案已于%(d)s结束。") % {
            "d": timezone.localtime(own.ended_at).strftime("%Y-%m-%d %H:%M")}, "conflict")
    seeing = _seeing(petition)
    if not rules.may_end(actor, own, seeing):
        raise Forbidden(_("只有包案领导本人或有权安排包案的分办员、领导可以制定方案、推进阶段。"))
    guard_person(petition, actor)
    return seeing


def ownership_plan_set(*, actor, ownership, plan: str | None = None, dues: dict | None = None) -> Ownership:
    """包案方案: the owner (or an arranger covering the owner's unit) writes the plan and sets or adjusts the
    due date of each stage (`dues`: {stage code: date, "YYYY-MM-DD" or None to clear}; stages not named keep
    theirs). `plan=None` keeps the plan. Refused: an ended ownership (conflict), without the right (forbidden),
    an unknown stage, a bad date, a due date before the 包案 was assigned, or dates out of the stages' order
    (invalid)."""
    if plan is not None:
        plan = _text(plan, "plan", _("包案方案"), required=False, max_len=PLAN_MAX)
    dues = dues or {}
    if not isinstance(dues, dict):
        raise ApplicationError(_("阶段期限无效。"), "invalid", "dues")
    if plan is None and not dues:
        raise ApplicationError(_("请填写包案方案或阶段期限。"), "invalid", "plan")
    parsed: dict[str, dt.date | None] = {}
    for key, value in dues.items():
        if key not in Stage.values:
            raise ApplicationError(_("没有这个包案阶段。"), "invalid", "dues")
        parsed[key] = _due_date(value, f"due_{key}")
    with transaction.atomic():
        petition, own = _lock_ownership(actor, ownership)
        seeing = _check_stage_actor(actor, petition, own)
        rows = _stage_rows(own)
        start = timezone.localtime(own.assigned_at).date()
        for key, day in parsed.items():
            if day is not None and day < start:
                raise ApplicationError(_("阶段期限不能早于包案日期（%(d)s）。") % {"d": start.isoformat()},
                                       "invalid", f"due_{key}")
        final = {st.value: parsed.get(st.value, rows[st.value].due_date) for st in STAGE_ORDER}
        last = None
        for st in STAGE_ORDER:
            day = final[st.value]
            if day is None:
                continue
            if last is not None and day < last:
                raise ApplicationError(_("“%(s)s”的期限不能早于前一阶段的期限。") % {"s": st.label},
                                       "invalid", f"due_{st.value}")
            last = day
        changed: dict[str, str | None] = {}
        for key, day in parsed.items():
            row = rows[key]
            if row.due_date != day:
                row.due_date = day
                row.save(update_fields=["due_date"])
                changed[key] = day.isoformat() if day else None
        plan_changed = plan is not None and plan != own.plan
        if plan_changed:
            own.plan = plan
            own.save(update_fields=["plan"])
        if not changed and not plan_changed:
            return own
        now = timezone.now()
        data = {"ownership": own.pk, "dues": changed, "plan_changed": plan_changed}
        event_add(petition=petition, action=EVENT_OWN_PLAN, actor=actor,
                  unit=_acting_unit(actor, own.unit, petition, seeing), note=own.plan if plan_changed else "",
                  data=data, at=now)
        audit_record(actor=actor, action=f"petition.{EVENT_OWN_PLAN}", obj=petition,
                     data={**data, **({"plan": own.plan} if plan_changed else {})})
        return own


def ownership_stage_advance(*, actor, ownership, note: str = "", stage: str | None = None) -> Ownership:
    """Complete the 包案's current stage with a note and enter the next (转包案 → 推进化解 → 稳控 → 化解);
    on 化解 it completes the last stage. `stage`, when given, must be the current stage (a stale page is
    refused with conflict). Refused: an ended ownership or all stages done (conflict), without the right
    (forbidden), a note missing or too long (invalid)."""
    note = _text(note, "note", _("推进说明"), required=True, max_len=NOTE_MAX)
    with transaction.atomic():
        petition, own = _lock_ownership(actor, ownership)
        seeing = _check_stage_actor(actor, petition, own)
        rows = _stage_rows(own)
        current = rows[own.stage]
        if current.completed_at is not None:
            raise ApplicationError(_("包案的各阶段已全部完成。"), "conflict")
        if stage is not None and stage != own.stage:
            raise ApplicationError(_("包案当前阶段已是“%(s)s”，请刷新后重试。") % {"s": own.get_stage_display()},
                                   "conflict", "stage")
        now = timezone.now()
        current.completed_at, current.completed_by, current.note = now, actor, note
        current.save(update_fields=["completed_at", "completed_by", "note"])
        index = STAGE_ORDER.index(own.stage)
        to = STAGE_ORDER[index + 1] if index + 1 < len(STAGE_ORDER) else None
        if to is not None:
            following = rows[to.value]
            following.entered_at = now
            following.save(update_fields=["entered_at"])
            own.stage = to.value
            own.save(update_fields=["stage"])
        data = {"ownership": own.pk, "from": current.stage, "to": to.value if to else "",
                "from_label": str(Stage(current.stage).label), "to_label": str(to.label) if to else "",
                "overdue": bool(current.due_date and current.due_date < timezone.localtime(now).date())}
        event_add(petition=petition, action=EVENT_OWN_STAGE, actor=actor,
                  unit=_acting_unit(actor, own.unit, petition, seeing), note=note, data=data, at=now)
        audit_record(actor=actor, action=f"petition.{EVENT_OWN_STAGE}", obj=petition, data={**data, "note": note})
        return own


def ownership_stages_sweep(now: dt.datetime) -> int:
    """The scheduled rule (sweep "ownership_stages"): the owner of an active 包案 is told once when the current
    stage is due (its due date is today or tomorrow) and once when it is overdue (kind "ownership_stage";
    a changed due date tells again). Returns the notices sent."""
    from django.urls import reverse

    from xinfang.notifications.services import notify

    today = timezone.localtime(now).date()
    rows = (OwnershipStage.objects.filter(ownership__ended_at__isnull=True, ownership__stage=F("stage"),
                                          completed_at__isnull=True, entered_at__isnull=False,
                                          due_date__isnull=False, due_date__lte=today + dt.timedelta(days=1))
            .select_related("ownership", "ownership__petition", "ownership__leader").order_by("pk"))
    sent = 0
    for row in rows:
        own, petition = row.ownership, row.ownership.petition
        overdue = row.due_date < today
        level = "overdue" if overdue else "due"
        label = Stage(row.stage).label
        if overdue:
            title = _("包案“%(n)s”的“%(s)s”阶段已逾期（期限 %(d)s）") % {
                "n": petition.number, "s": label, "d": row.due_date.isoformat()}
        else:
            title = _("包案“%(n)s”的“%(s)s”阶段即将到期（期限 %(d)s）") % {
                "n": petition.number, "s": label, "d": row.due_date.isoformat()}
        with transaction.atomic():
            sent += len(notify(recipients=[own.leader], kind="ownership_stage", title=title,
                               body=own.plan[:500], petition=petition,
                               link=reverse("web:petition", args=[petition.pk]) + "#ownership",
                               dedupe_key=f"ownership_stage:{row.pk}:{row.due_date.isoformat()}:{level}", at=now))
    return sent
