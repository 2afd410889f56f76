"""The demo's 督办与批示 seed: orders in each state and two instructions, idempotent."""

from __future__ import annotations

import pytest
from django.utils import timezone

from xinfang.oversight.supervision.models import Instruction, Supervision
from xinfang.web.management.demo_supervision import seed_demo

pytestmark = pytest.mark.django_db


def test_seed_demo(org, routed):
    for _ in range(5):
        routed()
    seed_demo(org.users, timezone.now())
    assert sorted(Supervision.objects.values_list("status", flat=True)) == ["accepted", "open", "reported"]
    assert sorted(Instruction.objects.values_list("status", flat=True)) == ["open", "reported"]
    seed_demo(org.users, timezone.now())
    assert Supervision.objects.count() == 3 and Instruction.objects.count() == 2
