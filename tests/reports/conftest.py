"""Notices for tests: one scenario that issues every kind of notice, once per test module."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from notice_helpers import NAME, NOW, PHONE, REPLY, VALID_ID


@dataclass
class Sample:
    kind: str
    key: str  # unique per scenario document (two route notices: forward and accusation)
    number: str
    title: str
    pdf: bytes
    docx: bytes
    notice: object  # the content it was rendered from
    petition_number: str


def _as(name):
    return get_user_model().objects.get(username=name)


def build_scenario(register_fn, act_fn):
    """Walk petitions through every move that issues a notice; returns {key: IssuedDocument}."""
    from xinfang.petitions.services import PetitionerInput
    from xinfang.reports.models import IssuedDocument
    from xinfang.reports.notices.services import notices_for_event
    from xinfang.workflow.models import PetitionEvent

    person = [PetitionerInput(name=NAME, id_number=VALID_ID, phone=PHONE)]
    docs: dict[str, object] = {}

    def issue(p):
        for event in PetitionEvent.objects.filter(petition=p).order_by("at", "id"):
            notices_for_event(event.pk)

    # 1. 交办 -> 受理 -> 延期 -> 调解 -> 处理意见书 -> 复查 -> 复核 (final)
    p1, _ = register_fn(petitioners=person)
    act_fn("demo_dispatcher", p1, "assign", unit="DH-ZJ", report_due="2026-04-30")
    act_fn("demo_dept_dispatcher", p1, "accept", handler="demo_handler")
    act_fn("demo_handler", p1, "request_extension", days=20, reason="需要对涉及的停车位逐一现场勘验")
    act_fn("demo_leader", p1, "approve_extension")
    act_fn("demo_handler", p1, "mediate", text="物业公司同意退还已收取的地面停车费。\n业主不再就此事项重复信访。",
           agreement=True)
    act_fn("demo_handler", p1, "draft_reply", **REPLY)
    act_fn("demo_leader", p1, "approve_reply")
    act_fn("demo_clerk", p1, "request_review", reason="请求同时责令物业公司赔礼道歉")
    act_fn("demo_reviewer", p1, "answer_review", outcome="explain", text="赔礼道歉不属于行政机关可以责令的事项，维持原处理意见。",
           basis="《信访工作条例》第三十三条。")
    act_fn("demo_clerk", p1, "request_rereview", reason="不服复查意见")
    act_fn("demo_city_leader", p1, "answer_rereview", outcome="decline", text="复查意见认定事实清楚，维持复查意见。",
           basis="《信访工作条例》第三十六条。")
    issue(p1)
    for doc in IssuedDocument.objects.filter(petition=p1):
        docs[doc.kind] = doc

    # 2. 交办 -> 受理 -> 答复 -> 评价 -> 办结 (办结报告 to the assigning office)
    p2, _ = register_fn(petitioners=person, title="小区电梯长期停运")
    act_fn("demo_dispatcher", p2, "assign", unit="DH-ZJ")
    act_fn("demo_dept_dispatcher", p2, "accept", handler="demo_handler")
    act_fn("demo_handler", p2, "draft_reply", outcome="support",
           text=f"已督促物业公司修复电梯。{NAME}（电话{PHONE}，身份证号{VALID_ID}）反映的问题已解决。",
           basis="《特种设备安全法》第三十九条。")
    act_fn("demo_leader", p2, "approve_reply")
    act_fn("demo_clerk", p2, "evaluate", level="satisfied")
    act_fn("demo_dept_dispatcher", p2, "close", note="信访人书面表示满意，不再申请复查", waiver=True)
    issue(p2)
    docs["completion"] = IssuedDocument.objects.get(petition=p2, kind="completion")

    # 3. 转送 -> 不予受理
    p3, _ = register_fn(petitioners=person, title="要求解决子女入学问题")
    act_fn("demo_dispatcher", p3, "forward", unit="DH-ZJ")
    act_fn("demo_dept_dispatcher", p3, "reject", reason="该事项已由人民法院作出生效判决，依法应当通过诉讼程序解决")
    issue(p3)
    docs["route"] = IssuedDocument.objects.get(petition=p3, kind="route")
    docs["reject"] = IssuedDocument.objects.get(petition=p3, kind="reject")

    # 4. the same facts again after 复核 -> 不再受理
    p4, _ = register_fn(petitioners=person, repeat_of=p1, title="再次反映物业违规收费")
    act_fn("demo_dispatcher", p4, "refuse_again")
    issue(p4)
    docs["refuse_again"] = IssuedDocument.objects.get(petition=p4, kind="refuse_again")

    # 5. an accusation against the 住建局, forwarded to the 纪委监委: no 抄送
    p5, _ = register_fn(petitioners=person, title="举报住建局工作人员索要好处费", nature="accusation",
                        accused_unit="DH-ZJ", accused_person="王某")
    act_fn("demo_dispatcher", p5, "forward", unit="DH-JW")
    issue(p5)
    docs["route_accusation"] = IssuedDocument.objects.get(petition=p5, kind="route")
    return docs


@pytest.fixture(scope="module")
def scenario(django_db_setup, django_db_blocker, tmp_path_factory):
    """Every kind of notice, issued once per test module, as bytes (the database is rolled back)."""
    from django.db import connection

    from xinfang.common import calendar as bizcal
    from xinfang.org.demo import build_demo_org
    from xinfang.reports.notices.services import _compose
    from xinfang.workflow import deadlines as dl
    from xinfang.workflow.models import PetitionEvent
    from xinfang.workflow.seed import seed_reference_data
    from xinfang.workflow.services import petition_act, petition_register

    media = tmp_path_factory.mktemp("media")
    samples: dict[str, Sample] = {}
    with django_db_blocker.unblock(), time_machine.travel(NOW, tick=False), override_settings(
            MEDIA_ROOT=str(media), PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        # pytest-django sets the test database up only when a collected test is marked django_db
        test_name = (connection.settings_dict.get("TEST") or {}).get("NAME")
        assert not test_name or connection.settings_dict["NAME"] == test_name or "test" in str(
            connection.settings_dict["NAME"]), "scenario: mark the module django_db so the test database is used"
        bizcal.invalidate()
        dl.invalidate_policies()
        with transaction.atomic():
            seed_reference_data()
            org = build_demo_org()

            def register_fn(petitioners, **fields):
                data = {"channel": "visit", "received_at": NOW - dt.timedelta(hours=1),
                        "title": "小区物业违规收取停车费",
                        "content": "幸福小区物业公司自今年起违规收取地面停车费，业主多次反映无果。",
                        "demands": "请求责令物业公司退还违规收取的停车费。", "category": "010101",
                        "problem_region": "990102001"}
                data.update(fields)
                return petition_register(actor=org.users["demo_clerk"], petitioners=petitioners, **data)

            def act_fn(user, p, action, **params):
                from xinfang.petitions.models import Petition

                fresh = Petition.objects.get(pk=p.pk)
                return petition_act(actor=_as(user), petition_id=p.pk, action=action, version=fresh.version,
                                    params=params)

            docs = build_scenario(register_fn, act_fn)
            for key, doc in docs.items():
                event = PetitionEvent.objects.get(pk=doc.event_id)
                from xinfang.petitions.models import Petition

                petition = Petition.objects.select_related("receiving_unit", "handling_unit", "clerk").get(
                    pk=doc.petition_id)
                notice, _unit_ = _compose(petition, doc.kind, event)
                notice.number = doc.number
                with doc.pdf.open("rb") as f:
                    pdf = f.read()
                with doc.docx.open("rb") as f:
                    docx = f.read()
                samples[key] = Sample(doc.kind, key, doc.number, doc.title, pdf, docx, notice, petition.number)
            transaction.set_rollback(True)
        bizcal.invalidate()
        dl.invalidate_policies()
    out = os.environ.get("XINFANG_NOTICE_OUT")  # keep the files to look at them
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        for key, s in samples.items():
            (Path(out) / f"{key}.pdf").write_bytes(s.pdf)
            (Path(out) / f"{key}.docx").write_bytes(s.docx)
    return samples


