"""Helpers of the screening tests: frozen time and reports filed by the demo informants."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=TZ)


@pytest.fixture
def clock():
    """Time frozen on Wednesday 2026-12-02 10:00 Beijing time; `clock.move_to(at(...))` moves it."""
    with time_machine.travel(at("2026-12-02"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def file_report(user):
    """file_report(username="demo_informant", **fields) -> a report filed through the service."""
    from xinfang.oversight.screening.services import report_create

    def _file(username="demo_informant", **fields):
        data = {"title": "桃园小区业主计划集体上访", "content": "约三十名业主商议本周五到区政府集体上访，要求解决停车费问题。",
                "people_involved": "约30名业主", "urgent": False}
        data.update(fields)
        return report_create(actor=user(username), **data)

    return _file
