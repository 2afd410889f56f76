"""The issue's must-show: 20 wrong query codes lock a case number out, and nothing in the answers tells
whether the number exists. Each wrong attempt comes from its own address here, so the per-address limit
is not what locks; that limit is tested on its own."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from xinfang.portal import throttle

T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _defaults(settings, db):
    settings.XINFANG_PORTAL = {}  # the shipped limits, whatever the environment says
    from xinfang.portal.models import PortalProfile

    PortalProfile.objects.create(name="示范市网上信访")


def _wrong(code: str) -> str:
    return "ZZZZZZZZ" if code != "ZZZZZZZZ" else "YYYYYYYY"


def _post(number, code, address):
    return Client(REMOTE_ADDR=address).post("/portal/track/", {"number": number, "code": code})


def _normal(response, number) -> str:
    body = response.content.decode().replace(number, "NUMBER")
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", body)  # the (per-response masked) CSRF tokens


def test_twenty_wrong_codes_lock_the_number_without_revealing_it_exists(case):
    p, code = case
    ghost = p.number[:-6] + "999999"  # same shape, never issued
    assert len(ghost) == len(p.number) and ghost != p.number
    limit = throttle.conf("TRACK_NUMBER_LIMIT")
    assert limit < 20
    statuses = []
    with time_machine.travel(T0, tick=False):
        for i in range(20):
            real = _post(p.number, _wrong(code), f"203.0.113.{i + 1}")
            fake = _post(ghost, _wrong(code), f"203.0.113.{i + 101}")
            assert real.status_code == fake.status_code, i
            assert _normal(real, p.number) == _normal(fake, ghost), i
            assert _wrong(code) not in real.content.decode()
            statuses.append(real.status_code)
            words = real.content.decode()
            if i < limit:
                assert "信访件编号或查询码不正确" in words and "查询尝试次数过多" not in words
            else:
                assert "查询尝试次数过多" in words and "信访件编号或查询码不正确" not in words
        assert statuses == [400] * limit + [429] * (20 - limit)
        # locked: even the right code is refused, with the same answer as for the unknown number
        right = _post(p.number, code, "203.0.113.250")
        ghost_again = _post(ghost, code, "203.0.113.251")
        assert right.status_code == ghost_again.status_code == 429
        assert "查询尝试次数过多" in right.content.decode()
        assert _normal(right, p.number) == _normal(ghost_again, ghost)
        assert not right.has_header("Location")
    # still locked just before the lock's end, open after it
    minutes = throttle.conf("LOCK_MINUTES")
    with time_machine.travel(T0 + dt.timedelta(minutes=minutes - 1), tick=False):
        assert _post(p.number, code, "203.0.113.252").status_code == 429
    with time_machine.travel(T0 + dt.timedelta(minutes=minutes, seconds=1), tick=False):
        response = _post(p.number, code, "203.0.113.253")
        assert response.status_code == 302 and response["Location"] == "/portal/track/case/"


def test_wrong_pairs_from_one_address_lock_the_address(case, register):
    p, code = case
    limit = throttle.conf("TRACK_ADDRESS_LIMIT")
    address = "192.0.2.77"
    client = Client(REMOTE_ADDR=address)
    with time_machine.travel(T0, tick=False):
        for i in range(limit):  # a different number each time: no number reaches its own limit
            number = p.number[:-6] + f"{900000 + i:06d}"
            response = client.post("/portal/track/", {"number": number, "code": "ABCDEFGH"})
            assert response.status_code == 400, i
        response = client.post("/portal/track/", {"number": p.number, "code": code})
        assert response.status_code == 429 and "查询尝试次数过多" in response.content.decode()
        assert client.get("/portal/track/case/").status_code == 302  # nothing granted
        # the same right pair from another address works: the number itself is not locked
        response = _post(p.number, code, "192.0.2.78")
        assert response.status_code == 302
    with time_machine.travel(T0 + dt.timedelta(minutes=throttle.conf("LOCK_MINUTES"), seconds=1), tick=False):
        response = client.post("/portal/track/", {"number": p.number, "code": code})
        assert response.status_code == 302


def test_a_right_code_does_not_count(case):
    p, code = case
    before = throttle.attempts("track_number", p.number, minutes=60, now=timezone.now())
    for i in range(3):
        assert _post(p.number, code, f"198.18.0.{i + 1}").status_code == 302
    assert throttle.attempts("track_number", p.number, minutes=60, now=timezone.now()) == before
