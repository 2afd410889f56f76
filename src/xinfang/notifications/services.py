"""Writes of notifications: `notify` puts a message in each recipient's inbox and, by their
preferences, in the SMS/e-mail outbox (one `Dispatch` per channel), inside the caller's transaction;
the sending job (`tasks.send_dispatches`) is queued when that transaction commits.

Sending (docs/notifications.md): `dispatch_claim` takes a due dispatch with a lease (a conditional
UPDATE; row locks skip the ones another worker holds), `dispatch_send` sends it; the log sender's record
and the sent mark commit in one transaction (exactly once). A dispatch still "sending" after its lease
expired lost its worker: it is claimed again and sent with the same message id.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError, NotFound

from .kinds import KINDS
from .models import CHANNEL_EMAIL, CHANNEL_SMS, CitizenMessage, Contact, Dispatch, Notification, Preference

logger = logging.getLogger("xinfang.notifications")

RETRY_SECONDS = 30  # the first retry after a failed send; doubled on each further attempt


def _recipients(recipients) -> list:
    seen, out = set(), []
    for user in recipients or []:
        if user is None or not getattr(user, "is_active", True) or user.pk in seen:
            continue
        seen.add(user.pk)
        out.append(user)
    return out


def channels_for(users, kind: str) -> dict[int, tuple[bool, bool]]:
    """{user id: (by SMS, by e-mail)} for `kind`: the user's Preference, else the kind's defaults."""
    default = KINDS.get(kind, ("", False, False))[1:]
    chosen = {p.user_id: (p.sms, p.email) for p in Preference.objects.filter(user__in=[u.pk for u in users],
                                                                             kind=kind)}
    return {u.pk: chosen.get(u.pk, default) for u in users}


def _phones(users) -> dict[int, str]:
    return {c.user_id: c.phone_enc for c in Contact.objects.filter(user__in=[u.pk for u in users]).exclude(
        phone_enc="")}


def _enqueue_sending(*, unless_running: bool = False) -> None:
    """Queue the sending job unless one is already waiting (a running one may have looked already; the
    sweep, which only picks up retries and dead workers' leftovers, also leaves it to a running one)."""
    try:
        from django_tasks_db.models import DBTaskResult

        from .tasks import send_dispatches

        statuses = ["READY", "RUNNING"] if unless_running else ["READY"]
        if not DBTaskResult.objects.filter(task_path=send_dispatches.module_path, status__in=statuses).exists():
            send_dispatches.enqueue()
    except Exception:  # no queue (another backend) or a busy database: the outbox sweep queues it later
        logger.warning("could not queue the sending of notifications", exc_info=True)


def notify(*, recipients, kind: str, title: str, body: str = "", link: str = "", petition=None,
           dedupe_key: str = "", at: dt.datetime | None = None) -> list[Notification]:
    """Send one message to each active recipient (users; duplicates ignored). With `dedupe_key`, a
    recipient who already got a message with that key gets nothing new (a sweep run twice sends once).
    By each recipient's preferences the message also goes by SMS and/or e-mail (queued in the outbox,
    sent by the worker within seconds of the commit). Returns the messages created."""
    at = at or timezone.now()
    petition_id = getattr(petition, "pk", petition)
    created = []
    users = _recipients(recipients)
    for user in users:
        if dedupe_key and Notification.objects.filter(recipient=user, dedupe_key=dedupe_key).exists():
            continue
        row = Notification(recipient=user, kind=kind, title=title[:200], body=body, link=link[:300],
                           petition_id=petition_id, dedupe_key=dedupe_key[:200], created_at=at)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # a concurrent run stored the same key first
            continue
        created.append(row)
    if created:
        _outbox_add(created, kind, at)
    return created


def notify_citizen(*, phone: str, text: str, petition=None, secret: str = "", dedupe_key: str = "",
                   at: dt.datetime | None = None) -> CitizenMessage | None:
    """Queue an SMS to a citizen's phone (the portal's receipt): one outbox dispatch, sent by the worker
    like every notification. `secret` (the query code, part of `text`) is never written to the log
    sender's record. With `dedupe_key`, a second call with the same key sends nothing (None)."""
    from xinfang.common.crypto import encrypt

    phone = (phone or "").strip()
    if not phone or not text:
        return None
    at = at or timezone.now()
    if dedupe_key and CitizenMessage.objects.filter(dedupe_key=dedupe_key[:200]).exists():
        return None
    row = CitizenMessage.objects.create(phone_enc=encrypt(phone), text_enc=encrypt(text),
                                        secret_enc=encrypt(secret) if secret else "",
                                        petition_id=getattr(petition, "pk", petition), dedupe_key=dedupe_key[:200],
                                        created_at=at)
    Dispatch.objects.create(citizen=row, channel=CHANNEL_SMS, message_id=uuid.uuid4().hex, next_at=at, created_at=at)
    transaction.on_commit(_enqueue_sending)
    return row


def _outbox_add(rows: list[Notification], kind: str, at: dt.datetime) -> None:
    users = [row.recipient for row in rows]
    wanted = channels_for(users, kind)
    phones = _phones(users) if any(sms for sms, _email in wanted.values()) else {}
    dispatches = []
    for row in rows:
        sms, email = wanted[row.recipient_id]
        if sms and phones.get(row.recipient_id):
            dispatches.append(Dispatch(notification=row, channel=CHANNEL_SMS, message_id=uuid.uuid4().hex,
                                       next_at=at, created_at=at))
        if email and (row.recipient.email or "").strip():
            dispatches.append(Dispatch(notification=row, channel=CHANNEL_EMAIL, message_id=uuid.uuid4().hex,
                                       next_at=at, created_at=at))
    if dispatches:
        Dispatch.objects.bulk_create(dispatches)
        transaction.on_commit(_enqueue_sending)


def notification_read(*, user, notification_id) -> Notification:
    """Mark one of the user's own messages read (another user's answers not found)."""
    try:
        pk = int(notification_id)
    except (TypeError, ValueError):
        raise NotFound(_("消息不存在。")) from None
    row = Notification.objects.filter(pk=pk, recipient_id=getattr(user, "pk", None)).first() \
        if 0 < pk < 2**63 else None
    if row is None:
        raise NotFound(_("消息不存在。"))
    if row.read_at is None:
        row.read_at = timezone.now()
        row.save(update_fields=["read_at"])
    return row


def notifications_read_all(*, user) -> int:
    """Mark all the user's unread messages read; how many."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())


# ---- preferences ------------------------------------------------------------------------------

def preferences_of(user) -> list[dict]:
    """Every kind with the user's choice (or its default): [{kind, label, sms, email}]."""
    chosen = {p.kind: p for p in Preference.objects.filter(user_id=user.pk)}
    out = []
    for kind, (label, sms, email) in KINDS.items():
        p = chosen.get(kind)
        out.append({"kind": kind, "label": str(label), "sms": p.sms if p else sms, "email": p.email if p else email})
    return out


def preferences_set(*, user, choices: dict[str, tuple[bool, bool]], phone: str | None = None,
                    email: str | None = None) -> None:
    """Store the user's choices ({kind: (sms, email)}, unknown kinds refused) and, when given, the mobile
    number for SMS (empty: removed) and the e-mail address. One transaction; audited (the phone masked)."""
    from django.contrib.auth import get_user_model
    from django.core.validators import validate_email
    from django.forms import ValidationError

    from xinfang.audit.services import audit_record
    from xinfang.common import crypto
    from xinfang.common.validators import _MOBILE_RE, normalise_phone

    unknown = sorted(set(choices) - set(KINDS))
    if unknown:
        raise ApplicationError(_("未知的消息类别：%(kind)s") % {"kind": unknown[0][:40]}, "invalid", "kind")
    if phone is not None:
        phone = normalise_phone(phone)
        if "\x00" in phone or (phone and not _MOBILE_RE.match(phone)):
            raise ApplicationError(_("手机号码无效：请填写11位手机号。"), "invalid", "phone")
    if email is not None:
        email = email.strip()
        if email:
            try:
                if len(email) > 254 or "\x00" in email:
                    raise ValidationError("")
                validate_email(email)
            except ValidationError:
                raise ApplicationError(_("电子邮箱地址无效。"), "invalid", "email") from None
    with transaction.atomic():
        for kind, (sms, mail) in choices.items():
            Preference.objects.update_or_create(user_id=user.pk, kind=kind,
                                                defaults={"sms": bool(sms), "email": bool(mail)})
        data = {"kinds": {k: [bool(s), bool(m)] for k, (s, m) in sorted(choices.items())}}
        if phone is not None:
            if phone:
                Contact.objects.update_or_create(user_id=user.pk, defaults={"phone_enc": crypto.encrypt(phone)})
            else:
                Contact.objects.filter(user_id=user.pk).delete()
            data["phone"] = crypto.mask_phone(phone)
        if email is not None and email != user.email:
            get_user_model().objects.filter(pk=user.pk).update(email=email)
            user.email = email
            data["email_changed"] = True
        audit_record(actor=user, action="notifications.preferences", obj=user, data=data)


def contact_phone_masked(user) -> str:
    from xinfang.common.crypto import mask_phone

    contact = Contact.objects.filter(user_id=user.pk).first()
    return mask_phone(contact.phone) if contact else ""


# ---- the outbox ---------------------------------------------------------------------------------

def _lease_seconds() -> float:
    return float(getattr(settings, "XINFANG_NOTIFY_LEASE_SECONDS", 60))


def _due(now: dt.datetime):
    return Dispatch.objects.filter(models.Q(status=Dispatch.PENDING, next_at__lte=now)
                                   | models.Q(status=Dispatch.SENDING, lease_until__lt=now))


def dispatches_due_exist(now: dt.datetime | None = None) -> bool:
    return _due(now or timezone.now()).exists()


def dispatch_claim(*, worker_id: str, now: dt.datetime | None = None) -> Dispatch | None:
    """Take the next due dispatch for this worker, with a lease; None when none is due."""
    for _try in range(5):
        now = now or timezone.now()
        with transaction.atomic():
            row = _due(now).select_for_update(skip_locked=True).order_by("next_at", "id").first()
            if row is None:
                return None
            # conditional: on SQLite (no row locks) another process may have claimed it meanwhile
            taken = _due(now).filter(pk=row.pk).update(
                status=Dispatch.SENDING, claimed_by=worker_id, attempts=models.F("attempts") + 1,
                lease_until=now + dt.timedelta(seconds=_lease_seconds()))
        if taken:
            row.refresh_from_db()
            return row
        now = None
    return None


def dispatch_send(*, dispatch: Dispatch, worker_id: str) -> str:
    """Send a claimed dispatch; returns its new status."""
    from .rendering import render
    from .senders import sender_for

    notification = dispatch.notification
    try:
        sender = sender_for(dispatch.channel)
        secret = ""
        if dispatch.citizen_id is not None:  # a citizen's SMS (notify_citizen)
            from xinfang.common.crypto import decrypt

            citizen = dispatch.citizen
            address, secret = decrypt(citizen.phone_enc), decrypt(citizen.secret_enc)
        elif dispatch.channel == CHANNEL_SMS:
            contact = Contact.objects.filter(user_id=notification.recipient_id).first()
            address = contact.phone if contact else ""
        else:
            address = (notification.recipient.email or "").strip()
        if not address:
            raise ValueError("the recipient has no address for this channel")
        if dispatch.citizen_id is not None:
            subject, text = "", decrypt(citizen.text_enc)
        else:
            subject, text = render(notification, dispatch.channel)
        from .senders import Outgoing

        message = Outgoing(dispatch.message_id, dispatch.channel, address, subject, text, secret)
        if sender.in_transaction:
            with transaction.atomic():
                current = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
                if current.status == Dispatch.SENT:  # another worker took it over and finished it
                    return Dispatch.SENT
                sender.send(message)
                _mark_sent(dispatch)
        else:
            if Dispatch.objects.filter(pk=dispatch.pk, status=Dispatch.SENT).exists():
                return Dispatch.SENT
            sender.send(message)
            _mark_sent(dispatch)
        return Dispatch.SENT
    except IntegrityError:  # the log sender's record exists: another worker delivered it and marked it
        return Dispatch.objects.get(pk=dispatch.pk).status
    except Exception as exc:
        return _mark_failed(dispatch, exc)


def _mark_sent(dispatch: Dispatch) -> None:
    now = timezone.now()
    Dispatch.objects.filter(pk=dispatch.pk).exclude(status=Dispatch.SENT).update(
        status=Dispatch.SENT, sent_at=now, lease_until=None, last_error="")


def _mark_failed(dispatch: Dispatch, exc: Exception) -> str:
    attempts = Dispatch.objects.filter(pk=dispatch.pk).values_list("attempts", flat=True).first() or 1
    final = attempts >= int(getattr(settings, "XINFANG_NOTIFY_MAX_ATTEMPTS", 5))
    status = Dispatch.FAILED if final else Dispatch.PENDING
    error = f"{type(exc).__name__}: {exc}"[:2000]
    logger.warning("dispatch %s (%s) attempt %s failed: %s", dispatch.message_id, dispatch.channel, attempts, error)
    Dispatch.objects.filter(pk=dispatch.pk, status=Dispatch.SENDING).update(
        status=status, lease_until=None, last_error=error,
        next_at=timezone.now() + dt.timedelta(seconds=RETRY_SECONDS * 2 ** min(attempts - 1, 10)))
    return status


def dispatches_send(*, limit: int | None = None) -> dict[str, int]:
    """Send due dispatches until none is left (or `limit`): {"sent": n, "failed": n, "retry": n}."""
    worker_id = get_random_string(24)
    counts = {"sent": 0, "failed": 0, "retry": 0}
    while limit is None or sum(counts.values()) < limit:
        dispatch = dispatch_claim(worker_id=worker_id)
        if dispatch is None:
            break
        status = dispatch_send(dispatch=dispatch, worker_id=worker_id)
        counts["sent" if status == Dispatch.SENT else "failed" if status == Dispatch.FAILED else "retry"] += 1
    return counts


def outbox_sweep(now: dt.datetime) -> int:
    """The sweep rule of the outbox: queue the sending job when a dispatch is due (a retry whose time
    came, one left "sending" by a worker that died); 1 when it queued one."""
    if not dispatches_due_exist():
        return 0
    _enqueue_sending(unless_running=True)
    return 1
