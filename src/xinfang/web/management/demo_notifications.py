"""Demo data of 消息 (issue 10): the demo's leaders and supervisors get a (made-up) mobile number and an
e-mail address, so the SMS and e-mail of 督办, 催办 and urgent reports show in the outbox (the log sender:
the worker's log and the LoggedMessage table), and each demo account a first message pointing at the
preferences page. Idempotent (dedupe key; contacts only where none is set)."""

from __future__ import annotations

import datetime as dt


def seed_demo(users: dict, now: dt.datetime) -> None:
    from django.urls import reverse

    from xinfang.notifications.models import Contact
    from xinfang.notifications.services import notify, preferences_set

    for n, (name, user) in enumerate(sorted(users.items())):
        if any(r in name for r in ("leader", "supervisor")) and not Contact.objects.filter(user=user).exists():
            preferences_set(user=user, choices={}, phone=f"139{n:08d}",
                            email=user.email or f"{name}@demo.xinfang.invalid")
        notify(recipients=[user], kind="system", title="欢迎使用消息中心",
               body="催办、督办、批示、紧急信息等提醒会出现在这里；可在“接收设置”中选择同时以短信或邮件接收。",
               link=reverse("web:notification_preferences"), dedupe_key="demo:welcome", at=now)
