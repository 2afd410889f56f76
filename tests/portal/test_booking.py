"""Booking a 领导接待日 slot on the portal: the 预约号 shown once and sent by SMS, the booking stored with
source "portal" and an encrypted phone; refusals (full, past, unpublished, bad input, honeypot, rate
limits, CSRF) store nothing and never answer 500."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from xinfang.common import crypto
from xinfang.notifications.models import CitizenMessage, Dispatch
from xinfang.oversight.leadership import services
from xinfang.oversight.leadership.models import ReceptionBooking, ReceptionDay

pytestmark = pytest.mark.django_db

FORM = {"name": "王小明", "phone": "13912345678", "summary": "小区电梯长期故障，物业拒不维修。"}
REFERENCE = re.compile(r"^YY[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$")


@pytest.fixture(autouse=True)
def _profile(org):
    from xinfang.portal.models import PortalProfile

    PortalProfile.objects.create(name="示范市信访局", unit=org.units["SF-XF"], phone="0000-12345678")


def _user(name):
    return get_user_model().objects.get(username=name)


def _slot(capacity=2, published=True, days_ahead=1):
    day = services.reception_day_create(
        actor=_user("demo_clerk"), leader="demo_leader", unit="DH-ZJ",
        date=timezone.localdate() + dt.timedelta(days=days_ahead), start_time="09:00", end_time="10:00",
        place="东湖区人民来访接待中心", published=published, slots=[{"start_time": "09:00", "capacity": capacity}])
    return day.slots.get()


def _url(slot):
    return f"/portal/reception/{slot.pk}/book/"


def _post(client, slot, **over):
    return client.post(_url(slot), {**FORM, **over})


def test_booking_gives_a_reference_shown_once_and_sent_by_sms(client, org):
    slot = _slot()
    page = client.get(_url(slot))
    assert page.status_code == 200
    html = page.content.decode()
    assert "csrfmiddlewaretoken" in html and 'class="hp"' in html and 'name="website"' in html
    r = _post(client, slot)
    assert r.status_code == 302 and r["Location"] == "/portal/reception/booked/"
    booking = ReceptionBooking.objects.get()
    assert booking.source == "portal" and booking.slot_id == slot.pk and booking.created_by is None
    assert REFERENCE.match(booking.reference)
    assert "13912345678" not in booking.phone_enc and crypto.decrypt(booking.phone_enc) == "13912345678"
    assert booking.name == "王小明" and booking.summary == FORM["summary"]

    shown = client.get("/portal/reception/booked/")
    assert shown.status_code == 200
    html = shown.content.decode()
    shown_ref = f"{booking.reference[:2]}-{booking.reference[2:6]}-{booking.reference[6:]}"  # grouped to read aloud
    assert shown_ref in html and "data-print" in html and "身份证" in html
    assert "东湖区人民来访接待中心" in html and "09:00" in html
    again = client.get("/portal/reception/booked/").content.decode()  # only once
    assert shown_ref not in again and booking.reference not in again and "data-no-booking" in again

    sms = CitizenMessage.objects.get(dedupe_key=f"portal-booking:{booking.pk}")
    assert crypto.decrypt(sms.phone_enc) == "13912345678" and shown_ref in crypto.decrypt(sms.text_enc)
    assert Dispatch.objects.filter(citizen=sms, channel="sms").count() == 1
    # the free count went down; a second booking fills the slot
    assert _post(Client(), slot, phone="13700001111").status_code == 302
    r = _post(Client(), slot, phone="13700002222")
    assert r.status_code == 409 and "已约满" in r.content.decode()
    assert ReceptionBooking.objects.count() == 2


def test_full_slot_refused_and_nothing_stored(client, org):
    slot = _slot(capacity=1)
    services.reception_booking_create(actor=_user("demo_clerk"), slot=slot.pk, name="刘建国", summary="电梯")
    page = client.get(_url(slot)).content.decode()
    assert "已约满" in page and 'name="summary"' not in page  # no form for a full slot
    r = _post(client, slot)
    assert r.status_code == 409 and "已约满" in r.content.decode()
    assert ReceptionBooking.objects.count() == 1 and not CitizenMessage.objects.exists()


def test_past_day_refused(client, org):
    slot = _slot()
    ReceptionDay.objects.filter(pk=slot.day_id).update(date=timezone.localdate() - dt.timedelta(days=1))
    assert "已过" in client.get(_url(slot)).content.decode()
    r = _post(client, slot)
    assert r.status_code == 409 and "已过" in r.content.decode()
    assert not ReceptionBooking.objects.exists() and not CitizenMessage.objects.exists()


def test_unpublished_or_absent_slot_is_404(client, org):
    slot = _slot(published=False)
    assert client.get(_url(slot)).status_code == 404
    assert _post(client, slot).status_code == 404
    assert client.get("/portal/reception/99999999/book/").status_code == 404
    assert client.get("/portal/reception/99999999999999999999999/book/").status_code == 404
    assert not ReceptionBooking.objects.exists()


@pytest.mark.parametrize("over,field", [
    ({"name": ""}, "name"),
    ({"name": "  "}, "name"),
    ({"phone": ""}, "phone"),
    ({"phone": "call me"}, "phone"),
    ({"phone": "123"}, "phone"),
    ({"summary": ""}, "summary"),
    ({"summary": "长" * 2001}, "summary"),
    ({"name": "x\x00y"}, "name"),
])
def test_bad_input_gets_a_clear_error(client, org, over, field):
    slot = _slot()
    r = _post(client, slot, **over)
    assert r.status_code == 422
    assert f'data-field="{field}"' in r.content.decode()
    assert not ReceptionBooking.objects.exists() and not CitizenMessage.objects.exists()


def test_honeypot_stores_nothing(client, org):
    slot = _slot()
    r = _post(client, slot, website="http://spam.example")
    assert r.status_code == 400 and 'role="alert"' in r.content.decode()
    assert not ReceptionBooking.objects.exists()


def test_rate_limit_per_phone(client, org, settings):
    settings.XINFANG_PORTAL = {"BOOK_PHONE_DAY": 1}
    slot = _slot(capacity=5)
    assert _post(Client(REMOTE_ADDR="10.0.0.1"), slot).status_code == 302
    r = _post(Client(REMOTE_ADDR="10.0.0.2"), slot, phone="139-1234-5678")  # the same number, written otherwise
    assert r.status_code == 429 and "上限" in r.content.decode()
    assert _post(Client(REMOTE_ADDR="10.0.0.3"), slot, phone="13700001111").status_code == 302
    assert ReceptionBooking.objects.count() == 2


def test_rate_limit_per_address(org, settings):
    settings.XINFANG_PORTAL = {"BOOK_ADDRESS_DAY": 2}
    slot = _slot(capacity=5)
    same = Client(REMOTE_ADDR="10.0.0.9")
    assert _post(same, slot, phone="13700000001").status_code == 302
    assert _post(same, slot, phone="13700000002").status_code == 302
    assert _post(same, slot, phone="13700000003").status_code == 429
    assert _post(Client(REMOTE_ADDR="10.0.0.10"), slot, phone="13700000003").status_code == 302
    assert ReceptionBooking.objects.count() == 3


def test_csrf_is_enforced(org):
    slot = _slot()
    r = Client(enforce_csrf_checks=True).post(_url(slot), FORM)
    assert r.status_code == 403
    assert not ReceptionBooking.objects.exists()
    guarded = Client(enforce_csrf_checks=True)
    page = guarded.get(_url(slot)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert guarded.post(_url(slot), {**FORM, "csrfmiddlewaretoken": token}).status_code == 302


def test_get_only_confirmation_and_no_500_on_odd_methods(client, org):
    slot = _slot()
    assert client.put(_url(slot)).status_code == 405
    assert client.post("/portal/reception/booked/").status_code == 405


def test_a_slot_already_begun_today_is_not_bookable(client, org):
    day = services.reception_day_create(
        actor=_user("demo_clerk"), leader="demo_leader", unit="DH-ZJ", date=timezone.localdate(),
        start_time="00:00", end_time="00:30", place="东湖区人民来访接待中心", published=True,
        slots=[{"start_time": "00:00", "capacity": 5}])
    slot = day.slots.get()
    home = client.get("/portal/").content.decode()
    assert f'data-slot="{slot.pk}"' in home and f'href="/portal/reception/{slot.pk}/book/"' not in home
    r = _post(client, slot)
    assert r.status_code == 409 and "该时段已开始" in r.content.decode()
    assert not ReceptionBooking.objects.exists()
