"""Authorization-matrix entries of 消息 (issue 10): the inbox, read-all and the preferences page are every
signed-in account's own (their rows only); a message is its recipient's alone: anyone else, in the
district, the other district or the city, gets 404. The world's message (demo_handler's) is already
read, so its recipient marking it read again changes nothing."""

from __future__ import annotations

from test_authz_matrix import CITY_NO, POST_OK, STAFF, E

N = {"notification_id": "notification"}

WEB = {
    "web:notifications": E(STAFF),
    "web:notifications_read_all": E(STAFF, method="POST", ok=POST_OK),
    "web:notification_preferences": E(STAFF),
    "web:notification_read": E({"handler"}, fill=N, method="POST", scoped=True, ok=POST_OK, city=CITY_NO),
    "web:notification_open": E({"handler"}, fill=N, scoped=True, ok=302, city=CITY_NO),
}

API = {
    ("GET", "/notifications"): E(STAFF),
    ("POST", "/notifications/read-all"): E(STAFF, method="POST", body="empty"),
    ("POST", "/notifications/{notification_id}/read"): E({"handler"}, fill=N, method="POST", scoped=True,
                                                          city=CITY_NO, body="empty"),
}


def build(world) -> None:
    from django.utils import timezone

    from xinfang.notifications.services import notify

    row = notify(recipients=[world.org.users["demo_handler"]], kind="urge", title="催办：测试消息",
                 link="/notifications/")[0]
    row.read_at = timezone.now()
    row.save(update_fields=["read_at"])
    world.other["notification"] = row
