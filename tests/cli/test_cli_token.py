"""`xinfang token create USERNAME`: the printed token works as a Bearer token."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from xinfang.api.models import ApiToken


def test_token_create_prints_a_working_bearer_token(org):
    out = StringIO()
    call_command("token_create", "demo_clerk", "--name", "脚本导入", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    assert token.startswith("xf_") and " " not in token
    row = ApiToken.objects.get(user__username="demo_clerk")
    assert row.name == "脚本导入" and row.token_hash != token  # stored hashed only

    client = Client()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response.json()["username"] == "demo_clerk"
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}x").status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_each_call_makes_a_new_token(org):
    tokens = set()
    for _ in range(2):
        out = StringIO()
        call_command("token_create", "demo_handler", stdout=out)
        tokens.add(out.getvalue().strip().splitlines()[-1])
    assert len(tokens) == 2 and ApiToken.objects.filter(user__username="demo_handler").count() == 2


def test_unknown_user_is_refused(org):
    with pytest.raises(CommandError, match="用户不存在"):
        call_command("token_create", "nobody_here", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_inactive_user_and_long_name_are_refused(org, users):
    with pytest.raises(CommandError, match="不能超过"):
        call_command("token_create", "demo_clerk", "--name", "长" * 65, stdout=StringIO())
    users["demo_clerk"].is_active = False
    users["demo_clerk"].save()
    with pytest.raises(CommandError, match="停用"):
        call_command("token_create", "demo_clerk", stdout=StringIO())
    assert not ApiToken.objects.exists()


def _create(username, *args):
    out = StringIO()
    call_command("token_create", username, *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def _revoke(*args):
    out = StringIO()
    call_command("token_revoke", *args, stdout=out)
    return out.getvalue()


def test_days_sets_the_expiry_and_the_token_stays_on_the_last_line(org, settings):
    import datetime as dt

    out = StringIO()
    call_command("token_create", "demo_clerk", "--days", "7", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1].startswith("xf_") and "有效期7天" in out.getvalue()
    row = ApiToken.objects.get(prefix=lines[-1][:10])
    assert abs(row.expires_at - row.created_at - dt.timedelta(days=7)) < dt.timedelta(seconds=5)
    settings.XINFANG_TOKEN_DAYS = 30
    row = ApiToken.objects.get(prefix=_create("demo_clerk")[:10])
    assert abs(row.expires_at - row.created_at - dt.timedelta(days=30)) < dt.timedelta(seconds=5)


@pytest.mark.parametrize("days", ["0", "-3", "abc", "1.5", "99999"])
def test_bad_days_are_refused(org, days):
    with pytest.raises(CommandError, match="有效天数须为1到3650之间的整数"):
        call_command("token_create", "demo_clerk", "--days", days, stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_revoke_by_prefix_id_or_whole_token(org):
    client = Client()
    tokens = [_create("demo_clerk") for _ in range(3)]
    assert "已吊销令牌" in _revoke(tokens[0][:10])
    row = ApiToken.objects.get(prefix=tokens[1][:10])
    assert "已吊销令牌" in _revoke(str(row.pk))
    assert "已吊销令牌" in _revoke(tokens[2])
    for t in tokens:
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {t}").status_code == 401
    assert ApiToken.objects.filter(revoked=True, revoked_reason="manual").count() == 3
    assert "此前已吊销" in _revoke(tokens[0][:10])  # idempotent, says so


def test_revoke_all_of_a_user(org):
    client = Client()
    mine = [_create("demo_clerk") for _ in range(2)]
    theirs = _create("demo_handler")
    assert "2个接口令牌" in _revoke("--user", "demo_clerk")
    assert all(client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {t}").status_code == 401 for t in mine)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {theirs}").status_code == 200


@pytest.mark.parametrize("args, message", [
    ((), "二者选一"),
    (("xf_abc", "--user", "demo_clerk"), "二者选一"),
    (("xf_nothing",), "没有找到令牌"),
    (("99999",), "没有找到令牌"),
    (("x",), "没有找到令牌"),
    (("--user", "nobody_here"), "用户不存在"),
])
def test_revoke_refuses_bad_input(org, args, message):
    token = _create("demo_clerk")
    with pytest.raises(CommandError, match=message):
        _revoke(*args)
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_an_ambiguous_prefix_is_refused(org):
    a, b = _create("demo_clerk"), _create("demo_clerk")
    ApiToken.objects.filter(prefix=b[:10]).update(prefix=a[:10])  # a clash of the shown prefix
    with pytest.raises(CommandError, match="对应2个令牌"):
        _revoke(a[:10])
    assert not ApiToken.objects.filter(revoked=True).exists()
