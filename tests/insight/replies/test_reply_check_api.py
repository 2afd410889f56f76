"""POST /api/v1/petitions/{id}/reply-check: the draft check over HTTP (Bearer tokens, Django test client)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from xinfang.api.tokens import token_create
from xinfang.petitions.models import Petition

GOOD = {"outcome": "support",
        "text": "经调查核实，物业公司收取地面停车费未经业主大会同意，已责令退还停车费，并按季度公开小区公共收益账目。"
                "如不服本意见，可自收到之日起30日内向上一级行政机关请求复查。",
        "basis": "根据《物业管理条例》第五十五条规定。"}


@pytest.fixture
def post(users):
    def _post(username, petition_id, body, raw=None):
        token = token_create(user=users[username], name="test") if username else None
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        data = raw if raw is not None else json.dumps(body)
        return Client().post(f"/api/v1/petitions/{petition_id}/reply-check", data=data,
                             content_type="application/json", **headers)
    return _post


def test_flags_with_reasons(target, post):
    r = post("demo_handler", target.pk, {"outcome": "", "text": "已处理。", "basis": ""})
    assert r.status_code == 200, r.content
    flags = r.json()["flags"]
    assert [f["code"] for f in flags] == ["outcome_missing", "facts_missing", "basis_missing",
                                          "review_notice_missing", "demands_unanswered"]
    assert all(f["message"] and f["reason"] for f in flags)
    assert flags[-1]["items"] == ["请求退还停车费", "要求公开小区公共收益账目"]
    r = post("demo_leader", target.pk, GOOD)
    assert r.status_code == 200 and r.json() == {"flags": []}
    r = post("demo_handler", target.pk, {**GOOD, "outcome": "maybe"})
    assert [f["code"] for f in r.json()["flags"]] == ["outcome_invalid"]


def test_nothing_is_saved(target, post):
    before = Petition.objects.get(pk=target.pk)
    post("demo_handler", target.pk, GOOD)
    after = Petition.objects.get(pk=target.pk)
    assert (after.version, after.status, after.replies.count()) == (before.version, before.status, 0)


@pytest.mark.parametrize(("username", "status", "code"), [
    ("demo_clerk", 403, "forbidden"),  # the receiving office's clerk: in the jurisdiction, no drafting role
    ("demo_analyst", 403, "forbidden"),
    ("demo_admin", 403, "forbidden"),  # global (superuser) but neither handler nor leader
    ("demo_handler2", 404, "not_found"),  # another district
    ("demo_leader2", 404, "not_found"),
])
def test_who_may_check(target, post, username, status, code):
    r = post(username, target.pk, GOOD)
    assert r.status_code == status, r.content
    assert r.json()["error"]["code"] == code


def test_anonymous_absent_and_bad_input(target, post):
    assert post(None, target.pk, GOOD).status_code == 401
    assert post("demo_handler", 999999, GOOD).status_code == 404
    bad = post("demo_handler", target.pk, None, raw="{not json")
    assert bad.status_code in (400, 422) and bad.json()["error"]["code"] == "bad_request"
    nul = post("demo_handler", target.pk, {**GOOD, "text": "a\x00b"})
    assert nul.status_code in (400, 422)
    extra_long = post("demo_handler", target.pk, {**GOOD, "text": "经查" * 20001})
    assert extra_long.status_code in (400, 422)


def test_in_the_openapi_schema(post, users):
    token = token_create(user=users["demo_handler"], name="test")
    schema = Client().get("/api/v1/openapi.json", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    op = schema["paths"]["/api/v1/petitions/{petition_id}/reply-check"]["post"]
    assert "403" in op["responses"] and "404" in op["responses"]
