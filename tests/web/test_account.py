"""账号安全 pages: the password change every user may make (Django's validators, in Chinese; audited;
the user's API tokens die), and the optional TOTP second factor of leaders and administrators."""

import re
import time

import pytest
from django.test import Client
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinfang.api.models import ApiToken
from xinfang.api.tokens import token_create, token_user
from xinfang.audit.models import AuditEntry

PASSWORD = "xinfang-demo-2026"
NEW = "Lianxi-Mima-2026!"


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _change(client, old, new1, new2=None):
    return client.post("/account/password/", {"old_password": old, "new_password1": new1,
                                              "new_password2": new1 if new2 is None else new2})


def test_the_top_bar_links_to_the_password_page(org, users):
    body = _client(users["demo_clerk"]).get("/").content.decode()
    assert 'href="/account/password/"' in body and "修改密码" in body


@pytest.mark.parametrize("bad, message", [
    ("12345678", "密码太短，至少需要10个字符"),
    ("12345678", "这个密码太常见了"),
    ("12345678", "密码只包含数字"),
    ("demo_clerk", "太相似"),
    ("password123", "这个密码太常见了"),
    ("2026031512345", "密码只包含数字"),
])
def test_weak_passwords_are_refused_in_chinese(org, users, bad, message):
    client = _client(users["demo_clerk"])
    r = _change(client, PASSWORD, bad)
    assert r.status_code == 200 and message in r.content.decode()
    users["demo_clerk"].refresh_from_db()
    assert users["demo_clerk"].check_password(PASSWORD)  # nothing changed


def test_wrong_current_password_and_mismatch_change_nothing(org, users):
    client = _client(users["demo_clerk"])
    assert "你的旧密码不正确" in _change(client, "not-my-password", NEW).content.decode()
    assert "输入的两个密码不一致" in _change(client, PASSWORD, NEW, NEW + "x").content.decode()
    users["demo_clerk"].refresh_from_db()
    assert users["demo_clerk"].check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="account.password_change").exists()


def test_password_change_is_audited_keeps_the_session_and_kills_the_tokens(org, users):
    clerk = users["demo_clerk"]
    token = token_create(user=clerk)
    other = token_create(user=users["demo_handler"])
    assert token_user(token) == clerk
    client = _client(clerk)
    r = _change(client, PASSWORD, NEW)
    assert r.status_code == 302 and r["Location"] == "/account/password/"
    page = client.get("/account/password/").content.decode()
    assert "密码已修改" in page and "接口令牌已随旧密码失效" in page  # still signed in, told about the tokens
    clerk.refresh_from_db()
    assert clerk.check_password(NEW) and not clerk.check_password(PASSWORD)
    entry = AuditEntry.objects.get(action="account.password_change")
    assert entry.actor == "demo_clerk" and NEW not in str(entry.data)
    assert token_user(token) is None and token_user(other) == users["demo_handler"]
    row = ApiToken.objects.get(user=clerk)
    assert row.revoked and row.revoked_reason == "password"
    # the old password no longer signs in; the new one does
    assert Client().post("/login/", {"username": "demo_clerk", "password": PASSWORD}).status_code == 200
    assert Client().post("/login/", {"username": "demo_clerk", "password": NEW}).status_code == 302


def test_password_page_needs_a_session(org):
    r = Client().get("/account/password/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


# ---- TOTP -----------------------------------------------------------------------------------

def _code(device, ahead: int = 0) -> str:
    """The device's current code (ahead=1: the next step's, since a code is accepted only once)."""
    if not ahead:
        return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"
    t = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    t.time = time.time() + ahead * device.step
    return f"{t.token():0{device.digits}d}"


def _enable_totp(user) -> TOTPDevice:
    client = _client(user)
    page = client.get("/account/totp/").content.decode()
    assert "<svg" in page and "<?xml" not in page  # inline QR code, nothing from another host
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    import base64

    assert base64.b32decode(secret) == device.bin_key
    # a wrong code does not enable it
    r = client.post("/account/totp/", {"op": "confirm", "otp_token": "000000" if _code(device) != "000000" else "111111"})
    assert "动态验证码不正确" in r.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    device.throttling_failure_count = 0
    device.save()
    r = client.post("/account/totp/", {"op": "confirm", "otp_token": _code(device)})
    assert r.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="account.totp_enable", actor=user.username).exists()
    return device


def test_leader_sets_up_totp_and_then_login_asks_for_the_code(org, users):
    leader = users["demo_leader"]
    device = _enable_totp(leader)

    client = Client()
    r = client.post("/login/", {"username": "demo_leader", "password": PASSWORD, "next": "/"})
    body = r.content.decode()
    assert r.status_code == 200 and 'name="otp_token"' in body and 'name="password"' not in body
    assert client.get("/").status_code == 302  # not signed in by the password alone
    r = client.post("/login/", {"step": "otp", "otp_token": "12ab", "next": "/"})
    assert "动态验证码不正确" in r.content.decode() and client.get("/").status_code == 302
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the failure above makes the device wait a second
    device.save()
    r = client.post("/login/", {"step": "otp", "otp_token": _code(device, ahead=1), "next": "/"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_user_without_a_device_logs_in_as_before(org, users):
    _enable_totp(users["demo_leader"])
    client = Client()
    r = client.post("/login/", {"username": "demo_handler", "password": PASSWORD, "next": "/"})
    assert r.status_code == 302 and client.get("/").status_code == 200


def test_the_code_step_cannot_be_skipped(org, users):
    """Without the password step there is nothing to confirm; the admin's own login form and any other
    password-only sign-in refuse an account with a device."""
    device = _enable_totp(users["demo_admin"])
    client = Client()
    r = client.post("/login/", {"step": "otp", "otp_token": _code(device, ahead=1)})
    assert "验证已超时" in r.content.decode() and client.get("/").status_code == 302
    r = client.post("/admin/login/", {"username": "demo_admin", "password": PASSWORD, "next": "/admin/"})
    assert r.status_code == 200 and client.get("/admin/").status_code == 302


def test_wrong_codes_are_audited_failures_and_count_towards_the_lock(org, users, settings):
    from axes.models import AccessAttempt

    _enable_totp(users["demo_leader"])
    client = Client()
    client.post("/login/", {"username": "demo_leader", "password": PASSWORD})
    client.post("/login/", {"step": "otp", "otp_token": "000001"})
    attempt = AccessAttempt.objects.get(username="demo_leader")
    assert attempt.failures_since_start == 1
    failed = [e for e in AuditEntry.objects.filter(action="auth.login_failed") if e.data.get("username") == "demo_leader"]
    assert len(failed) == 1


def test_totp_is_offered_to_leaders_and_admins_only(org, users):
    assert _client(users["demo_clerk"]).get("/account/totp/").status_code == 403
    assert _client(users["demo_leader"]).get("/account/totp/").status_code == 200
    assert _client(users["demo_admin"]).get("/account/totp/").status_code == 200
    assert "动态验证码" not in _client(users["demo_clerk"]).get("/account/password/").content.decode()


def test_totp_can_be_switched_off_with_a_code(org, users):
    leader = users["demo_leader"]
    device = _enable_totp(leader)
    client = _client(leader)
    assert "已启用" in client.get("/account/totp/").content.decode()
    r = client.post("/account/totp/", {"op": "disable", "otp_token": "abc"})
    assert "动态验证码不正确" in r.content.decode() and TOTPDevice.objects.filter(user=leader).exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.save()
    r = client.post("/account/totp/", {"op": "disable", "otp_token": _code(device, ahead=1)})
    assert r.status_code == 302 and not TOTPDevice.objects.filter(user=leader, confirmed=True).exists()
    assert AuditEntry.objects.filter(action="account.totp_disable").exists()
    r = Client().post("/login/", {"username": "demo_leader", "password": PASSWORD})
    assert r.status_code == 302
