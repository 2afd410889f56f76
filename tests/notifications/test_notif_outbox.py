"""The notifications outbox: the inbox (notify, dedupe), preferences -> one dispatch per channel, the
sending job with its leases (a dispatch left "sending" by a dead worker is sent again with the same
message id, the log sender records each message id once), retries, the SMTP and HTTP-SMS senders."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from xinfang.common import crypto
from xinfang.common.errors import ApplicationError
from xinfang.notifications import senders, services
from xinfang.notifications.models import Contact, Dispatch, LoggedMessage, Notification, Preference
from xinfang.notifications.services import dispatches_send, notify, preferences_set
from xinfang.notifications.tasks import send_dispatches


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    import django_tasks_db.management.commands.db_worker as db_worker

    from xinfang.workflow.management.commands import worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)


@pytest.fixture
def handler(users):
    u = users["demo_handler"]
    preferences_set(user=u, choices={}, phone="13912345678", email="handler@example.gov.cn")
    return u


def _sending_jobs():
    return DBTaskResult.objects.filter(task_path=send_dispatches.module_path)


def test_notify_stores_one_message_per_active_recipient_and_dedupes(users):
    a, b = users["demo_handler"], users["demo_leader"]
    b.is_active = False
    b.save()
    rows = notify(recipients=[a, a, b, None], kind="urge", title="催办：小区停车收费", dedupe_key="urge:1")
    assert [r.recipient_id for r in rows] == [a.pk]
    assert notify(recipients=[a], kind="urge", title="催办：小区停车收费", dedupe_key="urge:1") == []
    assert len(notify(recipients=[a], kind="urge", title="again without a key")) == 1
    assert Notification.objects.filter(recipient=a).count() == 2


def test_preferences_decide_the_dispatches(users, handler):
    # urge: SMS by default, not e-mail
    n = notify(recipients=[handler], kind="urge", title="催办")[0]
    assert sorted(n.dispatches.values_list("channel", flat=True)) == ["sms"]
    # escalation: both by default; the user turns SMS off
    preferences_set(user=handler, choices={"escalation": (False, True)})
    n = notify(recipients=[handler], kind="escalation", title="超期升级")[0]
    assert sorted(n.dispatches.values_list("channel", flat=True)) == ["email"]
    # the inbox only (a kind with no default channel)
    n = notify(recipients=[handler], kind="deadline_warning", title="预警")[0]
    assert not n.dispatches.exists()
    # no phone: no SMS dispatch even when chosen
    other = users["demo_clerk"]
    n = notify(recipients=[other], kind="urge", title="催办")[0]
    assert not n.dispatches.exists()
    ids = list(Dispatch.objects.values_list("message_id", flat=True))
    assert len(ids) == len(set(ids)) == 2


def test_the_phone_is_stored_encrypted_and_bad_input_is_refused(users, handler):
    contact = Contact.objects.get(user=handler)
    assert "13912345678" not in contact.phone_enc and contact.phone == "13912345678"
    assert services.contact_phone_masked(handler) == "139****5678"
    for bad in ("12345", "1391234567\x00", "abc"):
        with pytest.raises(ApplicationError) as err:
            preferences_set(user=handler, choices={}, phone=bad)
        assert err.value.field == "phone"
    with pytest.raises(ApplicationError):
        preferences_set(user=handler, choices={}, email="not-an-address")
    with pytest.raises(ApplicationError):
        preferences_set(user=handler, choices={"no_such_kind": (True, True)})
    assert Contact.objects.get(user=handler).phone == "13912345678"  # nothing changed on refusal
    preferences_set(user=handler, choices={}, phone="")
    assert not Contact.objects.filter(user=handler).exists()


def test_the_sending_job_is_queued_once_on_commit(handler, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[handler], kind="urge", title="催办一")
        notify(recipients=[handler], kind="urge", title="催办二")
    assert _sending_jobs().filter(status="READY").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[handler], kind="deadline_warning", title="只进站内消息")
    assert _sending_jobs().count() == 1


def test_the_log_sender_records_each_message_once(handler):
    notify(recipients=[handler], kind="escalation", title="超期升级：小区停车收费", link="/petitions/1/")
    assert dispatches_send() == {"sent": 2, "failed": 0, "retry": 0}
    sms = LoggedMessage.objects.get(channel="sms")
    email = LoggedMessage.objects.get(channel="email")
    assert sms.address == "139****5678" and "超期升级" in sms.body  # no phone in clear in the record
    assert email.address == "handler@example.gov.cn" and "小区停车收费" in email.subject
    assert set(Dispatch.objects.values_list("status", flat=True)) == {"sent"}
    assert {sms.message_id, email.message_id} == set(Dispatch.objects.values_list("message_id", flat=True))
    assert dispatches_send() == {"sent": 0, "failed": 0, "retry": 0}


def test_a_dispatch_left_sending_by_a_dead_worker_is_sent_again_with_its_id(handler, settings):
    settings.XINFANG_NOTIFY_LEASE_SECONDS = 30
    notify(recipients=[handler], kind="urge", title="催办")
    d = services.dispatch_claim(worker_id="dead")  # claimed, then the worker died before sending
    assert d.status == "sending" and d.attempts == 1
    assert dispatches_send() == {"sent": 0, "failed": 0, "retry": 0}  # its lease still runs
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=31), tick=False):
        assert dispatches_send()["sent"] == 1
    d.refresh_from_db()
    assert d.status == "sent" and d.attempts == 2
    assert list(LoggedMessage.objects.values_list("message_id", flat=True)) == [d.message_id]


def test_a_late_worker_does_not_deliver_twice(handler):
    """The dead worker's lease expired and another sent it; the first one wakes up and tries: no record
    is added (the sent mark and the record commit together)."""
    notify(recipients=[handler], kind="urge", title="催办")
    d = services.dispatch_claim(worker_id="slow")
    assert services.dispatch_send(dispatch=d, worker_id="slow") == "sent"
    assert services.dispatch_send(dispatch=d, worker_id="late") == "sent"
    assert LoggedMessage.objects.count() == 1


def test_a_crash_inside_the_send_leaves_nothing_recorded(handler, monkeypatch, settings):
    notify(recipients=[handler], kind="urge", title="催办")
    original = senders.LogSender.send

    def record_then_fail(self, message):
        original(self, message)
        raise RuntimeError("the database went away before the commit")

    monkeypatch.setattr(senders.LogSender, "send", record_then_fail)
    assert dispatches_send() == {"sent": 0, "failed": 0, "retry": 1}
    d = Dispatch.objects.get()
    assert d.status == "pending" and "went away" in d.last_error and not LoggedMessage.objects.exists()
    monkeypatch.setattr(senders.LogSender, "send", original)
    assert dispatches_send()["sent"] == 0  # the retry waits its turn
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=services.RETRY_SECONDS + 1), tick=False):
        assert dispatches_send()["sent"] == 1
    assert LoggedMessage.objects.get().message_id == d.message_id


def test_failures_are_retried_then_marked_failed(handler, monkeypatch, settings):
    settings.XINFANG_NOTIFY_MAX_ATTEMPTS = 2

    def fail(self, message):
        raise senders.SendError("gateway down")

    monkeypatch.setattr(senders.LogSender, "send", fail)
    notify(recipients=[handler], kind="urge", title="催办")
    assert dispatches_send()["retry"] == 1
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1), tick=False):
        assert dispatches_send()["failed"] == 1
    d = Dispatch.objects.get()
    assert d.status == "failed" and d.attempts == 2 and "gateway down" in d.last_error


def test_smtp_sender_sets_a_stable_message_id(handler, settings):
    settings.XINFANG_EMAIL_SENDER = "smtp"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "xinfang@dh.example.gov.cn"
    settings.XINFANG_SITE_URL = "https://xinfang.example.gov.cn"
    mail.outbox = []
    notify(recipients=[handler], kind="escalation", title="超期升级：小区停车收费", body="已超期3个工作日",
           link="/petitions/7/")
    assert dispatches_send()["sent"] == 2
    assert len(mail.outbox) == 1
    msg = mail.outbox[0]
    d = Dispatch.objects.get(channel="email")
    assert msg.to == ["handler@example.gov.cn"] and msg.extra_headers["Message-ID"] == \
        f"<{d.message_id}@dh.example.gov.cn>"
    assert msg.message()["Message-ID"] == f"<{d.message_id}@dh.example.gov.cn>"
    assert "超期升级" in msg.subject and "https://xinfang.example.gov.cn/petitions/7/" in msg.body
    assert not LoggedMessage.objects.filter(channel="email").exists()  # the SMS went to the log sender


def test_http_sms_sender_posts_to_the_gateway(handler, settings, monkeypatch):
    import json

    settings.XINFANG_SMS_SENDER = "http"
    settings.XINFANG_SMS_GATEWAY_URL = "https://sms.example.gov.cn/send"
    seen = []

    class Answer:
        status = 200

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    def urlopen(request, timeout):
        seen.append(json.loads(request.data))
        return Answer()

    monkeypatch.setattr(senders.urllib.request, "urlopen", urlopen)  # the outside boundary only
    notify(recipients=[handler], kind="urge", title="催办：小区停车收费")
    assert dispatches_send()["sent"] == 1
    d = Dispatch.objects.get()
    assert seen == [{"id": d.message_id, "to": "13912345678", "text": "【信访】催办：催办：小区停车收费。请尽快办理并反馈。"}]

    def down(request, timeout):
        raise OSError("connection refused")

    monkeypatch.setattr(senders.urllib.request, "urlopen", down)
    notify(recipients=[handler], kind="urge", title="再次催办")
    assert dispatches_send()["retry"] == 1
    assert "connection refused" in Dispatch.objects.get(status="pending").last_error


def test_unknown_sender_setting_fails_the_dispatch_visibly(handler, settings):
    settings.XINFANG_SMS_SENDER = "carrier-pigeon"
    notify(recipients=[handler], kind="urge", title="催办")
    assert dispatches_send()["retry"] == 1
    assert "carrier-pigeon" in Dispatch.objects.get().last_error


def test_worker_once_sends_the_outbox(handler, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[handler], kind="escalation", title="超期升级")
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert set(Dispatch.objects.values_list("status", flat=True)) == {"sent"}
    assert LoggedMessage.objects.count() == 2
    assert _sending_jobs().get().status == "SUCCESSFUL"


def test_the_outbox_sweep_queues_due_retries(handler, settings):
    """Frozen time: a failed send waits RETRY_SECONDS; the sweep after that queues the sending job."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        notify(recipients=[handler], kind="urge", title="催办")
        d = services.dispatch_claim(worker_id="w")
        services._mark_failed(d, RuntimeError("busy"))
        assert services.outbox_sweep(timezone.now()) == 0 and not _sending_jobs().exists()
    with time_machine.travel(start + dt.timedelta(seconds=services.RETRY_SECONDS + 1), tick=False):
        assert services.outbox_sweep(timezone.now()) == 1
        assert services.outbox_sweep(timezone.now()) == 1
        assert _sending_jobs().filter(status="READY").count() == 1  # queued once


def test_preference_rows_default_from_kinds(handler):
    rows = {r["kind"]: r for r in services.preferences_of(handler)}
    assert rows["urge"]["sms"] is True and rows["urge"]["email"] is False
    preferences_set(user=handler, choices={"urge": (False, True)})
    rows = {r["kind"]: r for r in services.preferences_of(handler)}
    assert rows["urge"]["sms"] is False and rows["urge"]["email"] is True
    assert Preference.objects.filter(user=handler).count() == 1
    assert crypto.decrypt(Contact.objects.get(user=handler).phone_enc) == "13912345678"
