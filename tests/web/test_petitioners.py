"""信访人 pages: look-up by ID number, phone or name; all of a petitioner's petitions within the
user's jurisdiction, masked; the audited reveal that needs a reason."""

from __future__ import annotations

import pytest
from intake_helpers import ID_A, ID_B, logged_in

from xinfang.audit.models import AuditEntry
from xinfang.petitions.models import Petitioner
from xinfang.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(users):
    """client_for(username) -> a test client logged in as that demo account."""
    return lambda username: logged_in(users[username])


@pytest.fixture
def clerk(users):
    return logged_in(users["demo_clerk"])


@pytest.fixture
def zhang(register):
    """张三 with three petitions through three channels, and 李四 with one."""
    register(channel="visit", title="停车收费问题")
    register(channel="letter", title="物业服务质量差")
    register(channel="hotline", title="小区噪声扰民", demand_type="complaint")
    register(channel="visit", title="拖欠工资", petitioners=[PetitionerInput(name="李四", id_number=ID_B,
                                                                           phone="13900139000")])
    return Petitioner.objects.get(name="张三")


def test_list_recent(clerk, zhang):
    response = clerk.get("/petitioners/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "张*" in html and "李*" in html and "最近有信访记录的信访人" in html
    assert f"/petitioners/{zhang.pk}/" in html
    assert ID_A not in html and "13800138000" not in html


@pytest.mark.parametrize(("q", "how"), [
    (ID_A, "按身份证号精确查询"),
    (ID_A.lower(), "按身份证号精确查询"),
    ("138 0013 8000", "按电话号码精确查询"),
    ("+8613800138000", "按电话号码精确查询"),
    ("张", "按姓名查询"),
])
def test_search(clerk, zhang, q, how):
    html = clerk.post("/petitioners/", {"q": q}).content.decode()
    assert how in html
    assert f"/petitioners/{zhang.pk}/" in html and "李*" not in html
    assert "<td class=\"num\">3</td>" in html  # three petitions


def test_search_nothing(clerk, zhang):
    html = clerk.post("/petitioners/", {"q": "110101199003070000"}).content.decode()
    assert "没有符合条件的信访人" in html and "未识别为有效的身份证号或电话号码" in html


def test_other_district_finds_nobody(client_for, zhang):
    html = client_for("demo_clerk2").post("/petitioners/", {"q": ID_A}).content.decode()
    assert f"/petitioners/{zhang.pk}/" not in html and "没有符合条件的信访人" in html
    html = client_for("demo_clerk2").get("/petitioners/").content.decode()
    assert "张*" not in html


def test_detail_shows_all_petitions_across_channels_masked(clerk, zhang):
    response = clerk.get(f"/petitioners/{zhang.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    for title in ("停车收费问题", "物业服务质量差", "小区噪声扰民"):
        assert title in html
    assert "拖欠工资" not in html
    for channel in ("来访", "来信", "12345热线"):
        assert channel in html
    assert "110105********002X" in html and "138****8000" in html and "张*" in html
    assert ID_A not in html and "13800138000" not in html and "张三" not in html
    assert "查看完整信息" in html and 'name="reason"' in html


def test_detail_outside_jurisdiction_is_404(client_for, zhang):
    other = client_for("demo_clerk2")
    assert other.get(f"/petitioners/{zhang.pk}/").status_code == 404
    assert other.post(f"/petitioners/{zhang.pk}/reveal/", {"reason": "核实"}).status_code == 404
    assert not AuditEntry.objects.filter(action="petitioner.reveal").exists()


def test_detail_unknown_is_404(clerk, org):
    assert clerk.get("/petitioners/999999/").status_code == 404


def test_other_district_sees_only_its_own_petitions_of_a_shared_petitioner(client_for, register, users, zhang):
    register(actor=users["demo_clerk2"], title="西山区的事", problem_region="990103001")
    html = client_for("demo_clerk2").get(f"/petitioners/{zhang.pk}/").content.decode()
    assert "西山区的事" in html and "停车收费问题" not in html


def test_reveal_requires_a_reason(clerk, zhang):
    response = clerk.post(f"/petitioners/{zhang.pk}/reveal/", {"reason": "  "}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 422
    assert "须填写事由" in html and ID_A not in html and "张三" not in html
    assert not AuditEntry.objects.filter(action="petitioner.reveal").exists()


def test_reveal_shows_clear_values_once_and_audits(clerk, zhang, users):
    response = clerk.post(f"/petitioners/{zhang.pk}/reveal/", {"reason": "电话回访核实身份"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "<html" not in html  # an htmx partial
    assert ID_A in html and "13800138000" in html and "张三" in html and "电话回访核实身份" in html
    entry = AuditEntry.objects.get(action="petitioner.reveal")
    assert entry.actor_id == users["demo_clerk"].pk and entry.object_id == str(zhang.pk)
    assert entry.data["reason"] == "电话回访核实身份" and len(entry.data["petitions"]) == 3
    # not shown again on the page afterwards
    assert ID_A not in clerk.get(f"/petitioners/{zhang.pk}/").content.decode()


def test_reveal_without_htmx_renders_the_page(clerk, zhang):
    response = clerk.post(f"/petitioners/{zhang.pk}/reveal/", {"reason": "核实"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and ID_A in html and "停车收费问题" in html


def test_reveal_needs_post(clerk, zhang):
    assert clerk.get(f"/petitioners/{zhang.pk}/reveal/").status_code == 405


def test_accuser_hidden_outside_the_handling_chain(client_for, register, act, users):
    p, _ = register(actor=users["demo_city_dispatcher"], nature="accusation", title="举报工作人员吃拿卡要")
    act("demo_city_dispatcher", p, "forward", unit="DH-RS")
    person = Petitioner.objects.get(name="张三")
    outsider = client_for("demo_clerk")  # sees the petition through its region, not in the chain
    assert outsider.get(f"/petitioners/{person.pk}/").status_code == 404
    assert "张*" not in outsider.post("/petitioners/", {"q": ID_A}).content.decode()
    insider = client_for("demo_city_dispatcher")
    assert "举报工作人员吃拿卡要" in insider.get(f"/petitioners/{person.pk}/").content.decode()


def test_intake_then_petitioner_page(clerk, register):
    """The petition page links the petitioner; their page lists it."""
    p, _ = register()
    person = p.petitioner_links.get().petitioner
    assert f"/petitioners/{person.pk}/" in clerk.get(f"/petitions/{p.pk}/").content.decode()
    assert p.number in clerk.get(f"/petitioners/{person.pk}/").content.decode()


def test_search_pages_by_post(clerk, register):
    from xinfang.petitions.services import PetitionerInput as P

    for i in range(35):
        register(title=f"第{i}件", petitioners=[P(name=f"王{i:02d}")])
    first = clerk.post("/petitioners/", {"q": "王"}).content.decode()
    assert "35 人" in first and "第 1 / 2 页" in first and 'name="page" value="2"' in first
    second = clerk.post("/petitioners/", {"q": "王", "page": "2"}).content.decode()
    assert "第 2 / 2 页" in second and second.count("/petitioners/") > 5
    recent = clerk.get("/petitioners/", {"page": "2"}).content.decode()
    assert "第 2 / 2 页" in recent
