"""Writes of 催办与时限提醒: an urge (the `urge` move's effect, or the sweep's automatic one), the
contact log (一周反馈、一月联系), the per-unit sweep policy."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.common.text import clean_text, has_bad_characters
from xinfang.notifications.selectors import unit_members
from xinfang.notifications.services import notify
from xinfang.org.choices import Role
from xinfang.org.jurisdiction import memberships
from xinfang.org.models import Unit
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petition_get
from xinfang.workflow.guards import guard_person, guard_unit
from xinfang.workflow.services import event_add

from .models import Contact, ContactKind, ContactMethod, SweepPolicy, Urge
from .policy import FIELDS

MAX_NOTE = 2000


def responsible_unit(petition: Petition) -> Unit:
    """The unit a deadline of the petition waits on: the handling unit, else the receiving unit."""
    return petition.handling_unit or petition.receiving_unit


def petition_link(petition, anchor: str = "") -> str:
    return reverse("web:petition", args=[getattr(petition, "pk", petition)]) + anchor


def urge_recipients(petition: Petition, unit: Unit) -> list:
    """Who hears of an urge: the case's handler (when in the urged unit) and the unit's leaders and
    dispatchers."""
    people = unit_members(unit, [Role.LEADER, Role.DISPATCHER])
    if petition.handler_id and petition.handling_unit_id == unit.pk:
        people = [petition.handler, *people]
    return people


def urge_record(*, petition: Petition, unit: Unit, at: dt.datetime, actor=None, actor_unit: Unit | None = None,
                note: str = "", auto: bool = False, due_kind: str = "", due_on: dt.date | None = None) -> Urge:
    """Store one urge and notify the urged unit (inside the caller's transaction)."""
    urge = Urge.objects.create(petition=petition, unit=unit, at=at, auto=auto, actor=actor, actor_unit=actor_unit,
                               note=note, due_kind=due_kind, due_on=due_on)
    if auto:
        title = _("自动催办：%(n)s 已超过办理时限") % {"n": petition.number}
    else:
        title = _("催办：%(n)s") % {"n": petition.number}
    body = note or _("该信访件已超过%(d)s的时限（到期日%(on)s），请抓紧办理。") % {
        "d": due_kind or _("办理"), "on": due_on or "—"}
    notify(recipients=urge_recipients(petition, unit), kind="urge", title=title, body=body[:2000],
           link=petition_link(petition, "#urging"), petition=petition, dedupe_key=f"urge:{urge.pk}", at=at)
    return urge


def urge_auto(*, petition: Petition, at: dt.datetime, due_kind: str, due_on: dt.date) -> Urge | None:
    """The sweep's 催办 on a deadline that passed, once per deadline (None when it exists)."""
    unit = responsible_unit(petition)
    try:
        with transaction.atomic():
            urge = urge_record(petition=petition, unit=unit, at=at, auto=True, due_kind=due_kind, due_on=due_on)
            event_add(petition=petition, action="urge", unit=None, note=_("超过办理时限，系统自动催办。"),
                      data={"auto": True, "urge": urge.pk, "unit": unit.code, "due_kind": due_kind,
                            "due_on": due_on}, at=at)
            audit_record(actor="system", action="petition.urge", obj=petition,
                         data={"auto": True, "unit": unit.code, "due_kind": due_kind, "due_on": str(due_on)})
    except IntegrityError:  # a concurrent sweep urged first
        return None
    return urge


# ---- contact log ---------------------------------------------------------------------------------

def _text(value, label: str, field: str, required: bool = True, max_len: int = MAX_NOTE) -> str:
    return clean_text(value, field, label, required=required, max_len=max_len)


def contact_unit(user, petition: Petition) -> Unit | None:
    """The unit in which `user` may log a contact with the petitioner: a staff role in the receiving,
    handling or review unit (the handling chain), or the case's handler."""
    chain = {petition.receiving_unit_id, petition.handling_unit_id, petition.review_unit_id} - {None}
    for m in memberships(user):
        if m.unit_id in chain and m.role in (Role.CLERK, Role.DISPATCHER, Role.HANDLER, Role.LEADER):
            return m.unit
    return None


def contact_add(*, actor, petition_id, method, kind, note, at=None) -> Contact:
    """联系记录: the handler (or another member of the handling chain) records a contact with the
    petitioner. `at` (when it happened) may not lie in the future nor before the petition."""
    now = timezone.now()
    method = method if isinstance(method, str) else ""
    kind = kind if isinstance(kind, str) else ""
    if method not in ContactMethod.values:
        raise ApplicationError(_("请选择联系方式。"), "invalid", "method")
    if kind not in ContactKind.values:
        raise ApplicationError(_("请选择联系类型。"), "invalid", "kind")
    note = _text(note, _("联系情况"), "note")
    if at in (None, ""):
        at = now
    elif isinstance(at, str):
        from django.utils.dateparse import parse_datetime

        try:
            parsed = parse_datetime(at.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise ApplicationError(_("联系时间格式不正确。"), "invalid", "at")
        at = parsed
    if not isinstance(at, dt.datetime):
        raise ApplicationError(_("联系时间格式不正确。"), "invalid", "at")
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + dt.timedelta(minutes=5):
        raise ApplicationError(_("联系时间不能晚于现在。"), "invalid", "at")
    with transaction.atomic():
        petition = petition_get(actor, petition_id, for_update=True)  # 404 outside the jurisdiction
        unit = contact_unit(actor, petition)
        if unit is None:
            raise ApplicationError(_("只有承办链条上的工作人员可以登记联系记录。"), "illegal_transition")
        guard_person(petition, actor, None)
        guard_unit(petition, unit, None)
        if at < petition.received_at:
            raise ApplicationError(_("联系时间不能早于收到信访件的时间。"), "invalid", "at")
        row = Contact.objects.create(petition=petition, by=actor, unit=unit, at=at, method=method, kind=kind,
                                     note=note, recorded_at=now)
        event_add(petition=petition, action="contact", actor=actor, unit=unit, note=note,
                  data={"contact": row.pk, "method": method, "kind": kind, "contact_at": at}, at=now)
        audit_record(actor=actor, action="petition.contact", obj=petition,
                     data={"contact": row.pk, "method": method, "kind": kind})
    return row


# ---- policy --------------------------------------------------------------------------------------

MAX_DAYS = 365


def _policy_unit(actor, unit) -> Unit | None:
    """The unit a policy row is for (None: the global default), by code: only a unit the admin
    administers, the default only for a top-level admin (else 404, as the other settings)."""
    from xinfang.org.admin_scope import is_admin, require_admin

    if not is_admin(actor):
        raise NotFound(_("您无权管理该对象。"))
    if unit in (None, ""):
        require_admin(actor, None)
        return None
    found = Unit.objects.filter(code=unit.strip()).first() if (
        isinstance(unit, str) and len(unit) <= 64 and not has_bad_characters(unit)) else None
    if found is None:
        raise ApplicationError(_("单位不存在：%(u)s") % {"u": str(unit)[:64]}, "invalid", "unit")
    require_admin(actor, found)
    return found


def policy_save(*, actor, unit, values: dict) -> SweepPolicy:
    """Create or update the sweep policy of `unit` (a code; "" the global default)."""
    target = _policy_unit(actor, unit)
    clean = {}
    for name in FIELDS:
        field = SweepPolicy._meta.get_field(name)
        raw = values.get(name)
        if name in ("remind_notice", "remind_severe", "auto_urge"):
            clean[name] = raw in (True, "on", "1", "true", 1)
            continue
        if raw in (None, ""):
            clean[name] = field.default
            continue
        try:
            number = int(str(raw).strip())
        except ValueError:
            number = -1
        if isinstance(raw, bool) or not 0 <= number <= MAX_DAYS:
            raise ApplicationError(_("%(label)s应为0至%(n)d之间的整数。") % {"label": field.verbose_name, "n": MAX_DAYS},
                                   "invalid", name)
        clean[name] = number
    with transaction.atomic():
        row = SweepPolicy.objects.select_for_update().filter(unit=target).first() or SweepPolicy(unit=target)
        for k, v in clean.items():
            setattr(row, k, v)
        row.save()
        audit_record(actor=actor, action="urging.policy_save", obj=row,
                     data={"unit": target.code if target else "", **clean})
    return row


def policy_delete(*, actor, policy_id) -> None:
    """Remove a unit's policy (its units follow the next one up again); the default cannot be removed
    here, only changed."""
    from xinfang.org.admin_scope import is_admin, require_admin

    try:
        pk = int(policy_id)
    except (TypeError, ValueError):
        raise NotFound(_("规则不存在。")) from None
    with transaction.atomic():
        row = SweepPolicy.objects.select_for_update().filter(pk=pk).first() if 0 < pk < 2**63 else None
        if row is None or not is_admin(actor):
            raise NotFound(_("规则不存在。"))
        require_admin(actor, row.unit if row.unit_id else None)
        audit_record(actor=actor, action="urging.policy_delete", obj=row,
                     data={"unit": row.unit.code if row.unit_id else ""})
        row.delete()
