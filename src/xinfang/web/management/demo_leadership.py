"""Demo data of 领导接访与包案: plans and stage due dates on the demo's 包案 (one advanced a stage), two
reception days of each district's leader in the coming week (published, one joint with the petition
office, a lawyer on duty, a booking), and a 下访 with two matters, one registered as a petition.
Idempotent: each part is written only when absent."""

from __future__ import annotations

import contextlib
import datetime as dt


def seed_demo(users: dict, now: dt.datetime) -> None:
    from django.utils import timezone

    from xinfang.common.errors import ApplicationError
    from xinfang.oversight.leadership import services as lead
    from xinfang.oversight.leadership.models import FieldVisit, ReceptionDay
    from xinfang.oversight.models import Ownership
    from xinfang.oversight.services import ownership_plan_set, ownership_stage_advance

    today = timezone.localdate(now)
    # 包案: a plan and due dates per stage, from the day it was assigned
    for i, own in enumerate(Ownership.objects.filter(ended_at__isnull=True, plan="").select_related("leader")
                            .order_by("assigned_at", "id")[:6]):
        start = timezone.localtime(own.assigned_at).date()
        dues = {"transfer": start + dt.timedelta(days=7), "progress": start + dt.timedelta(days=30),
                "stabilize": start + dt.timedelta(days=60), "resolve": start + dt.timedelta(days=90)}
        with contextlib.suppress(ApplicationError):
            ownership_plan_set(actor=own.leader, ownership=own.pk, dues=dues,
                               plan="一、一周内召集承办单位研究化解方案；二、一个月内见面约谈信访人；"
                                    "三、落实化解措施后稳控三十日；四、信访人书面表示满意后报结。")
            if i % 2 == 0:
                ownership_stage_advance(actor=own.leader, ownership=own.pk,
                                        note="已召开专题会，明确住建局牵头、街道配合。")
    # 领导接待日
    for suffix, prefix in (("", "DH"), ("2", "XS")):
        leader, clerk = users.get(f"demo_leader{suffix}"), users.get(f"demo_clerk{suffix}")
        if leader is None or clerk is None or ReceptionDay.objects.filter(leader=leader).exists():
            continue
        monday = today - dt.timedelta(days=today.weekday())
        tuesday = monday + dt.timedelta(days=8 if today.weekday() >= 1 else 1)
        try:
            day = lead.reception_day_create(
                actor=clerk, leader=leader, unit=f"{prefix}-ZJ", date=tuesday, start_time="09:00", end_time="11:30",
                place="区人民来访接待中心一楼接待室", topic="住房和城乡建设领域信访事项",
                joint_units=[f"{prefix}-XF"], lawyers="张律师（示范律师事务所）", published=True)
            lead.reception_day_create(
                actor=clerk, leader=leader, unit=f"{prefix}-ZJ", date=tuesday + dt.timedelta(days=2),
                start_time="14:30", end_time="17:00", place="区住建局二楼会议室", topic="物业管理纠纷",
                published=True)
            lead.reception_booking_create(actor=clerk, slot=day.slots.first().pk, name="刘建国",
                                          phone="13800001234", summary="小区电梯长期故障，物业拒不维修。")
        except ApplicationError:
            continue
    # 下访
    leader, clerk = users.get("demo_leader"), users.get("demo_clerk")
    if leader is not None and clerk is not None and not FieldVisit.objects.exists():
        with contextlib.suppress(ApplicationError):
            visit = lead.field_visit_create(actor=leader, leader=leader, date=today - dt.timedelta(days=3),
                                            region="990102001", place="村委会会议室",
                                            participants="区住建局、所在街道办事处", note="听取群众对老旧小区改造的意见。")
            first = lead.field_visit_matter_add(actor=leader, visit=visit.pk, name="陈桂兰", phone="13900005678",
                                                content="老旧小区改造施工扰民，夜间施工噪音大。")
            lead.field_visit_matter_add(actor=leader, visit=visit.pk, content="村道路灯损坏多处，夜间出行不便。")
            lead.field_visit_matter_register(actor=clerk, matter=first.pk, title="老旧小区改造夜间施工扰民")
