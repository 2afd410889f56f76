"""Finding 3: the published development keys never run a real installation.

With production settings (XINFANG_DEBUG=0, a real host name) and no keys, `xinfang check --deploy`
fails and the web server (the WSGI module, gunicorn) and the worker refuse to start, each naming the
variable to set; with real keys and XINFANG_SECURE=1 the deploy check passes. Demo mode
(XINFANG_DEMO=1, `make run`) and development (XINFANG_DEBUG=1) still start with the development keys,
and only demo mode creates the demo accounts (each with its own salt). The test suite itself runs in
demo mode (settings.DEMO_MODE is on under pytest), so these tests start the commands with a clean
environment of their own.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import override_settings

from xinfang.common.checks import key_messages

BIN = Path(sys.executable).parent
KEYS = ("XINFANG_SECRET_KEY", "XINFANG_DATA_KEY", "XINFANG_AUDIT_KEY")
PRODUCTION = {"XINFANG_DEBUG": "0", "XINFANG_ALLOWED_HOSTS": "xf.example.gov.cn"}


def _env(tmp_path, **extra) -> dict:
    """The inherited environment without pytest's marker, the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE and
    any xinfang setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE") and not k.startswith("XINFANG_")}
    env.update(XINFANG_HOME=str(tmp_path), XINFANG_DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    env.update(extra)
    return env


def _keys() -> dict:
    return {k: secrets.token_urlsafe(36) for k in KEYS}  # 48 characters each


def _run(args, env, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_check_deploy_fails_without_keys_in_production(tmp_path):
    r = _run([str(BIN / "xinfang"), "check", "--deploy"], _env(tmp_path, **PRODUCTION), tmp_path)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    for key in KEYS:
        assert f"{key} is not set" in out, out
        assert f"未设置 {key}" in out, out
    assert "xinfang.E002" in out and "personal data" in out


def test_check_deploy_passes_with_keys_and_https(tmp_path):
    env = _env(tmp_path, **PRODUCTION, **_keys(), XINFANG_SECURE="1")
    r = _run([str(BIN / "xinfang"), "check", "--deploy"], env, tmp_path)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "xinfang.E" not in out and "is not set" not in out
    # XINFANG_SECURE=1 answers Django's own transport warnings (cookies, HSTS, redirect)
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning not in out, out


def test_one_missing_key_is_named(tmp_path):
    keys = _keys()
    del keys["XINFANG_DATA_KEY"]
    r = _run([str(BIN / "xinfang"), "check", "--deploy"], _env(tmp_path, **PRODUCTION, **keys), tmp_path)
    out = r.stdout + r.stderr
    assert r.returncode != 0
    assert "XINFANG_DATA_KEY is not set" in out
    assert "XINFANG_SECRET_KEY is not set" not in out and "XINFANG_AUDIT_KEY is not set" not in out


def test_wsgi_refuses_to_start_without_keys(tmp_path):
    r = _run([sys.executable, "-c", "import xinfang.config.wsgi"], _env(tmp_path, **PRODUCTION), tmp_path)
    assert r.returncode != 0
    assert "ImproperlyConfigured" in r.stderr and "XINFANG_DATA_KEY is not set" in r.stderr, r.stderr
    assert "XINFANG_DEMO=1" in r.stderr  # the way out for a demo is named too


@pytest.mark.parametrize("mode", [{"XINFANG_DEMO": "1"}, {"XINFANG_DEBUG": "1"}])
def test_wsgi_starts_in_demo_or_debug_mode(tmp_path, mode):
    r = _run([sys.executable, "-c", "import xinfang.config.wsgi as w; print(callable(w.application))"],
             _env(tmp_path, XINFANG_ALLOWED_HOSTS="xf.example.gov.cn", **mode), tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True"


def test_wsgi_starts_with_keys(tmp_path):
    r = _run([sys.executable, "-c", "import xinfang.config.wsgi"], _env(tmp_path, **PRODUCTION, **_keys()), tmp_path)
    assert r.returncode == 0, r.stderr


def test_gunicorn_refuses_to_start_without_keys(tmp_path):
    """The real web server: gunicorn loads the application (--check-config) and gives up with the message."""
    r = _run([str(BIN / "gunicorn"), "--check-config", "xinfang.config.wsgi"], _env(tmp_path, **PRODUCTION), tmp_path)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "XINFANG_SECRET_KEY is not set" in out, out


def test_worker_refuses_to_start_without_keys(tmp_path):
    r = _run([str(BIN / "xinfang"), "worker", "--once"], _env(tmp_path, **PRODUCTION), tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "xinfang 拒绝启动" in r.stderr and "XINFANG_AUDIT_KEY is not set" in r.stderr
    assert "Traceback" not in r.stderr  # a message for operators, not a stack


def test_demo_command_refused_outside_demo_mode(tmp_path):
    """`xinfang demo --if-empty` on a production database: non-zero exit, the message, no account."""
    env = _env(tmp_path, **PRODUCTION, **_keys())
    assert _run([str(BIN / "xinfang"), "migrate", "-v", "0"], env, tmp_path).returncode == 0
    r = _run([str(BIN / "xinfang"), "demo", "--if-empty"], env, tmp_path)
    assert r.returncode != 0
    assert "XINFANG_DEMO=1" in r.stderr and "createsuperuser" in r.stderr, r.stderr
    count = _run([str(BIN / "xinfang"), "shell", "-c",
                  "from django.contrib.auth import get_user_model; print(get_user_model().objects.count())"],
                 env, tmp_path)
    assert count.stdout.strip().splitlines()[-1] == "0", count.stdout + count.stderr


# ---- in-process: the checks themselves, the demo guard, the salts ---------------------------------------

def test_the_suite_runs_in_demo_mode():
    assert settings.DEMO_MODE and settings.UNDER_PYTEST


@override_settings(DEBUG=False, DEMO_MODE=False, SECRET_KEY="insecure-x" * 6, DATA_KEY="", AUDIT_KEY="k" * 40)
def test_key_messages():
    msgs = {m.id: m for m in key_messages()}
    assert set(msgs) == {"xinfang.E001", "xinfang.E002"}
    assert msgs["xinfang.E002"].msg.startswith("XINFANG_DATA_KEY is not set")
    with override_settings(DATA_KEY="short-but-real"):
        assert {m.id for m in key_messages()} == {"xinfang.E001", "xinfang.W002"}
    with override_settings(DEBUG=True):
        assert key_messages() == []
    with override_settings(DEMO_MODE=True):
        assert key_messages() == []


@override_settings(DEBUG=False, DEMO_MODE=False)
def test_check_deploy_in_process_fails_with_development_keys():
    with pytest.raises(SystemCheckError, match="XINFANG_SECRET_KEY is not set"):
        call_command("check", "--deploy", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_demo_command_refused_and_nothing_created():
    with override_settings(DEMO_MODE=False), pytest.raises(CommandError, match="XINFANG_DEMO=1"):
        call_command("demo", "--if-empty", stdout=StringIO())
    assert not get_user_model().objects.exists()


def test_demo_accounts_each_have_their_own_salt(org):
    from django.contrib.auth.hashers import check_password

    from xinfang.org.demo import DEMO_PASSWORD

    hashes = list(get_user_model().objects.filter(username__startswith="demo_").values_list("password", flat=True))
    assert len(hashes) >= 20
    assert len(set(hashes)) == len(hashes)  # no two accounts share a hash (and so a salt)
    assert all(check_password(DEMO_PASSWORD, h) for h in hashes)


def test_demo_banner_on_every_page_in_demo_mode(client):
    banner = "演示模式：数据为虚构，账号密码公开，请勿录入真实信息"
    assert banner in client.get("/login/").content.decode()
    with override_settings(DEMO_MODE=False):
        assert banner not in client.get("/login/").content.decode()


def test_settings_follow_xinfang_secure(tmp_path):
    code = ("from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT)")
    run = [sys.executable, "-c", "import django; django.setup(); " + code]
    env = _env(tmp_path, DJANGO_SETTINGS_MODULE="xinfang.config.settings", XINFANG_DEMO="1")
    assert _run(run, env, tmp_path).stdout.split() == ["False", "False", "0", "False", "None", "False"]
    on = _run(run, {**env, "XINFANG_SECURE": "1"}, tmp_path).stdout.strip()
    assert on == "True True 31536000 True ('HTTP_X_FORWARDED_PROTO', 'https') True"
    off = _run(run, {**env, "XINFANG_SECURE": "1", "XINFANG_SSL_REDIRECT": "0"}, tmp_path).stdout.split()
    assert off[-1] == "False"
