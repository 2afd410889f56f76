"""领导接待日 and 下访: services and their refusals, booking → registered visit, 下访 matter → petition,
the pages (forms, 404 outside the jurisdiction, masked phones) and the leader's home panel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from xinfang.audit.models import AuditEntry
from xinfang.common.errors import ApplicationError
from xinfang.notifications.models import Notification
from xinfang.oversight.leadership import selectors, services
from xinfang.oversight.leadership.models import (
    FieldVisit,
    FieldVisitMatter,
    ReceptionBooking,
    ReceptionDay,
    ReceptionSlot,
)
from xinfang.petitions.models import Petition

pytestmark = pytest.mark.django_db

TOMORROW = lambda: timezone.localdate() + dt.timedelta(days=1)  # noqa: E731


def _day(user, actor="demo_clerk", **kw):
    data = {"leader": "demo_leader", "unit": "DH-ZJ", "date": TOMORROW().isoformat(), "start_time": "09:00",
            "end_time": "11:00", "place": "东湖区人民来访接待中心", "topic": "物业纠纷", "lawyers": "李律师（东湖律所）",
            "joint_units": ["DH-XF"], "published": True}
    data.update(kw)
    return services.reception_day_create(actor=user(actor), **data)


def test_create_day_with_default_slots_and_joint_units(user):
    day = _day(user)
    assert [s.start_time.strftime("%H:%M") for s in day.slots.all()] == ["09:00", "09:30", "10:00", "10:30"]
    assert {u.code for u in day.joint_units.all()} == {"DH-XF"}
    assert AuditEntry.objects.filter(action="reception_day.create", object_id=str(day.pk)).exists()
    n = Notification.objects.get(kind="reception")  # the leader learns of it
    assert n.recipient.username == "demo_leader"
    explicit = _day(user, start_time="14:00", end_time="16:00", slots=[{"start_time": "14:00", "capacity": 5}])
    assert [(s.start_time.hour, s.capacity) for s in explicit.slots.all()] == [(14, 5)]


@pytest.mark.parametrize("kw,code,field", [
    ({"leader": "demo_handler"}, "invalid", "leader"),  # not a leader of the unit
    ({"leader": "demo_leader2"}, "invalid", "leader"),
    ({"leader": "nobody"}, "invalid", "leader"),
    ({"unit": "XS-ZJ"}, "invalid", "unit"),  # outside the jurisdiction: as if it did not exist
    ({"unit": "NOPE"}, "invalid", "unit"),
    ({"start_time": "11:00", "end_time": "09:00"}, "invalid", "end_time"),
    ({"start_time": "25:00"}, "invalid", "start_time"),
    ({"date": "2026-02-30"}, "invalid", "date"),
    ({"date": "yesterday"}, "invalid", "date"),
    ({"date": "1999-01-01"}, "invalid", "date"),
    ({"place": ""}, "invalid", "place"),
    ({"place": "x\x00"}, "invalid", "place"),
    ({"lawyers": "长" * 2001}, "invalid", "lawyers"),
    ({"joint_units": ["XS-XF"]}, "invalid", "joint_units"),
    ({"slots": [{"start_time": "12:00", "capacity": 1}]}, "invalid", "slots"),
    ({"slots": [{"start_time": "09:00", "capacity": 0}]}, "invalid", "slots"),
])
def test_create_refusals_change_nothing(user, kw, code, field):
    with pytest.raises(ApplicationError) as exc:
        _day(user, **kw)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert not ReceptionDay.objects.exists() and not ReceptionSlot.objects.exists()


def test_past_date_wrong_role_and_overlap(user):
    with pytest.raises(ApplicationError) as exc:
        _day(user, date=(timezone.localdate() - dt.timedelta(days=1)).isoformat())
    assert exc.value.code == "invalid" and exc.value.field == "date"
    with pytest.raises(ApplicationError) as exc:  # a handler of the unit may not arrange receptions
        _day(user, actor="demo_handler", joint_units=[])
    assert exc.value.code == "forbidden"
    _day(user, actor="demo_leader")  # the leader themself
    with pytest.raises(ApplicationError) as exc:
        _day(user, start_time="10:30", end_time="12:00")
    assert exc.value.code == "conflict"
    _day(user, start_time="11:00", end_time="12:00")  # adjacent: fine
    assert ReceptionDay.objects.count() == 2


def test_visibility_is_scoped(user):
    day = _day(user)
    assert selectors.reception_days_list(user("demo_handler")).filter(pk=day.pk).exists()
    assert selectors.reception_days_list(user("demo_city_leader")).filter(pk=day.pk).exists()
    assert not selectors.reception_days_list(user("demo_clerk2")).exists()
    with pytest.raises(ApplicationError) as exc:
        selectors.reception_day_get(user("demo_clerk2"), day.pk)
    assert exc.value.code == "not_found"
    for bad in ("x", -3, 2**70, None, True):
        with pytest.raises(ApplicationError):
            selectors.reception_day_get(user("demo_clerk"), bad)
    assert list(selectors.reception_days_list(user("demo_clerk"), unit="DH-XF")) == [day]  # a joint unit
    assert list(selectors.reception_days_list(user("demo_clerk"), published=False)) == []


def test_booking_capacity_encryption_and_registration(user):
    day = _day(user, slots=[{"start_time": "09:00", "capacity": 1}])
    slot = day.slots.get()
    b = services.reception_booking_create(actor=user("demo_clerk"), slot=slot.pk, name="王小明",
                                          phone="13912345678", summary="小区停车费问题")
    raw = ReceptionBooking.objects.filter(pk=b.pk).values_list("phone_enc", flat=True).get()
    assert "13912345678" not in raw and b.phone == "13912345678" and b.masked_phone == "139****5678"
    with pytest.raises(ApplicationError) as exc:
        services.reception_booking_create(actor=user("demo_clerk"), slot=slot.pk, name="李四", summary="x")
    assert exc.value.code == "conflict"
    with pytest.raises(ApplicationError) as exc:
        services.reception_booking_create(actor=user("demo_clerk2"), slot=slot.pk, name="李四", summary="x")
    assert exc.value.code == "not_found"
    with pytest.raises(ApplicationError) as exc:
        services.reception_booking_create(actor=user("demo_clerk"), slot=slot.pk, name="李四", phone="abc",
                                          summary="x")
    assert exc.value.field == "phone"
    with pytest.raises(ApplicationError) as exc:  # the leader's unit has no clerk role for the leader
        services.reception_booking_register(actor=user("demo_leader"), booking=b.pk)
    assert exc.value.code == "forbidden"
    p = services.reception_booking_register(actor=user("demo_clerk"), booking=b.pk)
    assert p.channel == "visit" and p.content == "小区停车费问题" and p.receiving_unit.code == "DH-XF"
    assert [x.name for x in p.petitioners.all()] == ["王小明"]
    assert ReceptionBooking.objects.get(pk=b.pk).petition_id == p.pk
    with pytest.raises(ApplicationError) as exc:
        services.reception_booking_register(actor=user("demo_clerk"), booking=b.pk)
    assert exc.value.code == "conflict"
    assert Petition.objects.count() == 1
    with pytest.raises(ApplicationError) as exc:
        services.reception_booking_cancel(actor=user("demo_clerk"), booking=b.pk)
    assert exc.value.code == "conflict"


def test_update_day_keeps_booked_slots(user):
    day = _day(user)
    slot = day.slots.get(start_time=dt.time(10, 30))
    services.reception_booking_create(actor=user("demo_clerk"), slot=slot.pk, name="王小明", summary="事项")
    base = {"date": day.date.isoformat(), "place": "新地点", "published": False}
    with pytest.raises(ApplicationError) as exc:
        services.reception_day_update(actor=user("demo_clerk"), day=day.pk, start_time="09:00", end_time="10:00",
                                      **base)
    assert exc.value.field == "start_time"
    services.reception_day_update(actor=user("demo_clerk"), day=day.pk, start_time="10:00", end_time="11:00", **base)
    day.refresh_from_db()
    assert day.place == "新地点" and not day.published
    assert [s.start_time.strftime("%H:%M") for s in day.slots.all()] == ["10:00", "10:30"]
    with pytest.raises(ApplicationError) as exc:
        services.reception_day_update(actor=user("demo_clerk2"), day=day.pk, start_time="10:00", end_time="11:00",
                                      **base)
    assert exc.value.code == "not_found"


def test_field_visit_matter_becomes_a_petition(user):
    with pytest.raises(ApplicationError) as exc:
        services.field_visit_create(actor=user("demo_clerk"), leader="demo_leader", date="2026-01-01",
                                    region="990102")  # a district, not a town or village
    assert exc.value.field == "region"
    with pytest.raises(ApplicationError) as exc:  # a village of the other district
        services.field_visit_create(actor=user("demo_leader"), leader="demo_leader", date="2026-01-01",
                                    region="990103001")
    assert exc.value.field == "region"
    with pytest.raises(ApplicationError) as exc:
        services.field_visit_create(actor=user("demo_clerk2"), leader="demo_leader", date="2026-01-01",
                                    region="990102001")
    assert exc.value.code == "invalid" and exc.value.field == "leader"
    visit = services.field_visit_create(actor=user("demo_leader"), leader="demo_leader",
                                        date=timezone.localdate().isoformat(), region="990102001",
                                        place="村委会", participants="住建局、街道")
    assert visit.unit.code == "DH-ZJ"
    m = services.field_visit_matter_add(actor=user("demo_leader"), visit=visit.pk, content="村道年久失修\n请求修缮",
                                        name="赵六", phone="13700001111")
    anon = services.field_visit_matter_add(actor=user("demo_leader"), visit=visit.pk, content="路灯不亮")
    assert "13700001111" not in FieldVisitMatter.objects.filter(pk=m.pk).values_list("phone_enc", flat=True).get()
    with pytest.raises(ApplicationError) as exc:
        services.field_visit_matter_add(actor=user("demo_leader"), visit=visit.pk, content="")
    assert exc.value.field == "content"
    with pytest.raises(ApplicationError) as exc:
        services.field_visit_matter_add(actor=user("demo_leader2"), visit=visit.pk, content="x")
    assert exc.value.code == "not_found"
    p = services.field_visit_matter_register(actor=user("demo_clerk"), matter=m.pk)
    assert p.channel == "visit" and p.title == "村道年久失修" and p.problem_region.code == "990102001"
    p2 = services.field_visit_matter_register(actor=user("demo_clerk"), matter=anon.pk)
    assert p2.is_anonymous
    with pytest.raises(ApplicationError) as exc:
        services.field_visit_matter_register(actor=user("demo_clerk"), matter=m.pk)
    assert exc.value.code == "conflict"
    assert FieldVisit.objects.count() == 1 and Petition.objects.count() == 2


def test_pages(user, client):
    day = _day(user, slots=[{"start_time": "09:00", "capacity": 2}])
    client.force_login(user("demo_clerk"))
    html = client.get("/receptions/?week=" + day.date.isoformat()).content.decode()
    assert f'data-reception="{day.pk}"' in html
    assert client.get("/receptions/?week=garbage&unit=\x00").status_code == 200
    r = client.post(f"/receptions/{day.pk}/bookings/", {"slot": day.slots.get().pk, "name": "王小明",
                                                         "phone": "13912345678", "summary": "停车费"})
    assert r.status_code == 302
    html = client.get(f"/receptions/{day.pk}/").content.decode()
    assert "139****5678" in html and "13912345678" not in html and "王**" in html
    b = ReceptionBooking.objects.get()
    r = client.post(f"/receptions/{day.pk}/bookings/", {"slot": "abc", "name": "x", "summary": "y"})
    assert r.status_code == 422
    r = client.post(f"/receptions/{day.pk}/bookings/{b.pk}/register/")
    assert r.status_code == 302 and Petition.objects.get().pk == ReceptionBooking.objects.get().petition_id
    assert r["Location"] == f"/petitions/{Petition.objects.get().pk}/"  # on to the registered petition
    r = client.post("/receptions/new/", {"leader": "demo_leader|DH-ZJ", "date": TOMORROW().isoformat(),
                                         "start_time": "14:00", "end_time": "13:00", "place": "x"})
    assert r.status_code == 422 and "结束时间应晚于开始时间" in r.content.decode()
    r = client.post("/receptions/new/", {"leader": "demo_leader|DH-ZJ", "date": TOMORROW().isoformat(),
                                         "start_time": "14:00", "end_time": "15:00", "place": "会议室",
                                         "joint_units": ["DH-ZJ", "DH-T1"], "published": "on"})
    assert r.status_code == 302
    assert ReceptionDay.objects.filter(start_time=dt.time(14)).get().published
    client.force_login(user("demo_clerk2"))
    assert client.get(f"/receptions/{day.pk}/").status_code == 404
    assert client.get(f"/receptions/{day.pk}/edit/").status_code == 404
    assert client.post(f"/receptions/{day.pk}/bookings/{b.pk}/cancel/").status_code == 404
    client.force_login(user("demo_leader"))
    html = client.get("/").content.decode()
    assert f'data-home-reception="{day.pk}"' in html and 'data-nav="reception_days"' in html


def test_field_visit_pages(user, client):
    client.force_login(user("demo_leader"))
    r = client.post("/field-visits/new/", {"leader": "demo_leader|DH-ZJ", "date": timezone.localdate().isoformat(),
                                           "region": "990102001", "place": "村委会"})
    assert r.status_code == 302
    visit = FieldVisit.objects.get()
    assert client.post(f"/field-visits/{visit.pk}/matters/", {"content": ""}).status_code == 422
    assert client.post(f"/field-visits/{visit.pk}/matters/", {"content": "村道失修", "name": "赵六"}).status_code == 302
    m = FieldVisitMatter.objects.get()
    html = client.get(f"/field-visits/{visit.pk}/").content.decode()
    assert f'data-matter="{m.pk}"' in html and f'data-register="{m.pk}"' not in html  # the leader is no clerk
    assert f'data-visit="{visit.pk}"' in client.get("/field-visits/").content.decode()
    client.force_login(user("demo_clerk"))
    r = client.post(f"/field-visits/{visit.pk}/matters/{m.pk}/register/")
    assert r.status_code == 302 and FieldVisitMatter.objects.get().petition_id
    assert client.post(f"/field-visits/{visit.pk}/matters/{m.pk + 99}/register/").status_code == 404
    client.force_login(user("demo_clerk2"))
    assert client.get(f"/field-visits/{visit.pk}/").status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_browser_a_clerk_arranges_a_day_books_and_registers_the_visit(org, login, live_server):
    page = login("demo_clerk")
    page.goto(f"{live_server.url}/receptions/")
    page.click("a[data-new-reception]")
    page.select_option("select[name=leader]", "demo_leader|DH-ZJ")
    page.fill("input[name=date]", TOMORROW().isoformat())
    page.fill("input[name=start_time]", "09:00")
    page.fill("input[name=end_time]", "10:00")
    page.fill("input[name=place]", "区人民来访接待中心")
    page.fill("textarea[name=lawyers]", "张律师（示范律所）")
    page.check("input[name=published]")
    page.click("form.reception-form button[type=submit]")
    page.wait_for_selector("dd[data-leader=demo_leader]")
    day = ReceptionDay.objects.get()
    assert day.published and day.lawyers == "张律师（示范律所）"
    page.click("summary[data-book]")
    page.select_option("details[open] select[name=slot]", str(day.slots.first().pk))
    page.fill("details[open] input[name=name]", "王小明")
    page.fill("details[open] input[name=phone]", "13912345678")
    page.fill("details[open] textarea[name=summary]", "小区停车费问题")
    page.click("details[open] button[type=submit]")
    page.wait_for_selector("tr[data-booking]")
    assert "139****5678" in page.inner_text("tr[data-booking]")
    with page.expect_navigation():
        page.click("button[data-register]")
    assert "/petitions/" in page.url, page.inner_text("main")[:300]
    booking = ReceptionBooking.objects.get()
    assert booking.petition is not None and booking.petition.channel == "visit"
    page.goto(f"{live_server.url}/receptions/{day.pk}/")
    assert page.inner_text(f"a[data-registered='{booking.pk}']") == booking.petition.number
