"""Login throttling over the real login form (django-axes): 30 wrong passwords lock the account, the
right password then fails until the lock ends, each failure is in the audit log; per address too."""

import datetime as dt

import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from xinfang.audit.models import AuditEntry

PASSWORD = "xinfang-demo-2026"
LIMIT = 30


def _post_login(client, username, password, ip="10.0.0.7"):
    return client.post("/login/", {"username": username, "password": password, "next": "/"}, REMOTE_ADDR=ip)


def _is_logged_in(client) -> bool:
    return client.get("/").status_code == 200


def _login_failure_rows(username):
    """The audit app records Django's user_login_failed as "auth.login_failed" (the name tried)."""
    return [e for e in AuditEntry.objects.filter(action__icontains="login").filter(action__icontains="fail")
            if e.data.get("username") == username]


def test_thirty_wrong_passwords_lock_the_account_until_the_lock_ends(org, settings):
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    client = Client()
    for i in range(LIMIT - 1):
        r = _post_login(client, "demo_clerk", f"wrong-{i}")
        assert r.status_code == 200 and "用户名或密码不正确" in r.content.decode()
    r = _post_login(client, "demo_clerk", "wrong-last")
    assert r.status_code == 429  # the 30th failure locks
    # The right password now fails, on the login page, with a clear Chinese message (not a bare 403).
    r = _post_login(client, "demo_clerk", PASSWORD)
    body = r.content.decode()
    assert r.status_code == 429 and "登录失败次数过多" in body and "30 分钟后再试" in body
    assert 'name="password"' in body and "<header" in body  # the login page in the app's layout
    assert not _is_logged_in(client)
    # ... also from another address: the account itself is locked.
    r = _post_login(Client(), "demo_clerk", PASSWORD, ip="10.9.9.9")
    assert r.status_code == 429
    # another account from another address is not affected
    r = _post_login(Client(), "demo_handler", PASSWORD, ip="10.9.9.8")
    assert r.status_code == 302

    # Each of the 30 failures was counted, and each is in the audit log (with the address); so are
    # the two refused attempts with the right password while locked.
    attempt = AccessAttempt.objects.filter(username="demo_clerk", ip_address="10.0.0.7").get()
    assert attempt.failures_since_start >= LIMIT
    audited = _login_failure_rows("demo_clerk")
    assert len(audited) == LIMIT + 2
    assert sum(e.data.get("remote_addr") == "10.0.0.7" for e in audited) == LIMIT + 1

    # After the cool-off the right password works again (and resets the count).
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31), tick=False):
        client = Client()
        r = _post_login(client, "demo_clerk", PASSWORD)
        assert r.status_code == 302 and _is_logged_in(client)


def test_exactly_thirty_failures_are_in_the_audit_log(org):
    """Each failure is one audit row, and the audit chain still verifies."""
    from xinfang.audit.services import audit_verify

    client = Client()
    for i in range(LIMIT):
        _post_login(client, "demo_leader", f"nope-{i}")
    assert len(_login_failure_rows("demo_leader")) == LIMIT
    assert all("nope" not in str(e.data) for e in _login_failure_rows("demo_leader"))  # never the password
    assert audit_verify().ok


def test_thirty_failures_from_one_address_lock_the_address(org):
    """Guessing across many accounts from one address: the address is locked, for every account."""
    client = Client()
    names = [u for u in org.users if u.startswith("demo_")][:LIMIT]
    for i in range(LIMIT):
        _post_login(client, names[i % len(names)], f"guess-{i}", ip="10.0.0.99")
    r = _post_login(client, "demo_analyst", PASSWORD, ip="10.0.0.99")
    assert r.status_code == 429 and "登录失败次数过多" in r.content.decode()
    # the same account from its own desk is fine
    assert _post_login(Client(), "demo_analyst", PASSWORD, ip="10.0.0.5").status_code == 302


def test_a_successful_login_resets_the_count(org):
    client = Client()
    for i in range(LIMIT - 1):
        _post_login(client, "demo_supervisor", f"typo-{i}")
    assert _post_login(client, "demo_supervisor", PASSWORD).status_code == 302
    client.post("/logout/")
    for i in range(LIMIT - 1):
        _post_login(client, "demo_supervisor", f"typo-again-{i}")
    assert _post_login(client, "demo_supervisor", PASSWORD).status_code == 302


def test_admin_login_is_throttled_too(org):
    client = Client()
    for i in range(LIMIT):
        client.post("/admin/login/", {"username": "demo_admin", "password": f"x{i}"}, REMOTE_ADDR="10.0.0.8")
    r = client.post("/admin/login/", {"username": "demo_admin", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8")
    assert r.status_code == 429 and "登录失败次数过多" in r.content.decode()
    assert client.get("/admin/").status_code == 302  # still not signed in
