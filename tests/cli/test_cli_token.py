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
