"""Fixtures of the security suite: the demo city with one of everything a URL can name, inside
district 1 (东湖区), around an accusation whose accuser is hidden outside the handling chain; the API's
real-HTTP client of tests/api, loaded from its file (the browser harness is the root conftest's)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from security_helpers import ACCUSER_ID, ACCUSER_NAME, ACCUSER_PHONE, MINI_PDF, World

_TESTS = Path(__file__).resolve().parent.parent


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# The fixtures of the API tests, under names of their own (pytest collects fixture functions
# found in this module's namespace). `_drain_live_server` is autouse there; here it is used by name.
_api = _load("xinfang_security_api_fixtures", _TESTS / "api" / "conftest.py")
ApiClient = _api.ApiClient
make_id_number = _api.make_id_number
clients = _api.clients
anonymous = _api.anonymous
petition_body = _api.petition_body


_drain_live_server = _api._drain_live_server  # autouse: every test here is transactional


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def world(org, register, act, media) -> World:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xinfang.imports.services import import_job_create
    from xinfang.knowledge.services import article_create
    from xinfang.org.models import Membership, Unit
    from xinfang.oversight.services import ownership_assign
    from xinfang.petitions.models import Category, Petition
    from xinfang.petitions.services import PetitionerInput, attachment_add
    from xinfang.reports.models import IssuedDocument
    from xinfang.reports.notices.services import notices_for_event
    from xinfang.web.models import SavedFilter
    from xinfang.workflow.models import DeadlinePolicy, PetitionEvent, RoutingRule

    users = org.users
    p, _ = register(nature="accusation", title=f"{ACCUSER_NAME}实名检举吃拿卡要（{ACCUSER_PHONE}）",
                    content=f"我叫{ACCUSER_NAME}，身份证号{ACCUSER_ID}，电话+86 139-0013-9000。检举工作人员吃拿卡要。",
                    demands=f"请核实后回复{ACCUSER_NAME}。",
                    petitioners=[PetitionerInput(name=ACCUSER_NAME, id_number=ACCUSER_ID, phone=ACCUSER_PHONE)])
    act("demo_dispatcher", p, "assign", unit="DH-ZJ", note=f"已电话联系{ACCUSER_NAME}（{ACCUSER_PHONE}）核实")
    act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    act("demo_handler", p, "draft_reply", outcome="support", text=f"经查，{ACCUSER_NAME}反映的问题属实。",
        basis="《信访工作条例》第三十二条。")
    for event in PetitionEvent.objects.filter(petition=p).order_by("at", "id"):
        notices_for_event(event.pk)
    p = Petition.objects.get(pk=p.pk)
    attachment = attachment_add(petition=p, actor=users["demo_handler"], kind="evidence",
                                uploaded=SimpleUploadedFile("evidence.pdf", MINI_PDF, "application/pdf"))
    ownership = ownership_assign(actor=users["demo_dispatcher"], petition=p, leader=users["demo_leader"])
    saved = SavedFilter.objects.create(user=users["demo_clerk"], name="停车费", query="q=停车费")
    ledger = "标题,反映内容,信访人姓名\n停车费,小区物业违规收取停车费,张三\n".encode()
    job = import_job_create(actor=users["demo_clerk"], filename="ledger.csv", data=ledger)
    article = article_create(actor=users["demo_admin"], title="《信访工作条例》", body="第三十二条 ……")
    c, _ = register(title="小区电梯长期停运",  # another petitioner: the accuser is in no other matter
                    petitioners=[PetitionerInput(name="张三", id_number="110105198001010016", phone="13800138000")])  # an ordinary matter, closed: its dossier
    act("demo_dispatcher", c, "assign", unit="DH-ZJ")
    act("demo_dept_dispatcher", c, "accept", handler="demo_handler")
    act("demo_handler", c, "draft_reply", outcome="support", text="已督促物业公司修复电梯。", basis="《特种设备安全法》")
    act("demo_leader", c, "approve_reply")
    act("demo_dept_dispatcher", c, "close", note="信访人书面表示满意，不再申请复查", waiver=True)
    unit = Unit.objects.get(code="DH-ZJ")
    office = Unit.objects.get(code="DH-XF")
    rule = RoutingRule.objects.create(unit=unit, owner=office, region=org.regions["990102"],
                                      category=Category.objects.get(code="010101"), note="东湖区物业")
    default = DeadlinePolicy.objects.filter(unit__isnull=True).order_by("id").first()
    policy = DeadlinePolicy.objects.create(key=default.key, days=max(1, default.days - 1),
                                           working_days=default.working_days, unit=office)
    world = World(
        org=org, petition=Petition.objects.get(pk=p.pk), petitioner=p.petitioner_links.get().petitioner,
        document=IssuedDocument.objects.filter(petition=p).order_by("id").first(), attachment=attachment,
        ownership=ownership, saved_filter=saved, import_job=job, article=article, unit=unit,
        user=users["demo_handler"], membership=Membership.objects.filter(user=users["demo_handler"]).first(),
        category=Category.objects.get(code="010101"), policy=policy, rule=rule,
        closed=Petition.objects.get(pk=c.pk))
    from test_authz_matrix import AREA_MODULES

    for module in AREA_MODULES:  # issue 10's areas add the objects their URLs name
        if hasattr(module, "build"):
            module.build(world)
    # the areas' objects notified people: read them all, so that "read all" (allowed to everyone) changes
    # nothing the matrix compares; the messages still show in every inbox the matrix reads for leaks
    from django.utils import timezone

    from xinfang.notifications.models import Notification

    Notification.objects.filter(read_at__isnull=True).update(read_at=timezone.now())
    return world
