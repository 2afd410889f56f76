"""The demo seed of 消息: idempotent, a first message for each account, contacts for leaders and
supervisors (so the demo's SMS show in the outbox)."""

from django.utils import timezone


def test_seed_demo_is_idempotent(users):
    from xinfang.notifications.models import Contact, Notification
    from xinfang.web.management.demo_notifications import seed_demo

    seed_demo(users, timezone.now())
    seed_demo(users, timezone.now())
    active = [u for u in users.values() if u.is_active]
    assert Notification.objects.filter(dedupe_key="demo:welcome", kind="system").count() == len(active)
    assert Contact.objects.filter(user=users["demo_leader"]).exists()
    assert not Contact.objects.filter(user=users["demo_clerk"]).exists()
