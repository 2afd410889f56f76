"""Helpers for the 登记 and 信访人 tests: logged-in clients and intake form data."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

# Valid GB 11643 numbers (checksums correct); invented.
ID_A = "11010519491231002X"
ID_B = "110105198001010016"


def id_number(seq: int) -> str:
    """A valid invented ID number, different for each `seq`."""
    from xinfang.common.validators import id_checksum

    first17 = f"11010519900101{seq % 1000:03d}"
    return first17 + id_checksum(first17)


def logged_in(user) -> Client:
    """A Django test client logged in as `user`."""
    c = Client()
    c.force_login(user)
    return c


def intake_data(rows=None, **fields) -> dict:
    """POST data of the intake form; `rows` are dicts of name/id_number/phone/address/rep."""
    data = {
        "received_at": (timezone.localtime() - dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        "title": "小区物业违规收取停车费",
        "content": "幸福小区物业公司自今年起违规收取地面停车费，业主多次反映无果。",
        "demands": "请求责令物业公司退还停车费。",
        "category": "城乡建设 / 住房保障与房地产 / 物业管理",
        "nature": "appeal",
        "demand_type": "",
        "problem_region": "示范省 / 示范市 / 东湖区 / 城关街道",
        "accused_unit": "",
        "accused_person": "",
        "headcount": "",
        "attachment_kind": "other",
        "repeat_of": "",
    }
    if rows is None:
        rows = [{"name": "张三", "id_number": ID_A, "phone": "13800138000", "address": "东湖区幸福小区3栋"}]
    for i, row in enumerate(rows):
        for key, value in row.items():
            if key == "rep":
                if value:
                    data[f"p-{i}-rep"] = "on"
            else:
                data[f"p-{i}-{key}"] = value
    data.update(fields)
    return data


def walk_to_final(register, act, **fields):
    """A petition registered by demo_clerk and taken along the whole lawful path to 复核终结
    (`final`): routed, accepted, answered, 复查, 复核. Returns it fresh from the database."""
    from xinfang.petitions.models import Petition

    p, _ = register(**fields)
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "accept")
    p = act("demo_leader", p, "assign_handler", handler="demo_handler")
    p = act("demo_handler", p, "draft_reply", outcome="explain", text="经核实，收费有据。", basis="《物业管理条例》")
    p = act("demo_leader", p, "approve_reply", delivered=True)
    p = act("demo_clerk", p, "request_review", reason="不服处理意见")
    p = act("demo_reviewer", p, "answer_review", outcome="explain", text="维持原处理意见", basis="《信访工作条例》",
            delivered=True)
    p = act("demo_clerk", p, "request_rereview", reason="不服复查意见")
    p = act("demo_city_leader", p, "answer_rereview", outcome="explain", text="维持", basis="《信访工作条例》",
            delivered=True)
    return Petition.objects.get(pk=p.pk)
