"""Staff decisions on repeat and duplicate candidates (DESIGN §7): the link is stored and feeds the KPIs.

Confirming a **repeat** sets `petition.repeat_of` (what 重复信访率 and 一次性化解率 count, see
reports.statistics: an item is a repeat when `repeat_of` is set; the origin's `fact_repeat_at` is
refreshed through `workflow.facts.repeat_recorded`, as at registration). Rejecting a repeat that was
linked removes the link. A **duplicate** decision is recorded only (并案 itself is a workflow move).
Every decision is audited.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.org.choices import Role
from xinfang.org.jurisdiction import all_roles
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import accuser_hidden, petition_get
from xinfang.workflow.facts import repeat_recorded

from .models import Decision, Kind, SimilarDecision

DECIDING_ROLES = {Role.CLERK, Role.DISPATCHER, Role.HANDLER, Role.LEADER}


class NotAllowed(ApplicationError):
    """A refusal inside the user's jurisdiction for want of a role: 403."""

    def __init__(self, message: str):
        super().__init__(message, "forbidden")

    @property
    def status(self) -> int:
        return 403


def may_decide(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or all_roles(user) & DECIDING_ROLES)


def _refresh_origin(origin_id: int | None) -> None:
    if origin_id:
        repeat_recorded(Petition(pk=0, repeat_of_id=origin_id))


def similar_decide(*, actor, petition_id, candidate_id, kind: str, decision: str) -> SimilarDecision:
    """Record `actor`'s decision that `candidate_id` is (confirmed) or is not (rejected) a `kind`
    ("repeat" | "duplicate") of `petition_id`. Both must be within the actor's jurisdiction (404
    otherwise, also for an accusation whose accuser is hidden from them); only clerks, dispatchers,
    handlers and leaders decide (403)."""
    if kind not in Kind.values:
        raise ApplicationError(_("类型取值无效：%(v)s") % {"v": kind}, "invalid", "kind")
    if decision not in Decision.values:
        raise ApplicationError(_("结论取值无效：%(v)s") % {"v": decision}, "invalid", "decision")
    petition = petition_get(actor, petition_id)
    candidate = petition_get(actor, candidate_id, )
    if accuser_hidden(actor, petition) or accuser_hidden(actor, candidate):
        raise NotFound(_("信访件不存在。"))
    if not may_decide(actor):
        raise NotAllowed(_("您无权认定重复信访或并案。"))
    if petition.pk == candidate.pk:
        raise ApplicationError(_("不能与本件自身关联。"), "invalid", "candidate_id")
    with transaction.atomic():
        petition = Petition.objects.select_for_update().get(pk=petition.pk)
        old_origin = petition.repeat_of_id
        linked = None
        if kind == Kind.REPEAT:
            if candidate.received_at > petition.received_at:
                raise ApplicationError(_("重复信访只能关联在本件之前收到的信访件。"), "invalid", "candidate_id")
            if decision == Decision.CONFIRMED:
                node, seen = candidate, set()
                while node is not None and node.pk not in seen:  # no loop of repeat links
                    if node.pk == petition.pk:
                        raise ApplicationError(_("该关联会形成循环。"), "invalid", "candidate_id")
                    seen.add(node.pk)
                    node = node.repeat_of
                linked = candidate.pk
            elif old_origin == candidate.pk:
                linked = None
            else:
                linked = old_origin
            if linked != old_origin:
                Petition.objects.filter(pk=petition.pk).update(repeat_of_id=linked, version=F("version") + 1,
                                                               updated_at=timezone.now())
                petition.refresh_from_db(fields=["repeat_of", "version"])
                repeat_recorded(petition)
                if old_origin and old_origin != linked:
                    _refresh_origin(old_origin)
        row, _created = SimilarDecision.objects.update_or_create(
            petition=petition, candidate=candidate, kind=kind,
            defaults={"decision": decision, "by": actor, "at": timezone.now()})
        audit_record(actor=actor, action="similar.decide", obj=petition, data={
            "number": petition.number, "candidate": candidate.number, "kind": kind, "decision": decision,
            "repeat_of_before": old_origin, "repeat_of_after": petition.repeat_of_id})
    return row
