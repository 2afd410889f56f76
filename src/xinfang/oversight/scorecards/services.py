"""Writes of 问责记录 (accountability records): create one, in one transaction: validated first, then
the record, its links to the petitions that caused it, an `accountability` event on each petition's
timeline, an audit entry and a notice to the target unit's leaders. A refusal changes nothing.

Who may record: a leader or supervisor of a unit whose jurisdiction covers the target unit
(`org.jurisdiction.unit_covers`); the cited petitions must lie within the decider's jurisdiction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError, Forbidden
from xinfang.common.text import clean_text
from xinfang.notifications.selectors import unit_members
from xinfang.notifications.services import notify
from xinfang.org.choices import Role
from xinfang.org.jurisdiction import memberships, unit_covers, visible_units
from xinfang.org.models import Unit
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible
from xinfang.workflow.services import event_add

from .models import AccountabilityKind, AccountabilityRecord

DECIDER_ROLES = (Role.LEADER, Role.SUPERVISOR)


PETITIONS_MAX = 100
LIMITS = {"people": 1000, "reason": 4000, "decision": 4000, "document_no": 64}


def _text(value, field: str, label: str, *, required: bool) -> str:
    return clean_text(value, field, label, required=required, max_len=LIMITS[field])


def decider_units(user) -> list[Unit]:
    """The units in which `user` may record accountability decisions (leader or supervisor)."""
    seen: dict[int, Unit] = {}
    for m in memberships(user):
        if m.role in DECIDER_ROLES:
            seen.setdefault(m.unit_id, m.unit)
    return list(seen.values())


def may_record(user) -> bool:
    return bool(decider_units(user))


def target_units(user):
    """The units `user` may record a decision about (pickers)."""
    own = decider_units(user)
    return [u for u in visible_units(user).order_by("path")[:2000] if any(unit_covers(o, u) for o in own)]


def _unit(actor, value) -> tuple[Unit, Unit]:
    """(target unit, issuing unit): the target by object, id or code, within the actor's reach."""
    if isinstance(value, Unit):
        value = value.code
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        raise ApplicationError(_("请选择被问责单位。"), "invalid", "unit")
    text = str(value).strip()[:64]
    if "\x00" in text:
        raise ApplicationError(_("单位无效。"), "invalid", "unit")
    unit = visible_units(actor).filter(code=text).first()
    if unit is None:
        raise ApplicationError(_("单位不存在：%(code)s") % {"code": text}, "invalid", "unit")
    issuers = sorted((u for u in decider_units(actor) if unit_covers(u, unit)), key=lambda u: -len(u.path))
    if not issuers:
        raise Forbidden(_("您不是该单位的上级领导或督查人员，不能对其作出问责决定。"), "unit")
    return unit, issuers[0]


def _petitions(actor, values) -> list[Petition]:
    """The cited petitions by id or number, each within the actor's jurisdiction (else: not found)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [v for v in values.replace("，", ",").replace("\n", ",").replace(" ", ",").split(",") if v.strip()]
    if not isinstance(values, list | tuple | set):
        raise ApplicationError(_("相关信访件无效。"), "invalid", "petitions")
    values = list(dict.fromkeys(values))
    if len(values) > PETITIONS_MAX:
        raise ApplicationError(_("相关信访件不能超过%(n)d件。") % {"n": PETITIONS_MAX}, "invalid", "petitions")
    visible = petitions_visible(actor)
    out: dict[int, Petition] = {}
    for v in values:
        found = None
        if isinstance(v, Petition):
            v = v.pk
        if isinstance(v, int) and not isinstance(v, bool):
            found = visible.filter(pk=v).first() if 0 < v < 2**63 else None
        elif isinstance(v, str) and "\x00" not in v and len(v.strip()) <= 64:
            text = v.strip()
            found = visible.filter(number=text).first()
            if found is None and text.isdigit() and len(text) < 19:
                found = visible.filter(pk=int(text)).first()
        if found is None:
            raise ApplicationError(_("信访件不存在：%(v)s") % {"v": str(v)[:64]}, "invalid", "petitions")
        out[found.pk] = found
    return list(out.values())


def _decided_at(value, now: dt.datetime) -> dt.datetime:
    if value in (None, ""):
        return now
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise ApplicationError(_("决定日期格式无效（应为YYYY-MM-DD）。"), "invalid", "decided_on") from None
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, dt.date):
        raise ApplicationError(_("决定日期无效。"), "invalid", "decided_on")
    today = timezone.localtime(now).date()
    if value > today:
        raise ApplicationError(_("决定日期不能晚于今天。"), "invalid", "decided_on")
    if value < dt.date(2000, 1, 1):
        raise ApplicationError(_("决定日期过早。"), "invalid", "decided_on")
    if value == today:
        return now
    return timezone.make_aware(dt.datetime.combine(value, dt.time(9, 0)))


def accountability_create(*, actor, kind, unit, reason, decision, people="", document_no="", decided_on=None,
                          petitions=None, at: dt.datetime | None = None) -> AccountabilityRecord:
    """Record a 约谈, 通报批评 or 问责 decision about `unit` (code or Unit), citing `petitions` (ids or
    numbers). Notifies the unit's leaders (kind "accountability")."""
    now = at or timezone.now()
    if not may_record(actor):
        raise Forbidden(_("只有领导和督查人员可以记录问责决定。"))
    if kind not in AccountabilityKind.values:
        raise ApplicationError(_("请选择问责类型。"), "invalid", "kind")
    reason = _text(reason, "reason", _("事由"), required=True)
    decision = _text(decision, "decision", _("处理决定"), required=True)
    people = _text(people, "people", _("涉及人员"), required=False)
    document_no = _text(document_no, "document_no", _("文号"), required=False)
    decided_at = _decided_at(decided_on, now)
    target, issuer = _unit(actor, unit)
    cited = _petitions(actor, petitions)
    with transaction.atomic():
        rec = AccountabilityRecord.objects.create(
            kind=kind, unit=target, issuing_unit=issuer, people=people, reason=reason, decision=decision,
            document_no=document_no, decided_by=actor, decided_at=decided_at)
        rec.petitions.set(cited)
        label = str(AccountabilityKind(kind).label)
        for p in cited:
            event_add(petition=p, action="accountability", actor=actor, unit=issuer, at=now,
                      note=_("%(kind)s：%(unit)s %(no)s") % {"kind": label, "unit": target.name, "no": document_no},
                      data={"record": rec.pk, "kind": kind, "unit": target.code})
        audit_record(actor=actor, action="accountability.create", obj=rec, data={
            "kind": kind, "unit": target.code, "issuing_unit": issuer.code, "document_no": document_no,
            "petitions": [p.pk for p in cited], "decided_at": decided_at.isoformat()})
        notify(recipients=unit_members(target, [Role.LEADER]), kind="accountability",
               title=_("%(kind)s：%(unit)s") % {"kind": label, "unit": target.name},
               body=(document_no + " " if document_no else "") + reason[:500],
               link=reverse("web:accountability_list") + f"?unit={target.code}", at=now)
    return rec
