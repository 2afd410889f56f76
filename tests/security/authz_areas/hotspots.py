"""Authorization-matrix entries of hot spots and early warning (issue 12): the 热点问题 page, the alert inbox,
one alert and its 知悉, and their API. For analysts, leaders and admins (others: 404, like the statistics
pages); an alert is seen by those who see one of its petitions (the world's district-1 accusation), so
district 2 gets 404."""

from __future__ import annotations

from test_authz_matrix import E

READERS = {"leader", "reviewer", "analyst", "admin"}
CITY = {"demo_city_leader": 200, "demo_city_dispatcher": 404}
A = {"alert_id": "hotspots_alert"}

WEB = {
    "web:hotspots": E(READERS, city=CITY),
    "web:hotspots_alerts": E(READERS, city=CITY),
    "web:hotspots_alert": E(READERS, fill=A, scoped=True, city=CITY),
    "web:hotspots_alert_ack": E(READERS, fill=A, method="POST", scoped=True, ok=302,
                                city={"demo_city_leader": 302, "demo_city_dispatcher": 404}),
}

API = {
    ("GET", "/hotspots"): E(READERS, city=CITY),
    ("GET", "/alerts"): E(READERS, city=CITY),
}


def build(world) -> None:
    """A collective-visit alert about the world's accusation."""
    from django.utils import timezone

    from xinfang.insight.hotspots.models import Alert

    now = timezone.now()
    alert = Alert.objects.create(kind="collective", key="authz-matrix", title="集体访信号", why="测试：集体访",
                                 fired_at=now, week=timezone.localdate(now), count=1)
    alert.members.add(world.petition)
    world.other["hotspots_alert"] = alert
