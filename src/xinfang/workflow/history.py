"""A petition's earlier history, recorded elsewhere (a legacy ledger), brought into the workflow.

`petition_history_apply` takes a petition just registered (`services.petition_register`) to the
status a ledger records, at the instants it records, with the workflow's own pieces, so that what
is stored agrees with what the moves would have stored:

- 受理 at `accepted_at`: the 登记转送 and 受理告知 limits are met then (late when that is after their
  due day), the 办理 limit opens on that day in the handling unit (its own policy);
- 答复 at `replied_at`: a 信访处理意见书 with the recorded outcome, approved then; the 办理 (and
  简易办理, 12345) limits are met then;
- 办结 at `closed_at`: whatever is still open is cancelled;
- the current deadline and warning level (`deadlines.refresh_current_due`) and the stored facts the
  reports read (`facts.facts_refresh`) are recomputed; one timeline entry per step, at its instant,
  marked imported and naming no document (no notice is issued for the past); one audit record.

No 复查 request window is opened for an imported reply: the reply was handed over outside this
system, so no 30-day window can be shown to run from it here, and a window would let the nightly
sweep (`services.petitions_close_expired`) close a replied case on its own. An imported 已答复 case
stays 已答复 until it is closed (办结) by hand. The handling unit gets access to the petition, as a
route would give it; no route is recorded (the ledger does not say how the case got there).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError
from xinfang.org.models import Unit
from xinfang.petitions.choices import Nature, Status
from xinfang.petitions.models import Petition
from xinfang.petitions.reach import access_grant

from . import deadlines as dl
from .choices import Outcome, ReplyKind
from .facts import facts_refresh
from .models import PetitionEvent, Reply
from .services import event_add

# the statuses a recorded history can end in, and the instants each needs
HISTORY_NEEDS: dict[str, tuple[str, ...]] = {
    Status.ACCEPTED: ("accepted_at",),
    Status.REPLIED: ("accepted_at", "replied_at"),
    Status.CLOSED: ("accepted_at", "replied_at", "closed_at"),
}
_LABELS = {"accepted_at": gettext_lazy("受理时间"), "replied_at": gettext_lazy("答复时间"),
           "closed_at": gettext_lazy("办结时间")}
IMPORTED_NOTE = gettext_lazy("按历史台账导入")


def petition_history_apply(*, petition: Petition, actor, status: str, accepted_at: dt.datetime | None = None,
                           replied_at: dt.datetime | None = None, closed_at: dt.datetime | None = None,
                           outcome: str | None = None, handling_unit: Unit | None = None,
                           now: dt.datetime | None = None) -> Petition:
    """Bring a just-registered petition to `status` (accepted, replied or closed) as recorded at
    `accepted_at` ≤ `replied_at` ≤ `closed_at`, handled by `handling_unit` (default: the receiving
    unit), answered with `outcome`. Raises `ApplicationError` (field = the argument's name) for an
    impossible history; writes nothing then."""
    now = now or timezone.now()
    at = {"accepted_at": accepted_at, "replied_at": replied_at, "closed_at": closed_at}
    _check(petition, status, at, outcome, handling_unit, now)
    unit = handling_unit or petition.receiving_unit
    with transaction.atomic():
        p = Petition.objects.select_for_update(of=("self",)).select_related("receiving_unit").get(pk=petition.pk)
        if p.status != Status.REGISTERED or p.accepted_at is not None:
            raise ApplicationError(_("只有刚登记的信访件可以导入办理经过。"), "illegal_transition", "status")
        steps: list[tuple[str, str, str, dt.datetime, dict]] = []
        # 受理
        p.handling_unit, p.accepted_at, p.status = unit, accepted_at, Status.ACCEPTED
        if unit.pk != p.receiving_unit_id:
            access_grant(p, unit, "import")
        dl.deadlines_meet(p, "route", "accept", "object", at=accepted_at)
        dl.deadline_open(p, "handle", dl.local_date(accepted_at), unit=unit)
        steps.append(("accept", Status.REGISTERED, Status.ACCEPTED, accepted_at, {}))
        # 答复
        if replied_at is not None:
            reply = Reply.objects.create(
                petition=p, kind=ReplyKind.REPLY, unit=unit, outcome=outcome, text=str(IMPORTED_NOTE),
                basis=str(IMPORTED_NOTE), drafted_by=None, drafted_at=replied_at, approved_by=None,
                approved_at=replied_at)
            p.replied_at, p.status = replied_at, Status.REPLIED
            dl.deadlines_meet(p, "handle", "fast_track", "hotline", at=replied_at)
            steps.append(("approve_reply", Status.ACCEPTED, Status.REPLIED, replied_at,
                          {"outcome": outcome, "reply_id": reply.pk}))
        # 办结
        if closed_at is not None:
            p.closed_at, p.status = closed_at, Status.CLOSED
            dl.deadlines_meet(p, "report", at=closed_at)
            dl.deadlines_cancel(p)
            steps.append(("close", Status.REPLIED, Status.CLOSED, closed_at, {}))
        p.version += 1
        dl.refresh_current_due(p, timezone.localdate(now))
        facts_refresh(p)
        p.save()
        # the timeline reads in order: the registration entry stands at the receipt
        PetitionEvent.objects.filter(petition=p, action="register").update(at=p.received_at)
        for action, before, after, when, data in steps:
            event_add(petition=p, action=action, actor=actor, unit=unit, from_status=before, to_status=after,
                      note=str(IMPORTED_NOTE), data={"imported": True, "documents": [], **data}, at=when)
        audit_record(actor=actor, action="petition.history_import", obj=p,
                     data={"number": p.number, "status": p.status, "unit": unit.code, "outcome": outcome or "",
                           **{k: v.isoformat() for k, v in at.items() if v is not None}})
    petition.refresh_from_db()
    return petition


def _check(petition: Petition, status: str, at: dict, outcome: str | None, unit: Unit | None,
           now: dt.datetime) -> None:
    needs = HISTORY_NEEDS.get(status)
    if needs is None:
        raise ApplicationError(_("不能导入为该状态：%(s)s。可导入为已受理、已答复或已办结。") % {"s": status},
                               "invalid", "status")
    for name, when in at.items():
        if name in needs and when is None:
            raise ApplicationError(_("请填写%(label)s。") % {"label": _LABELS[name]}, "invalid", name)
        if name not in needs and when is not None:
            raise ApplicationError(_("状态为“%(s)s”，不应有%(label)s。") % {
                "s": Status(status).label, "label": _LABELS[name]}, "invalid", name)
    before, before_label = petition.received_at, _("收到时间")
    for name in needs:
        when = at[name]
        if when > now + dt.timedelta(minutes=5):
            raise ApplicationError(_("%(label)s不能晚于当前时间。") % {"label": _LABELS[name]}, "invalid", name)
        if when < before:
            raise ApplicationError(_("%(label)s不能早于%(before)s。") % {"label": _LABELS[name], "before": before_label},
                                   "invalid", name)
        before, before_label = when, _LABELS[name]
    if "replied_at" in needs and outcome not in Outcome.values:
        raise ApplicationError(_("处理结果取值无效，可选：支持、解释说明、不予支持。"), "invalid", "outcome")
    if "replied_at" not in needs and outcome:
        raise ApplicationError(_("尚未答复的信访件不应有处理结果。"), "invalid", "outcome")
    if unit is not None:
        if not unit.is_active:
            raise ApplicationError(_("承办单位已停用：%(code)s") % {"code": unit.code}, "invalid", "handling_unit")
        accused = petition.accused_unit
        if petition.nature == Nature.ACCUSATION and accused is not None and (
                unit.pk == accused.pk or unit.path.startswith(accused.path)):
            raise ApplicationError(_("检举控告类信访事项不得由被检举控告的单位承办。"), "forbidden_route",
                                   "handling_unit")
