"""督办 and 批示 pages: the petition page's panel and forms, the lists, the board, 待办 and home panels."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from xinfang.oversight.supervision.models import Instruction, Supervision

pytestmark = pytest.mark.django_db


def _client(username) -> Client:
    from django.contrib.auth import get_user_model

    c = Client()
    c.force_login(get_user_model().objects.get(username=username))
    return c


def _due(days=10):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_supervise_from_petition_page_then_report_and_accept(routed, org):
    p = routed()
    sup_c = _client("demo_supervisor")
    page = sup_c.get(f"/petitions/{p.pk}/")
    assert b'data-action="supervise"' in page.content
    r = sup_c.post(f"/petitions/{p.pk}/act/supervise/", {"version": p.version, "requirement": "限期办结",
                                                           "due_on": _due(), "listed": "on"})
    assert r.status_code == 302
    sup = Supervision.objects.get()
    assert sup.listed
    leader = _client("demo_leader")
    page = leader.get(f"/petitions/{p.pk}/").content.decode()
    assert 'data-supervision-action="report"' in page and 'data-supervision-action="accept"' not in page
    # the target unit's 待办 and list
    assert "督办件" in leader.get("/").content.decode()
    assert f'data-supervision="{sup.pk}"' in leader.get("/supervision/?tab=todo").content.decode()
    # an empty report: 422, the form again with the message, nothing stored
    r = leader.post(f"/supervision/{sup.pk}/report/", {"kind": "result", "text": ""})
    assert r.status_code == 422 and "请填写报告内容" in r.content.decode()
    assert not sup.reports.exists()
    r = leader.post(f"/supervision/{sup.pk}/report/", {"kind": "result", "text": "已办结"})
    assert r.status_code == 302
    # the supervisor's home shows it awaiting the decision; the board lists it
    home = sup_c.get("/").content.decode()
    assert 'id="supervisor-work"' in home and f'data-supervision="{sup.pk}"' in home
    assert f'data-supervision="{sup.pk}"' in sup_c.get("/supervision/board/").content.decode()
    page = sup_c.get(f"/petitions/{p.pk}/").content.decode()
    assert 'data-supervision-action="accept"' in page
    r = sup_c.post(f"/supervision/{sup.pk}/accept/", {"note": "同意"})
    assert r.status_code == 302
    assert Supervision.objects.get().status == "accepted"
    assert f'data-supervision="{sup.pk}"' not in sup_c.get("/supervision/board/").content.decode()
    assert f'data-supervision="{sup.pk}"' in sup_c.get("/supervision/board/?closed=1").content.decode()


def test_outside_jurisdiction_404_and_wrong_role(routed, act):
    p = routed()
    act("demo_supervisor", p, "supervise", requirement="限期办结", due_on=_due())
    sup = Supervision.objects.get()
    for url in (f"/supervision/{sup.pk}/report/", f"/supervision/{sup.pk}/accept/",
                f"/supervision/{sup.pk}/return/", "/supervision/999999999/report/"):
        assert _client("demo_leader2").post(url, {"kind": "result", "text": "x", "note": "x"}).status_code == 404
    assert _client("demo_clerk").post(f"/supervision/{sup.pk}/report/", {"kind": "result", "text": "x"}
                                      ).status_code == 403
    assert f'data-supervision="{sup.pk}"' not in _client("demo_supervisor2").get("/supervision/?tab=all").content.decode()
    assert not sup.reports.exists()


def test_instruction_pages(routed, act):
    p = routed()
    act("demo_reviewer", p, "instruct", text="请依法处理并反馈", due_on=_due(5))
    ins = Instruction.objects.get()
    reviewer = _client("demo_reviewer")
    assert f'data-instruction="{ins.pk}"' in reviewer.get("/instructions/?tab=mine").content.decode()
    assert 'id="leader-instructions"' in reviewer.get("/").content.decode()
    dept = _client("demo_dept_dispatcher")
    assert f'data-instruction="{ins.pk}"' in dept.get("/instructions/?tab=todo").content.decode()
    assert dept.post(f"/instructions/{ins.pk}/report/", {"text": "已调查"}).status_code == 302
    assert dept.post(f"/instructions/{ins.pk}/close/", {"note": "x"}).status_code == 403
    assert reviewer.post(f"/instructions/{ins.pk}/close/", {}).status_code == 422
    assert reviewer.post(f"/instructions/{ins.pk}/close/", {"note": "好"}).status_code == 302
    assert Instruction.objects.get().status == "closed"


@pytest.mark.parametrize("data", [{"kind": "result", "text": "x" * 5001}, {"kind": "result", "text": "a\x00b"},
                                  {"kind": "bogus", "text": "x"}, {"kind": "result"}])
def test_bad_report_input_is_answered_not_crashed(routed, act, data):
    p = routed()
    act("demo_supervisor", p, "supervise", requirement="限期办结", due_on=_due())
    sup = Supervision.objects.get()
    r = _client("demo_leader").post(f"/supervision/{sup.pk}/report/", data)
    assert r.status_code == 422 and 'role="alert"' in r.content.decode()
    assert not sup.reports.exists()


@pytest.mark.parametrize("url", ["/supervision/?tab=nope&page=abc", "/supervision/board/?closed=x&page=-1",
                                 "/instructions/?tab=%00&page=99999999999"])
def test_lists_tolerate_bad_query(org, url):
    assert _client("demo_supervisor").get(url).status_code == 200
