"""GET /api/v1/insight/acceptance: how often the suggested category (at intake) and the suggested unit
(at routing) were taken; admins and analysts only (403 for the others), counts only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_rates_for_analysts_and_admins_only(clients, users, register):
    from xinfang.insight.feedback.models import SuggestionOutcome

    now = timezone.now()
    petition, _code = register()
    for taken in (True, True, False):
        SuggestionOutcome.objects.create(petition=petition, kind="category", suggested="010101", confidence=0.8,
                                         chosen="010101" if taken else "0201", taken=taken, method="classifier",
                                         at=now)
    r = clients("demo_analyst").get("/insight/acceptance")
    assert r.status == 200, r.body
    assert r.json() == {"category": {"shown": 3, "taken": 2, "rate": 0.6667},
                        "unit": {"shown": 0, "taken": 0, "rate": None}}
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert clients("demo_admin").get("/insight/acceptance", params={"from": tomorrow}).json()["category"]["shown"] == 0
    assert clients("demo_admin").get("/insight/acceptance", params={"from": tomorrow, "to": "2000-01-01"}).status == 422
    assert clients("demo_admin").get("/insight/acceptance", params={"from": "x"}).status == 422
    for name in ("demo_clerk", "demo_handler", "demo_leader"):
        assert clients(name).get("/insight/acceptance").status == 403
