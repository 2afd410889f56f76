"""Fixtures of the portal tests: a case the citizen can track (number + code), and one whose written
opinion was approved but not yet delivered (the portal's opening records the delivery)."""

from __future__ import annotations

import pytest


@pytest.fixture
def case(register):
    """(petition, query code): registered by demo_clerk at DH-XF."""
    return register()


@pytest.fixture
def replied_case(register, act):
    """(petition, query code): forwarded to DH-ZJ, accepted, answered and approved, NOT delivered."""
    p, code = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    p = act("demo_handler", p, "draft_reply", outcome="explain", text="经核实，停车收费已按规定公示。",
            basis="《物业管理条例》")
    p = act("demo_leader", p, "approve_reply")
    return p, code
