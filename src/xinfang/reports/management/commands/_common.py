"""Shared by the report commands: dates and whose view is counted."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


class SystemView:
    """The operator's view from the command line: every petition (like a superuser), no units."""

    is_authenticated = True
    is_superuser = True
    is_active = True
    username = "system"
    pk = None
    _xinfang_memberships: list = []


def report_user(username: str | None):
    if not username:
        return SystemView()
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"用户不存在或已停用：{username}")
    return user


def parse_date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CommandError(f"{name} 日期格式应为 YYYY-MM-DD：{value}") from None
