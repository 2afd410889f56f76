"""The 预约号 of a booking: every new booking gets one (portal and staff), the counter finds it within its
jurisdiction (web page, selector, API) and registers the visit; bookings made before the migration stay
valid without one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from xinfang.common.errors import NotFound
from xinfang.oversight.leadership import selectors, services
from xinfang.oversight.leadership.models import ReceptionBooking
from xinfang.petitions.models import Petition


def _day(user, **kw):
    data = {"leader": "demo_leader", "unit": "DH-ZJ", "date": timezone.localdate() + dt.timedelta(days=1),
            "start_time": "09:00", "end_time": "10:00", "place": "东湖区人民来访接待中心", "published": True,
            "slots": [{"start_time": "09:00", "capacity": 3}]}
    data.update(kw)
    return services.reception_day_create(actor=user("demo_clerk"), **data)


def _portal_booking(user):
    slot = _day(user).slots.get()
    return services.reception_booking_public_create(slot=slot.pk, name="王小明", phone="13912345678",
                                                    summary="小区电梯长期故障，物业拒不维修。")


@pytest.mark.django_db
def test_clerk_finds_the_reference_and_registers_the_visit(client, user):
    booking = _portal_booking(user)
    client.force_login(user("demo_clerk"))
    page = client.get("/receptions/")
    assert 'action="/receptions/find/"' in page.content.decode()
    typed = booking.reference_shown.lower().replace("-", " ")  # as read aloud and typed
    r = client.get("/receptions/find/", {"reference": typed})
    assert r.status_code == 200
    html = r.content.decode()
    assert booking.reference_shown in html and "139****5678" in html and "13912345678" not in html
    assert 'data-source="portal"' in html and f'data-register="{booking.pk}"' in html
    register = f"/receptions/{booking.slot.day_id}/bookings/{booking.pk}/register/"
    assert f'action="{register}"' in html
    r = client.post(register)
    assert r.status_code == 302
    booking.refresh_from_db()
    assert booking.petition_id is not None
    petition = Petition.objects.get(pk=booking.petition_id)
    assert petition.channel == "visit" and petition.content == booking.summary
    assert r["Location"].endswith(f"/petitions/{petition.pk}/")
    html = client.get("/receptions/find/", {"reference": booking.reference}).content.decode()
    assert petition.number in html and 'data-register="' not in html  # registered once
    day_page = client.get(f"/receptions/{booking.slot.day_id}/").content.decode()
    assert booking.reference_shown in day_page and 'data-source="portal"' in day_page


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["YY22222222", "", "nonsense!", "x" * 500, "YY\x00"])
def test_unknown_or_foreign_reference_is_not_found(client, user, typed):
    booking = _portal_booking(user)
    other = user("demo_clerk2")  # 西山区: another district
    with pytest.raises(NotFound):
        selectors.reception_booking_by_reference(other, booking.reference)
    client.force_login(other)
    html = client.get("/receptions/find/", {"reference": booking.reference}).content.decode()
    assert "预约不存在" in html and "data-booking" not in html and "139****5678" not in html
    client.force_login(user("demo_clerk"))
    r = client.get("/receptions/find/", {"reference": typed})
    assert r.status_code == 200
    assert ("预约不存在" in r.content.decode()) == bool(typed.strip())
    with pytest.raises(NotFound):
        selectors.reception_booking_by_reference(user("demo_clerk"), typed)


@pytest.mark.django_db
def test_staff_bookings_get_a_reference_too(user):
    slot = _day(user).slots.get()
    b = services.reception_booking_create(actor=user("demo_clerk"), slot=slot.pk, name="刘建国", summary="电梯")
    assert b.source == "staff" and b.reference.startswith("YY") and len(b.reference) == 10
    assert selectors.reception_booking_by_reference(user("demo_clerk"), b.reference).pk == b.pk


@pytest.mark.django_db
def test_api_finds_a_booking_by_reference_within_the_jurisdiction(client, user):
    from xinfang.api.tokens import token_create

    booking = _portal_booking(user)

    def get(username, reference):
        token = token_create(user=user(username), name="test")
        return client.get("/api/v1/reception-bookings", {"reference": reference},
                          HTTP_AUTHORIZATION=f"Bearer {token}")

    r = get("demo_clerk", booking.reference.lower())
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["id"] == booking.pk and data["reference"] == booking.reference and data["source"] == "portal"
    assert data["phone"] == "139****5678" and data["day"] == booking.slot.day_id and data["unit"]["code"] == "DH-ZJ"
    assert get("demo_clerk2", booking.reference).status_code == 404
    assert get("demo_clerk", "YY22222222").status_code == 404
    assert get("demo_clerk", "").status_code == 422
    assert client.get("/api/v1/reception-bookings", {"reference": booking.reference}).status_code == 401
    schema = client.get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/reception-bookings"]["get"]
    assert {"200", "403", "404"} <= set(op["responses"])


# outside a transaction: SQLite's schema editor (which runs every migration) refuses to work inside one
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_leaves_old_bookings_valid(user):
    day = _day(user)
    slot = day.slots.get()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("leadership", "0001_initial")])
        old_apps = executor.loader.project_state([("leadership", "0001_initial")]).apps
        OldBooking = old_apps.get_model("leadership", "ReceptionBooking")
        first = OldBooking.objects.create(slot_id=slot.pk, name="老预约甲", summary="旧事项")
        second = OldBooking.objects.create(slot_id=slot.pk, name="老预约乙", summary="旧事项")
        executor.loader.build_graph()
        executor.migrate([("leadership", "0002_booking_reference")])
        rows = {b.pk: b for b in ReceptionBooking.objects.all()}
        assert rows[first.pk].reference is None and rows[second.pk].reference is None  # both without: unique allows
        assert rows[first.pk].source == "staff" and rows[second.pk].source == "staff"
        # an old booking can still be registered at the counter, and new ones get references
        petition = services.reception_booking_register(actor=user("demo_clerk"), booking=first.pk)
        assert ReceptionBooking.objects.get(pk=first.pk).petition_id == petition.pk
        new = services.reception_booking_create(actor=user("demo_clerk"), slot=slot.pk, name="新预约", summary="新事项")
        assert new.reference and new.source == "staff"
    finally:  # back to the latest schema for the tests that follow
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
