"""The portal's first page: the body's channels from its public profile and the 领导接待日 calendar
(published days only, from today for 30 days, with the free places of each slot)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from xinfang.oversight.leadership import services
from xinfang.oversight.leadership.models import ReceptionDay
from xinfang.portal.models import PortalProfile

pytestmark = pytest.mark.django_db


def _user(name):
    return get_user_model().objects.get(username=name)  # fresh: memberships are cached per object


def _day(days_ahead=1, published=True, **kw):
    data = {"leader": "demo_leader", "unit": "DH-ZJ", "date": timezone.localdate() + dt.timedelta(days=days_ahead),
            "start_time": "09:00", "end_time": "10:00", "place": "东湖区人民来访接待中心", "topic": "物业纠纷",
            "joint_units": ["DH-XF"], "lawyers": "李律师（东湖律所）", "published": published,
            "slots": [{"start_time": "09:00", "capacity": 2}, {"start_time": "09:30", "capacity": 1}]}
    data.update(kw)
    return services.reception_day_create(actor=_user("demo_clerk"), **data)


def _book(slot, name="王小明"):
    return services.reception_booking_create(actor=_user("demo_clerk"), slot=slot.pk, name=name,
                                             phone="13912345678", summary="停车费")


def _slot_items(html: str) -> dict[int, tuple[int, bool]]:
    """{slot id: (free places shown, has a 预约 link)} of the calendar."""
    out = {}
    for tag in re.findall(r"<(?:a|span)[^>]*data-slot=\"\d+\"[^>]*>", html):
        sid = int(re.search(r'data-slot="(\d+)"', tag).group(1))
        free = int(re.search(r'data-free="(\d+)"', tag).group(1))
        out[sid] = (free, f'href="/portal/reception/{sid}/book/"' in tag)
    return out


def test_home_shows_the_profile_channels_and_notice(client, org):
    PortalProfile.objects.create(
        name="示范市信访局", unit=org.units["SF-XF"], address="示范市人民路100号", postcode="999001",
        phone="0000-12345678", hotline="0000-12345679", email="xf@example.invalid", reception_place="一楼接待大厅",
        reception_hours="工作日 8:30-12:00、14:00-17:30", transport="1路公交人民路站", notice="一、如实反映情况。\n二、携带身份证。")
    r = client.get("/portal/")
    assert r.status_code == 200
    html = r.content.decode()
    for text in ("示范市人民路100号", "999001", "0000-12345678", "0000-12345679", "xf@example.invalid", "一楼接待大厅",
                 "工作日 8:30-12:00、14:00-17:30", "1路公交人民路站", "一、如实反映情况。", "二、携带身份证。"):
        assert text in html, text
    assert 'href="/portal/submit/"' in html and 'href="/portal/track/"' in html
    assert 'data-channel="fax"' not in html  # a field absent from the profile is not shown
    assert 'data-channel="email"' in html


def test_without_a_profile_the_page_still_answers(client, org):
    html = client.get("/portal/").content.decode()
    assert "示范市信访局" in html  # the top petition office's name
    assert 'data-channel="letter"' not in html and 'data-channel="online"' in html
    assert "data-no-reception" in html


def test_calendar_lists_published_days_with_free_places(client, org):
    PortalProfile.objects.create(name="示范市信访局", phone="0000-12345678")
    shown = _day(1)
    first, second = list(shown.slots.all())
    _book(first)
    _book(second)
    cancelled = _book(first, name="李四")
    services.reception_booking_cancel(actor=_user("demo_clerk"), booking=cancelled.pk)  # frees its place
    hidden = _day(2, published=False, start_time="14:00", end_time="15:00", place="不公开的地点",
                  slots=[{"start_time": "14:00", "capacity": 3}])
    later = _day(40, start_time="14:00", end_time="15:00", place="四十天后的地点", slots=[{"start_time": "14:00"}])
    past = _day(3, start_time="15:00", end_time="16:00", place="已过去的地点", slots=[{"start_time": "15:00"}])
    ReceptionDay.objects.filter(pk=past.pk).update(date=timezone.localdate() - dt.timedelta(days=1))

    html = client.get("/portal/").content.decode()
    assert f'data-reception="{shown.pk}"' in html
    for day in (hidden, later, past):
        assert f'data-reception="{day.pk}"' not in html
    assert "不公开的地点" not in html and "四十天后的地点" not in html and "已过去的地点" not in html
    assert "东湖区人民来访接待中心" in html and "物业纠纷" in html and "李律师（东湖律所）" in html
    assert "东湖区信访局" in html  # the joint unit
    assert "东湖区住房和城乡建设局" in html  # the leader's unit
    leader = _user("demo_leader")
    assert leader.staff_profile.full_name and leader.staff_profile.full_name in html
    slots = _slot_items(html)
    assert slots == {first.pk: (1, True), second.pk: (0, False)}
    assert "王小明" not in html and "139" not in html  # bookings are never public


def test_demo_seed_publishes_the_profile_and_a_bookable_day(client, org):
    from xinfang.web.management.demo_portal import seed_demo

    now = timezone.now()
    seed_demo(org.users, now)
    seed_demo(org.users, now)  # idempotent
    assert PortalProfile.objects.count() == 1
    profile = PortalProfile.objects.get()
    assert profile.unit.code == "SF-XF" and profile.phone.startswith("0000-")
    assert ReceptionDay.objects.filter(published=True).count() == 1
    html = client.get("/portal/").content.decode()
    assert "0000-12345678" in html and "工作日 8:30-12:00、14:00-17:30" in html
    assert any(bookable for _free, bookable in _slot_items(html).values())
