"""Demo data of 催办与时限提醒: one pass of the reminder and urging rules over the demo's petitions
(automatic 催办 on the overdue ones, warnings, escalations), a supervisor's manual urge, and contact
records on a few cases in handling. Idempotent: the rules fire once per fact, the rest only when absent."""

from __future__ import annotations

import contextlib
import datetime as dt


def seed_demo(users: dict, now: dt.datetime) -> None:
    from django.utils import timezone

    from xinfang.common.errors import ApplicationError
    from xinfang.oversight.urging.models import Contact, Urge
    from xinfang.oversight.urging.rules import sweep
    from xinfang.oversight.urging.services import contact_add
    from xinfang.petitions.choices import Status, WarningLevel
    from xinfang.petitions.models import Petition
    from xinfang.petitions.selectors import petitions_visible
    from xinfang.workflow.services import deadlines_sweep, petition_act

    deadlines_sweep(timezone.localdate(now))  # the stored warning levels first, as the worker's sweep
    sweep(now)
    supervisor = users.get("demo_supervisor")
    if supervisor is not None and not Urge.objects.filter(auto=False).exists():
        target = (petitions_visible(supervisor).filter(warning_level__in=(WarningLevel.SEVERE, WarningLevel.OVERDUE),
                                                       status__in=(Status.ROUTED, Status.ACCEPTED, Status.IN_HANDLING))
                  .order_by("due_on", "id").first())
        if target is not None:
            with contextlib.suppress(ApplicationError):
                petition_act(actor=supervisor, petition_id=target.pk, action="urge", version=target.version,
                             params={"note": "该件即将（已经）超过办理时限，请于三个工作日内办结并报告结果。"})
    handler = users.get("demo_handler")
    if handler is not None and not Contact.objects.exists():
        cases = Petition.objects.filter(handler=handler, status=Status.IN_HANDLING, is_anonymous=False,
                                        accepted_at__lte=now - dt.timedelta(days=3)).order_by("accepted_at")[:3]
        for p in cases:
            try:
                contact_add(actor=handler, petition_id=p.pk, method="phone", kind="first",
                            note="电话告知信访人已受理，承办人正在调查核实，预计一个月内答复。",
                            at=min(now, p.accepted_at + dt.timedelta(days=2)))
            except ApplicationError:
                continue
