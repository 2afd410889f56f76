"""Demo data of 考核通报与问责: one 约谈 record of 东湖区信访局's supervisor about 东湖区住建局, citing up to
three of its overdue petitions (the scorecard and the league table need no data of their own: they are
computed from the demo's petitions). Idempotent: the record is made once (by its document number)."""

from __future__ import annotations

import datetime as dt

DOCUMENT_NO = "东信督〔2026〕1号"


def seed_demo(users: dict, now: dt.datetime) -> None:
    from xinfang.org.models import Unit
    from xinfang.oversight.scorecards.models import AccountabilityRecord
    from xinfang.oversight.scorecards.services import accountability_create
    from xinfang.petitions.choices import OPEN_STATES
    from xinfang.petitions.selectors import petitions_visible

    actor = users.get("demo_supervisor")
    unit = Unit.objects.filter(code="DH-ZJ").first()
    if actor is None or unit is None or AccountabilityRecord.objects.filter(document_no=DOCUMENT_NO).exists():
        return
    today = now.date() if isinstance(now, dt.datetime) else now
    overdue = list(petitions_visible(actor).filter(handling_unit=unit, status__in=list(OPEN_STATES),
                                                   due_on__lt=today).order_by("due_on")
                   .values_list("pk", flat=True)[:3])
    accountability_create(
        actor=actor, kind="interview", unit=unit, people="东湖区住房和城乡建设局分管副局长",
        reason="本季度多件信访事项超过办理期限仍未办结，经催办、督办后仍未按期反馈。",
        decision="由区信访局约谈该局分管负责人，要求十个工作日内逐件办结并书面报告整改情况。",
        document_no=DOCUMENT_NO, petitions=overdue, at=now)
