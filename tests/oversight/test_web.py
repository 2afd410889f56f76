"""The petition page's 包案领导 panel and the 我的包案 list, through Django's test client."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from xinfang.oversight.models import Ownership
from xinfang.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client, org):
    def _as(username):
        client.logout()
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return _as


def page(client, p) -> str:
    r = client.get(f"/petitions/{p.pk}/")
    assert r.status_code == 200
    return r.content.decode()


def test_the_dispatcher_assigns_from_the_petition_page(routed, as_user):
    p = routed()
    c = as_user("demo_dispatcher")
    html = page(c, p)
    assert 'id="ownership"' in html and 'data-ownership="assign"' in html
    assert '<option value="demo_reviewer">东复查（东湖区人民政府）</option>' in html
    assert 'value="demo_leader2"' not in html and 'data-ownership="end"' not in html
    r = c.post(f"/petitions/{p.pk}/ownership/", {"leader": "demo_reviewer", "note": "一个月内约谈信访人"})
    assert r.status_code == 302 and r["Location"] == f"/petitions/{p.pk}/"
    own = Ownership.objects.get()
    assert own.leader.username == "demo_reviewer" and own.note == "一个月内约谈信访人"
    html = page(c, p)
    assert 'data-owner="demo_reviewer"' in html and "一个月内约谈信访人" in html
    assert 'data-ownership="assign"' not in html
    assert 'data-ownership="end"' in html and 'data-ownership="transfer"' in html
    assert "<b>领导包案</b>" in html  # the timeline names the move in Chinese


def test_a_refused_form_shows_the_error_and_writes_nothing(routed, as_user):
    p = routed()
    c = as_user("demo_dispatcher")
    events = PetitionEvent.objects.count()
    r = c.post(f"/petitions/{p.pk}/ownership/", {"leader": "demo_handler", "note": "保留的要求"})
    assert r.status_code == 422
    html = r.content.decode()
    assert 'role="alert" data-field="leader"' in html and "不是可以包案该信访件的领导" in html
    assert "保留的要求" in html  # what was typed is kept
    assert not Ownership.objects.exists() and PetitionEvent.objects.count() == events
    r = c.post(f"/petitions/{p.pk}/ownership/end/", {"reason": "无"})
    assert r.status_code == 409 and "当前没有包案领导" in r.content.decode()


def test_others_see_the_owner_but_no_forms(routed, as_user):
    p = routed()
    as_user("demo_dispatcher").post(f"/petitions/{p.pk}/ownership/", {"leader": "demo_reviewer"})
    c = as_user("demo_clerk")
    html = page(c, p)
    assert 'data-owner="demo_reviewer"' in html and "data-ownership=" not in html
    r = c.post(f"/petitions/{p.pk}/ownership/end/", {"reason": "越权"})
    assert r.status_code == 403 and Ownership.objects.get().is_active
    # outside the jurisdiction: 404, never 403
    c = as_user("demo_dispatcher2")
    assert c.get(f"/petitions/{p.pk}/").status_code == 404
    assert c.post(f"/petitions/{p.pk}/ownership/end/", {"reason": "越权"}).status_code == 404
    assert c.post(f"/petitions/{p.pk}/ownership/", {"leader": "demo_leader2"}).status_code == 404
    assert c.get(f"/petitions/{p.pk}/ownership/").status_code == 405


def test_a_user_who_may_not_assign_sees_no_empty_panel(routed, as_user):
    p = routed()
    assert 'id="ownership"' not in page(as_user("demo_clerk"), p)


def test_end_and_transfer_from_the_page(routed, as_user):
    p = routed()
    c = as_user("demo_dispatcher")
    c.post(f"/petitions/{p.pk}/ownership/", {"leader": "demo_leader"})
    r = c.post(f"/petitions/{p.pk}/ownership/transfer/", {"leader": "demo_reviewer", "reason": "涉及多个部门"})
    assert r.status_code == 302
    assert Ownership.objects.get(ended_at__isnull=True).leader.username == "demo_reviewer"
    r = c.post(f"/petitions/{p.pk}/ownership/end/", {"reason": ""})
    assert r.status_code == 422 and 'data-field="reason"' in r.content.decode()
    r = as_user("demo_reviewer").post(f"/petitions/{p.pk}/ownership/end/", {"reason": "工作调整"})
    assert r.status_code == 302 and not Ownership.objects.filter(ended_at__isnull=True).exists()
    html = page(as_user("demo_dispatcher"), p)
    assert "包案记录" in html and "转交其他领导：涉及多个部门" in html and "解除包案：工作调整" in html
    assert 'data-ownership="assign"' in html  # it can be owned again


def test_my_ownerships_page_and_navigation(routed, walk, as_user):
    a, b = routed(title="甲小区停车收费"), routed(title="乙小区停车收费")
    c = as_user("demo_dispatcher")
    for p in (a, b):
        c.post(f"/petitions/{p.pk}/ownership/", {"leader": "demo_reviewer"})
    walk(b, "closed")
    c = as_user("demo_reviewer")
    home = c.get("/").content.decode()
    assert 'data-nav="ownerships"' in home and "我的包案" in home
    html = c.get("/ownerships/").content.decode()
    assert a.number in html and b.number in html and "已化解" in html
    html = c.get("/ownerships/?state=resolved").content.decode()
    assert b.number in html and a.number not in html
    assert c.get("/ownerships/?state=bogus&page=zz").status_code == 200
    assert "没有包案的信访件" not in c.get("/ownerships/").content.decode()
    assert 'data-nav="ownerships"' not in as_user("demo_clerk").get("/").content.decode()
    assert "没有包案的信访件" in as_user("demo_leader").get("/ownerships/").content.decode()
