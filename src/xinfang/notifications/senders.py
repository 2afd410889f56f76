"""Senders of the outbox, one interface per channel (docs/notifications.md).

A sender gets an `Outgoing` (message id, address, subject, text) and either returns (sent) or raises
(`SendError`: tried again later). `sender_for(channel)` picks it by setting:

- XINFANG_EMAIL_SENDER: "log" (default) or "smtp" (Django's EMAIL_* settings);
- XINFANG_SMS_SENDER: "log" (default) or "http" (XINFANG_SMS_GATEWAY_URL: a documented stub).

`in_transaction` senders (the log sender) do their work inside the transaction that marks the dispatch
sent: the record and the mark commit together, so each message is delivered exactly once. Any sender
that talks to the outside (SMTP, an SMS gateway) sends first and the mark commits after: a worker that
dies between the two leaves the dispatch "sending", and it is sent again with the same message id once
its lease expires. That is at-least-once: the e-mail carries a stable Message-ID built from the message
id, so the resend is recognisable (and most mail systems drop it), an SMS gateway gets the id as its
client reference. No outside gateway can do better without a two-phase protocol of its own.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("xinfang.notifications")


class SendError(Exception):
    """The message could not be sent this time (it is tried again later)."""


@dataclass
class Outgoing:
    message_id: str
    channel: str
    address: str
    subject: str
    text: str
    secret: str = ""  # a part of `text` (a query code) that the log sender never records

    def text_for_log(self) -> str:
        return self.text.replace(self.secret, "*" * len(self.secret)) if self.secret else self.text


class Sender:
    in_transaction = False

    def send(self, message: Outgoing) -> None:  # pragma: no cover - the interface
        raise NotImplementedError


def _test_delay() -> None:
    delay = float(getattr(settings, "XINFANG_NOTIFY_TEST_DELAY", 0) or 0)
    if delay > 0:
        time.sleep(delay)


class LogSender(Sender):
    """Writes the message to the log and records it in LoggedMessage (keyed by the message id), inside
    the transaction that marks the dispatch sent."""

    in_transaction = True

    def send(self, message: Outgoing) -> None:
        from xinfang.common.crypto import mask_phone

        from .models import CHANNEL_SMS, LoggedMessage

        _test_delay()
        address = mask_phone(message.address) if message.channel == CHANNEL_SMS else message.address
        LoggedMessage.objects.create(message_id=message.message_id, channel=message.channel,
                                     address=address[:254], subject=message.subject[:300], body=message.text_for_log(),
                                     sent_at=timezone.now())
        logger.info("%s to %s [%s]: %s", message.channel, address, message.message_id, message.subject)


class SmtpSender(Sender):
    """E-mail through Django's mail backend (EMAIL_HOST, EMAIL_PORT, ...). The Message-ID header is made
    from the message id: a resend after a crash has the same one."""

    def send(self, message: Outgoing) -> None:
        from django.core.mail import EmailMessage

        _test_delay()
        domain = (settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "xinfang.local").strip(">") or "xinfang.local"
        mail = EmailMessage(subject=message.subject, body=message.text, from_email=settings.DEFAULT_FROM_EMAIL,
                            to=[message.address],
                            headers={"Message-ID": f"<{message.message_id}@{domain}>"})
        try:
            mail.send(fail_silently=False)
        except Exception as exc:
            raise SendError(f"{type(exc).__name__}: {exc}") from exc


class HttpSmsSender(Sender):
    """A stub of an SMS gateway over HTTP: POSTs {"id", "to", "text"} as JSON to XINFANG_SMS_GATEWAY_URL
    (bearer XINFANG_SMS_GATEWAY_TOKEN) and counts any 2xx as sent. Real gateways differ (signatures,
    templates approved in advance): adapt `request()` to the one you contract; `id` is the message id
    for the gateway's duplicate check."""

    timeout = 10

    def request(self, message: Outgoing) -> urllib.request.Request:
        body = json.dumps({"id": message.message_id, "to": message.address, "text": message.text}).encode()
        headers = {"Content-Type": "application/json"}
        if settings.XINFANG_SMS_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.XINFANG_SMS_GATEWAY_TOKEN}"
        return urllib.request.Request(settings.XINFANG_SMS_GATEWAY_URL, data=body, headers=headers, method="POST")

    def send(self, message: Outgoing) -> None:
        if not settings.XINFANG_SMS_GATEWAY_URL:
            raise SendError("XINFANG_SMS_GATEWAY_URL is not set")
        _test_delay()
        try:
            with urllib.request.urlopen(self.request(message), timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except Exception as exc:
            raise SendError(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= status < 300:
            raise SendError(f"gateway answered HTTP {status}")


SENDERS = {"email": {"log": LogSender, "smtp": SmtpSender}, "sms": {"log": LogSender, "http": HttpSmsSender}}


def sender_for(channel: str) -> Sender:
    name = (settings.XINFANG_EMAIL_SENDER if channel == "email" else settings.XINFANG_SMS_SENDER) or "log"
    cls = SENDERS.get(channel, {}).get(name.strip().lower())
    if cls is None:
        raise SendError(f"unknown {channel} sender {name!r}")
    return cls()
