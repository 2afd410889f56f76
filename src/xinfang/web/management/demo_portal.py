"""Demo data of the citizen portal: the public profile of the demo city's top petition office (invented
address and clearly fake phone numbers) and, when none is left, a published 领导接待日 in the coming two
weeks with free slots. Idempotent: each part is written only when absent."""

from __future__ import annotations

import datetime as dt

NOTICE = """一、信访人应当如实反映情况，对所提供材料的真实性负责，不得捏造、歪曲事实，不得诬告、陷害他人。
二、信访人提出信访事项，一般应当采用书面形式，写明姓名（名称）、住址和请求、事实、理由。
三、多人反映共同意见的，请推选代表，代表人数不超过5人。
四、来访请携带本人居民身份证，按预约时间到场；请依法逐级走访，到指定场所反映诉求。"""


def seed_demo(users: dict, now: dt.datetime) -> None:
    from xinfang.org.selectors import top_petition_office
    from xinfang.portal.models import PortalProfile

    if not PortalProfile.objects.exists():
        unit = top_petition_office()
        PortalProfile.objects.create(
            name=unit.name if unit else "示范市信访局", unit=unit,
            address="示范市人民路100号示范市人民来访接待中心（虚构地址）", postcode="999001",
            phone="0000-12345678", hotline="0000-12345679", email="xinfang@example.invalid", fax="0000-12345670",
            reception_place="示范市人民来访接待中心一楼接待大厅（人民路100号）",
            reception_hours="工作日 8:30-12:00、14:00-17:30（法定节假日除外）",
            transport="乘1路、8路公交车至人民路站下车，向东步行200米", notice=NOTICE)
    _ensure_reception_day(users, now)


def _ensure_reception_day(users: dict, now: dt.datetime) -> None:
    """A published reception day with a free slot in the coming two weeks (the portal's calendar)."""
    from django.db.models import Count, F, Q
    from django.utils import timezone

    from xinfang.common.errors import ApplicationError
    from xinfang.oversight.leadership import services as lead
    from xinfang.oversight.leadership.models import ReceptionSlot

    today = timezone.localdate(now)
    free = (ReceptionSlot.objects.filter(day__published=True, day__date__gt=today,
                                         day__date__lte=today + dt.timedelta(days=14))
            .annotate(taken=Count("bookings", filter=Q(bookings__cancelled_at__isnull=True)))
            .filter(taken__lt=F("capacity")))
    leader, clerk = users.get("demo_leader"), users.get("demo_clerk")
    if free.exists() or leader is None or clerk is None:
        return
    day = today + dt.timedelta(days=3)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    try:
        lead.reception_day_create(
            actor=clerk, leader=leader, unit="DH-ZJ", date=day, start_time="14:00", end_time="16:30",
            place="东湖区人民来访接待中心二楼接待室", topic="城乡建设与物业管理信访事项",
            joint_units=["DH-XF"], lawyers="王律师（示范律师事务所）", published=True)
    except ApplicationError:
        return
