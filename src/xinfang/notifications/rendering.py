"""The texts of SMS and e-mail per kind: a template per kind (or the default), filled from the
notification's title, body and link. Placeholders: {title} {body} {kind_label} {url} {url_line}."""

from __future__ import annotations

from django.conf import settings

from .kinds import kind_label

DEFAULT = {
    "sms": "【信访】{kind_label}：{title}",
    "subject": "[信访系统] {kind_label}：{title}",
    "email": "{title}\n\n{body}\n{url_line}\n——信访工作平台（系统自动发送，请勿回复）",
}

# kind: overrides of DEFAULT
TEMPLATES: dict[str, dict[str, str]] = {
    "urge": {"sms": "【信访】催办：{title}。请尽快办理并反馈。"},
    "escalation": {"sms": "【信访】超期升级：{title}。请督促办理。"},
    "supervision": {"sms": "【信访】督办：{title}。请按要求办理并报告进展。"},
    "supervision_due": {"sms": "【信访】督办即将到期：{title}。"},
    "instruction": {"sms": "【信访】领导批示：{title}。请按批示办理并反馈。"},
    "informant_urgent": {"sms": "【信访】紧急信息：{title}。请立即查看并处置。",
                         "subject": "[信访系统] 紧急信息：{title}"},
    "deadline_serious": {"sms": "【信访】时限严重警告：{title}。"},
}

SMS_MAX = 300


class _Safe(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def render(notification, channel: str) -> tuple[str, str]:
    """(subject, text) of `notification` for `channel` ("sms": no subject)."""
    templates = {**DEFAULT, **TEMPLATES.get(notification.kind, {})}
    base = (getattr(settings, "XINFANG_SITE_URL", "") or "").rstrip("/")
    url = f"{base}{notification.link}" if notification.link else ""
    values = _Safe(title=notification.title, body=notification.body or "", kind_label=kind_label(notification.kind),
                   url=url, url_line=f"\n查看：{url}" if url else "")
    if channel == "sms":
        return "", templates["sms"].format_map(values)[:SMS_MAX]
    return templates["subject"].format_map(values)[:300].replace("\n", " "), templates["email"].format_map(values)
