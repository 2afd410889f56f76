"""PostgreSQL: a move of a petition and the worker issuing that petition's notice at the same moment.

A move locks its petition (FOR UPDATE) and then the audit head. The notice's row has a foreign key to the
petition, checked at COMMIT (Django's constraints are deferred), which needs a key-share lock on the
petition: taken there, after the audit head, it deadlocked with the move (bench notices, live run). The
issuing transaction takes it first (`services._hold_petitions`), so the notice waits for the move."""

from __future__ import annotations

import threading
import time

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.mark.parametrize("batch", [True, False])
def test_a_move_and_the_notice_of_its_petition_do_not_deadlock(register, media, batch):
    from django.db import connection, connections, transaction

    from xinfang.audit.services import audit_record, audit_verify
    from xinfang.common.jobs import in_worker
    from xinfang.petitions.models import Petition
    from xinfang.reports.notices.services import _notices_one, notices_for_events
    from xinfang.workflow.models import PetitionEvent

    if connection.vendor != "postgresql":
        pytest.skip("row locks and deferred foreign keys: PostgreSQL")
    p, _ = register()
    event = PetitionEvent.objects.get(petition=p, action="register")
    locked, errors = threading.Event(), []

    def move():
        try:
            with transaction.atomic():
                Petition.objects.select_for_update().get(pk=p.pk)
                locked.set()
                time.sleep(1.5)  # the worker issues the petition's notice meanwhile
                audit_record(actor="system", action="petition.test_move", obj=p)
        except Exception as exc:  # noqa: BLE001 - the deadlock, if any, is the finding
            errors.append(exc)
        finally:
            connections.close_all()

    mover = threading.Thread(target=move)
    mover.start()
    assert locked.wait(10)
    started = time.monotonic()
    with in_worker():
        docs = notices_for_events([event.pk])[0] if batch else _notices_one(event.pk)
    waited = time.monotonic() - started
    mover.join(20)
    assert not errors, errors
    assert len(docs) == 1 and docs[0].number == p.number
    assert waited > 0.5  # it waited for the move's transaction instead of taking the audit head first
    assert audit_verify().ok
