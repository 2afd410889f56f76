"""Answered petitions to find, and a petition being answered (all in the demo city)."""

from __future__ import annotations

import pytest

from xinfang.petitions.models import Petition
from xinfang.petitions.services import PetitionerInput

PARKING = dict(title="物业违规收取地面停车费", content="和平社区物业公司违规收取地面停车费，每月三百元，业主多次反映无果。",
               demands="请求退还停车费；要求公开小区公共收益账目。", category="010101")
LONG_REPLY = ("经核实，和平社区物业公司收取地面停车费未经业主大会表决。" + "已责令物业公司停止收费并退还已收费用。" * 20)


def walk_answered(register, act, *, actor=None, handler="demo_handler", dept_dispatcher="demo_dept_dispatcher",
                  dispatcher="demo_dispatcher", leader="demo_leader", unit="DH-ZJ", text=LONG_REPLY,
                  approve=True, **fields):
    p, _ = register(actor=actor, **fields)
    p = act(dispatcher, p, "forward", unit=unit)
    p = act(dept_dispatcher, p, "accept")
    p = act(leader, p, "assign_handler", handler=handler)
    p = act(handler, p, "draft_reply", outcome="support", text=text, basis="根据《物业管理条例》第五十五条。")
    if approve:
        p = act(leader, p, "approve_reply")
    return Petition.objects.get(pk=p.pk)


@pytest.fixture
def answered(register, act, users):
    """name -> petition: parking (same matter, answered), lift (same first-level category, answered), wages
    (other first-level category), draft (only drafted), west (another district), accusation (answered)."""
    return {
        "parking": walk_answered(register, act, **PARKING),
        "lift": walk_answered(register, act, title="电梯长期故障", content="和平社区3栋电梯长期故障无人维修，物业收费不办事。",
                              category="010102", text="经调查，电梯已由物业公司委托维保单位修复。"),
        "wages": walk_answered(register, act, title="拖欠停车场工人工资", content="和平社区停车场工人被拖欠工资三个月，物业违规收取停车费。",
                               category="02", text="经查，已督促支付工资。"),
        "draft": walk_answered(register, act, approve=False, **PARKING),
        "west": walk_answered(register, act, actor=users["demo_clerk2"], problem_region="990103001",
                              dispatcher="demo_dispatcher2", dept_dispatcher="demo_dept_dispatcher2",
                              leader="demo_leader2", handler="demo_handler2", unit="XS-ZJ", **PARKING),
        "accusation": walk_answered(
            register, act, nature="accusation", title="举报物业经理违规收取停车费",
            content="举报人李四反映：物业经理违规收取地面停车费，李四电话13900139000。", category="010101",
            petitioners=[PetitionerInput(name="李四", id_number="", phone="13900139000")],
            text="经核实，李四反映的物业经理违规收取停车费问题属实，已责令整改。"),
    }


@pytest.fixture
def target(register, act):
    """A petition on the same matter, accepted and with its handler: the reply is to be drafted."""
    p, _ = register(title="小区物业乱收停车费", content="和平社区物业公司今年开始收取地面停车费，业主不同意。",
                    demands="请求退还停车费；要求公开小区公共收益账目。", category="010101")
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "accept")
    p = act("demo_leader", p, "assign_handler", handler="demo_handler")
    return Petition.objects.get(pk=p.pk)
