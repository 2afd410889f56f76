"""A citizen's SMS (the portal's receipt) goes through the outbox like any notification: one dispatch,
sent by the worker's job, the phone and the text encrypted at rest, the query code never written to the
log sender's record or the log, the same message id on every attempt, dedupe by key."""

from __future__ import annotations

import logging

import pytest

from xinfang.common import crypto
from xinfang.notifications.models import CitizenMessage, Dispatch, LoggedMessage
from xinfang.notifications.services import dispatches_send, notify_citizen

pytestmark = pytest.mark.django_db

TEXT = "您的信访件已登记，编号DH-XF-2026-000123，查询码ABCD2345，请妥善保管。"


def test_a_citizen_sms_is_queued_encrypted_and_sent_without_the_code_in_the_record(caplog):
    row = notify_citizen(phone="13700137000", text=TEXT, secret="ABCD2345", dedupe_key="portal-receipt:1")
    assert row is not None
    stored = CitizenMessage.objects.get(pk=row.pk)
    assert "13700137000" not in stored.phone_enc and "ABCD2345" not in stored.text_enc
    assert crypto.decrypt(stored.text_enc) == TEXT
    dispatch = Dispatch.objects.get(citizen=row)
    assert (dispatch.channel, dispatch.status, dispatch.notification_id) == ("sms", Dispatch.PENDING, None)
    with caplog.at_level(logging.INFO, logger="xinfang.notifications"):
        assert dispatches_send()["sent"] == 1
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.SENT
    logged = LoggedMessage.objects.get(message_id=dispatch.message_id)
    assert "DH-XF-2026-000123" in logged.body
    assert "ABCD2345" not in logged.body and "********" in logged.body
    assert logged.address == crypto.mask_phone("13700137000")
    assert "ABCD2345" not in caplog.text and "13700137000" not in caplog.text


def test_the_same_dedupe_key_sends_once_and_empty_input_sends_nothing():
    assert notify_citizen(phone="13700137000", text=TEXT, dedupe_key="portal-receipt:2") is not None
    assert notify_citizen(phone="13700137000", text=TEXT, dedupe_key="portal-receipt:2") is None
    assert notify_citizen(phone="", text=TEXT) is None
    assert notify_citizen(phone="13700137000", text="") is None
    assert Dispatch.objects.filter(citizen__isnull=False).count() == 1


def test_the_http_gateway_gets_the_full_text(settings, monkeypatch):
    """The gateway (the true outside boundary, so its request is captured) receives the code: the
    citizen must get it; only the local log record is masked."""
    from xinfang.notifications import senders

    sent = []
    settings.XINFANG_SMS_SENDER = "http"
    settings.XINFANG_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    monkeypatch.setattr(senders.HttpSmsSender, "send", lambda self, message: sent.append(message))
    notify_citizen(phone="13700137000", text=TEXT, secret="ABCD2345")
    assert dispatches_send()["sent"] == 1
    assert [(m.address, m.text) for m in sent] == [("13700137000", TEXT)]
