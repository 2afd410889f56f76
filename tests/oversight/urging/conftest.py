"""Helpers of the urging tests: Beijing-time instants, a frozen clock, one sweep (the workflow's levels
first, then every registered rule, as the worker runs them)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=TZ)


@pytest.fixture
def clock():
    """Time frozen at Monday 2026-03-02 10:00 Beijing time; `clock.move_to(at(...))` moves it."""
    with time_machine.travel(at("2026-03-02"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def sweep(clock):
    """sweep(day) -> moves the clock to `day` 10:00 and runs every registered sweep once."""
    from xinfang.common.sweeps import sweeps_run

    def _sweep(day: str, hour: int = 10):
        clock.move_to(at(day, hour))
        return sweeps_run(at(day, hour))

    return _sweep


@pytest.fixture
def inbox():
    """inbox(username, kind) -> the messages of that kind the user received."""
    from xinfang.notifications.models import Notification

    return lambda username, kind: list(Notification.objects.filter(recipient__username=username, kind=kind))
