"""Fast builders of petitions with known facts for the statistics tests.

Petitions are BULK-CREATED straight into the tables (not through `petition_register`): each row gets
the fields statistics read (channel, received_at, headcount and visit kind, status, category,
problem region, repeat link, escalation) plus the `PetitionAccess` row of its receiving unit, which
is what the jurisdiction rule reads. Hundreds of rows are made in milliseconds this way; the KPI
tests that need real deadlines use the real services under `time_machine` instead.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from xinfang.org.models import Region, Unit
from xinfang.petitions.models import Category, Petition, PetitionAccess
from xinfang.petitions.services import visit_kind_for

TZ = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def local(y: int, m: int, d: int, hh: int = 10, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=TZ)


def bulk(n: int, *, unit: str = "DH-XF", channel: str, received_at: dt.datetime, headcount: int = 1,
         category: str | None = "010101", region: str | None = "990102001", status: str = "registered",
         repeat_of: Petition | None = None, escalated: bool = False, title: str = "测试信访件",
         handling_unit: str | None = None, spread_minutes: int = 0) -> list[Petition]:
    """`n` petitions received by `unit` at `received_at` (+ i*spread_minutes), visible to that unit."""
    u = Unit.objects.get(code=unit)
    hu = Unit.objects.get(code=handling_unit) if handling_unit else None
    cat = Category.objects.get(code=category) if category else None
    reg = Region.objects.get(code=region) if region else None
    rows = []
    for i in range(n):
        seq = next(_seq)
        at = received_at + dt.timedelta(minutes=i * spread_minutes)
        rows.append(Petition(
            number=f"{unit}-T-{seq:07d}", year=at.year, seq=seq, channel=channel, received_at=at,
            receiving_unit=u, handling_unit=hu, title=title, content="测试内容", category=cat, problem_region=reg,
            headcount=headcount, visit_kind=visit_kind_for(headcount), status=status, repeat_of=repeat_of,
            is_escalated=escalated, query_code_hash="test"))
    Petition.objects.bulk_create(rows)
    access = [PetitionAccess(petition=p, unit=u, reason="register") for p in rows]
    if hu is not None:
        access += [PetitionAccess(petition=p, unit=hu, reason="assign") for p in rows]
    PetitionAccess.objects.bulk_create(access)
    return rows
