"""System checks that keep the published development keys out of a real installation (DESIGN §9).

The keys in config/settings.py are published with the source, so data encrypted, signed or chained
with them is readable and forgeable by anyone. Outside development (XINFANG_DEBUG=1) and the demo
(XINFANG_DEMO=1, `make run`) each key must come from the environment:

- `xinfang check --deploy` reports each missing key as an error (tag "security") and exits non-zero;
- the WSGI application (config/wsgi.py) and `xinfang worker` / `xinfang import` refuse to start, with
  the same messages (`refuse_insecure_start`).

The test suite runs in demo mode (settings.DEMO_MODE is on under pytest), like `make run`.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# (environment variable, setting, what the key protects: English, Chinese)
KEYS = (
    ("XINFANG_SECRET_KEY", "SECRET_KEY", "sessions, CSRF tokens and signed links could be forged",
     "会话、CSRF 令牌和签名链接可被伪造"),
    ("XINFANG_DATA_KEY", "DATA_KEY", "anyone holding the database file could decrypt the personal data "
     "(ID numbers, phones, addresses)", "任何拿到数据库文件的人都能解密身份证号、电话、住址等个人信息"),
    ("XINFANG_AUDIT_KEY", "AUDIT_KEY", "anyone with database access could rewrite the audit log undetected",
     "能访问数据库的人可以改写审计日志而不被发现"),
)
DEVELOPMENT_PREFIX = "insecure-"  # every development key in config/settings.py starts with it
MIN_KEY_LENGTH = 32


def development_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "DEMO_MODE", False))


def _is_development(value) -> bool:
    return not value or str(value).startswith(DEVELOPMENT_PREFIX)


def key_messages() -> list[checks.CheckMessage]:
    """An error for each development key in use (unless debug or demo mode), a warning for a short key."""
    out: list[checks.CheckMessage] = []
    allowed = development_allowed()
    for n, (env, name, risk_en, risk_zh) in enumerate(KEYS, start=1):
        value = getattr(settings, name, "")
        if _is_development(value):
            if allowed:
                continue
            out.append(checks.Error(
                f"{env} is not set: the published development key is in use and {risk_en}. "
                f"未设置 {env}：正在使用公开的开发密钥，{risk_zh}。",
                hint=(f"Set {env} to a long random value (e.g. the output of `python3 -c \"import secrets; "
                      f"print(secrets.token_urlsafe(48))\"`) and keep it safe; for development set "
                      f"XINFANG_DEBUG=1, for the demo XINFANG_DEMO=1. 请将 {env} 设置为足够长的随机值并妥善保管；"
                      f"开发环境请设置 XINFANG_DEBUG=1，演示请设置 XINFANG_DEMO=1。"),
                id=f"xinfang.E00{n}"))
        elif len(str(value)) < MIN_KEY_LENGTH and not allowed:
            out.append(checks.Warning(
                f"{env} is shorter than {MIN_KEY_LENGTH} characters. {env} 短于 {MIN_KEY_LENGTH} 个字符。",
                hint=f"Use a random value of at least {MIN_KEY_LENGTH} characters. 请使用至少 {MIN_KEY_LENGTH} "
                     f"个字符的随机值。",
                id=f"xinfang.W00{n}"))
    return out


@checks.register(checks.Tags.security, deploy=True)
def check_keys(app_configs=None, **kwargs):
    """`xinfang check --deploy`; the servers run it through `refuse_insecure_start`. Not on every command:
    `make setup` migrates, and `xinfang createsuperuser` runs, before the keys are in place."""
    return key_messages()


@checks.register(checks.Tags.security, deploy=True)
def check_demo_mode(app_configs=None, **kwargs):
    if getattr(settings, "DEMO_MODE", False) and not getattr(settings, "UNDER_PYTEST", False):
        return [checks.Warning(
            "XINFANG_DEMO is on: demo mode allows the development keys and invented accounts with a published "
            "password. XINFANG_DEMO 已开启：演示模式允许开发密钥和公开密码的演示账号，请勿用于真实业务。",
            hint="Unset XINFANG_DEMO in a real installation. 真实部署请勿设置 XINFANG_DEMO。",
            id="xinfang.W010")]
    return []


def refuse_insecure_start() -> None:
    """Raise ImproperlyConfigured naming each variable to set when a server process would start with
    development keys outside debug and demo mode (config/wsgi.py, `xinfang worker`)."""
    errors = [m for m in checks.run_checks(tags=[checks.Tags.security], include_deployment_checks=True)
              if m.is_serious() and not m.is_silenced()]
    if errors:
        lines = ["xinfang refuses to start / xinfang 拒绝启动:"]
        for m in errors:
            lines.append(f"  [{m.id}] {m.msg}")
            if m.hint:
                lines.append(f"      {m.hint}")
        raise ImproperlyConfigured("\n".join(lines))
