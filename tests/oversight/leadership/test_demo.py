"""The leadership demo seed: plans on the open 包案, reception days, a 下访; run twice, written once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from xinfang.oversight import services
from xinfang.oversight.leadership.models import FieldVisit, FieldVisitMatter, ReceptionBooking, ReceptionDay
from xinfang.oversight.models import Ownership
from xinfang.web.management.demo_leadership import seed_demo

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent(org, routed, user):
    p = routed()
    services.ownership_assign(actor=user("demo_dispatcher"), petition=p.pk, leader="demo_leader")
    for _ in range(2):
        seed_demo(dict(org.users), timezone.now())
    own = Ownership.objects.get()
    assert own.plan and own.stage == "progress"
    assert ReceptionDay.objects.count() == 4 and ReceptionDay.objects.filter(published=True).count() == 4
    assert ReceptionBooking.objects.count() == 2
    assert FieldVisit.objects.count() == 1 and FieldVisitMatter.objects.filter(petition__isnull=False).count() == 1
