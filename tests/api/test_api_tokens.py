"""API tokens over real HTTP: they expire, can be revoked, and die with a password change (every
route: the account page, 系统管理, the Django admin, `changepassword`) or deactivation."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from xinfang.api.models import ApiToken
from xinfang.api.tokens import token_create
from xinfang.audit.models import AuditEntry
from xinfang.org import services as org_services

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NEW = "Lianxi-Mima-2026!"


def _unauthorized(client):
    r = client.get("/me")
    assert r.status == 401, (r.status, r.body[:200])
    assert r.error["code"]  # the one error shape
    return r


@pytest.fixture
def fresh(org, client_with):
    """fresh(username) -> (token, ApiClient) with a new token that works now."""
    def _fresh(username, **kw):
        token = token_create(user=org.users[username], name="test", **kw)
        client = client_with(token)
        r = client.get("/me")
        assert r.status == 200 and r.json()["username"] == username
        return token, client
    return _fresh


def test_a_new_token_expires_after_the_default_term(org, fresh, settings):
    assert settings.XINFANG_TOKEN_DAYS == 90
    token, _client = fresh("demo_clerk")
    row = ApiToken.objects.get(prefix=token[:10])
    assert abs((row.expires_at - row.created_at) - dt.timedelta(days=90)) < dt.timedelta(seconds=5)


def test_an_expired_token_fails(org, fresh):
    token, client = fresh("demo_clerk", days=1)
    ApiToken.objects.filter(prefix=token[:10]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    _unauthorized(client)


def test_a_revoked_token_fails_and_others_still_work(org, fresh):
    token, client = fresh("demo_clerk")
    _other_token, other = fresh("demo_clerk")
    out = StringIO()
    call_command("token_revoke", token[:10], stdout=out)
    assert "已吊销令牌" in out.getvalue()
    _unauthorized(client)
    assert other.get("/me").status == 200
    assert AuditEntry.objects.filter(action="api_token.revoke", object_id=token[:10]).exists()


def test_an_old_token_fails_after_a_password_reset_by_an_administrator(org, fresh):
    _token, client = fresh("demo_handler")
    org_services.user_set_password(actor=org.users["demo_admin"], user_id=org.users["demo_handler"].pk,
                                   password=NEW)
    _unauthorized(client)
    row = ApiToken.objects.get(user__username="demo_handler")
    assert row.revoked and row.revoked_reason == ApiToken.Reason.PASSWORD


def test_an_old_token_fails_after_the_user_changes_the_password(org, fresh):
    _token, client = fresh("demo_clerk")
    web = Client()
    web.force_login(org.users["demo_clerk"])
    r = web.post("/account/password/", {"old_password": "xinfang-demo-2026", "new_password1": NEW,
                                        "new_password2": NEW})
    assert r.status_code == 302
    _unauthorized(client)
    # a new token for the new password works
    _new_token, again = fresh("demo_clerk")
    assert again.get("/me").status == 200


def test_an_old_token_fails_after_set_password_as_the_admin_and_changepassword_do(org, fresh):
    """Django's admin (AdminPasswordChangeForm) and `xinfang changepassword` both call set_password
    and save(): that is what kills the tokens."""
    _token, client = fresh("demo_analyst")
    user = User.objects.get(username="demo_analyst")
    user.set_password(NEW)
    user.save()
    _unauthorized(client)


def test_changepassword_kills_the_tokens(org, fresh, monkeypatch):
    """`xinfang changepassword USER`: the terminal's password prompt is the outside boundary."""
    import getpass

    _token, client = fresh("demo_informant")
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": NEW)
    call_command("changepassword", "demo_informant", stdout=StringIO())
    assert User.objects.get(username="demo_informant").check_password(NEW)
    _unauthorized(client)


def test_the_admin_password_form_kills_the_tokens(org, fresh):
    _token, client = fresh("demo_supervisor")
    admin = Client()
    admin.force_login(org.users["demo_admin"])
    pk = org.users["demo_supervisor"].pk
    r = admin.post(f"/admin/auth/user/{pk}/password/", {"password1": NEW, "password2": NEW,
                                                        "usable_password": "true"})
    assert r.status_code == 302, r.content.decode()[:2000]
    _unauthorized(client)


def test_a_deactivated_users_token_fails_and_stays_dead(org, fresh):
    _token, client = fresh("demo_dispatcher")
    org_services.user_deactivate(actor=org.users["demo_admin"], user_id=org.users["demo_dispatcher"].pk)
    _unauthorized(client)
    org_services.user_activate(actor=org.users["demo_admin"], user_id=org.users["demo_dispatcher"].pk)
    _unauthorized(client)  # revoked, not merely suspended
    assert ApiToken.objects.get(user__username="demo_dispatcher").revoked_reason == ApiToken.Reason.DEACTIVATED


def test_saving_a_user_otherwise_keeps_the_tokens(org, fresh):
    _token, client = fresh("demo_clerk")
    user = User.objects.get(username="demo_clerk")
    user.first_name = "改名"
    user.save()
    user.check_password("xinfang-demo-2026")  # a login; the hasher is current, nothing rehashed
    assert client.get("/me").status == 200


def test_a_hash_upgrade_at_login_keeps_the_tokens(org, fresh, settings):
    """Django re-hashes a password with the preferred hasher when the user signs in; that is not a
    password change, so the tokens stay."""
    _token, client = fresh("demo_clerk")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.ScryptPasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User.objects.get(username="demo_clerk")
    old_hash = user.password
    assert user.check_password("xinfang-demo-2026")
    user.refresh_from_db()
    assert user.password != old_hash and user.password.startswith("scrypt$")
    assert client.get("/me").status == 200


def test_the_admin_lists_tokens_without_the_secret_and_revokes(org, fresh):
    token, client = fresh("demo_clerk")
    row = ApiToken.objects.get(prefix=token[:10])
    admin = Client()
    admin.force_login(org.users["demo_admin"])
    page = admin.get("/admin/api/apitoken/").content.decode()
    assert token[:10] in page and "demo_clerk" in page
    assert token not in page and row.token_hash not in page and token[10:20] not in page
    detail = admin.get(f"/admin/api/apitoken/{row.pk}/change/").content.decode()
    assert token not in detail and row.token_hash not in detail
    r = admin.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [row.pk]})
    assert r.status_code == 302
    _unauthorized(client)
    assert "已吊销" in admin.get("/admin/api/apitoken/").content.decode()
