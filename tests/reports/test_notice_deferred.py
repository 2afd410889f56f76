"""Notices issued by the worker (issue 13): number, frozen content and audit at once; the PDF and DOCX
rendered from that frozen content on first need, never from the petition as it is later, and kept."""

from __future__ import annotations

import pytest
import time_machine
from notice_helpers import NOW, assert_printed

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _receipt_event(p):
    from xinfang.workflow.models import PetitionEvent

    return PetitionEvent.objects.get(petition=p, action="register")


def test_the_worker_issues_without_rendering_and_the_first_need_renders_what_was_issued(register, media):
    from xinfang.audit.models import AuditEntry
    from xinfang.common.jobs import in_worker
    from xinfang.petitions.models import Petition
    from xinfang.reports.notices.services import (
        file_available,
        file_present,
        notice_source,
        notices_for_event,
        source_digest,
        source_read,
        source_verify,
    )

    with time_machine.travel(NOW, tick=False):
        p, _ = register(title="小区物业违规收取停车费")
        with in_worker():
            (doc,) = notices_for_event(_receipt_event(p).pk)
    # issued: numbered, audited with the SHA-256 of its frozen content; no file rendered yet
    assert doc.number == p.number and not doc.pdf and not doc.docx
    raw = source_read(doc)
    entry = AuditEntry.objects.get(action="document.issue", object_id=str(doc.pk))
    assert entry.data["sha256"] == source_digest(raw) and entry.data["number"] == doc.number
    assert source_verify(doc)
    assert file_available(doc.pdf) and file_available(doc.docx)
    assert not doc.pdf  # the cheap check rendered nothing
    # running the job again changes nothing (once per event and kind)
    with in_worker():
        assert [d.pk for d in notices_for_event(_receipt_event(p).pk)] == [doc.pk]
    assert not type(doc).objects.get(pk=doc.pk).pdf

    # the petition changes after the issue: the notice still says what it said when issued
    Petition.objects.filter(pk=p.pk).update(title="改过的标题")
    assert file_present(doc.pdf) and file_present(doc.docx)  # the first need renders and keeps them
    stored = type(doc).objects.get(pk=doc.pk)
    assert stored.pdf.name == doc.pdf.name and stored.docx.name == doc.docx.name
    assert_printed(stored, "小区物业违规收取停车费", absent=("改过的标题",))
    # the frozen content is exactly what the audit entry vouches for, and it round-trips
    from xinfang.reports.notices.services import notice_from_source

    assert notice_source(notice_from_source(raw)) == raw
    # a second need reads the stored files, renders nothing
    names = (stored.pdf.name, stored.docx.name)
    assert file_present(stored.pdf) and (stored.pdf.name, stored.docx.name) == names


def test_tampered_content_fails_verification(register, media):
    from xinfang.common.jobs import in_worker
    from xinfang.reports.notices.services import notices_for_event, source_name, source_verify

    with time_machine.travel(NOW, tick=False):
        p, _ = register()
        with in_worker():
            (doc,) = notices_for_event(_receipt_event(p).pk)
    storage = doc.pdf.storage
    name = source_name(doc)
    with storage.open(name, "rb") as f:
        raw = f.read()
    storage.delete(name)
    storage.save(name, __import__("io").BytesIO(raw.replace("登记回执".encode(), "登记回执X".encode())))
    assert not source_verify(doc)


def test_regenerating_a_lost_file_renders_the_frozen_content(register, media):
    from xinfang.common.jobs import in_worker
    from xinfang.petitions.models import Petition
    from xinfang.reports.notices.services import file_present, notice_regenerate, notices_for_event

    with time_machine.travel(NOW, tick=False):
        p, _ = register(title="道路施工噪音扰民")
        with in_worker():
            (doc,) = notices_for_event(_receipt_event(p).pk)
    assert file_present(doc.pdf)
    doc.pdf.storage.delete(doc.pdf.name)
    assert not file_present(doc.pdf)  # rendered once, then lost: missing, not silently rendered again
    Petition.objects.filter(pk=p.pk).update(title="别的标题")
    again = notice_regenerate(doc, actor=None)
    assert file_present(again.pdf)
    assert_printed(type(doc).objects.get(pk=doc.pk), "道路施工噪音扰民", absent=("别的标题",))


def test_the_document_panel_and_download_of_a_deferred_notice(client, register, media):
    from django.contrib.auth import get_user_model

    from xinfang.common.jobs import in_worker
    from xinfang.reports.notices.services import notices_for_event

    with time_machine.travel(NOW, tick=False):
        p, _ = register()
        with in_worker():
            (doc,) = notices_for_event(_receipt_event(p).pk)
    client.force_login(get_user_model().objects.get(username="demo_clerk"))
    page = client.get(f"/petitions/{p.pk}/").content.decode()
    assert f"/documents/{doc.pk}.pdf" in page and "文件缺失" not in page
    assert not type(doc).objects.get(pk=doc.pk).pdf  # listing renders nothing
    response = client.get(f"/documents/{doc.pk}.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"
    assert type(doc).objects.get(pk=doc.pk).pdf


def test_a_notice_without_frozen_content_and_files_is_not_available(register, media):
    from xinfang.common.jobs import in_worker
    from xinfang.reports.notices.services import file_available, file_present, notices_for_event, source_name

    with time_machine.travel(NOW, tick=False):
        p, _ = register()
        with in_worker():
            (doc,) = notices_for_event(_receipt_event(p).pk)
    doc.pdf.storage.delete(source_name(doc))
    assert not file_available(doc.pdf) and not file_present(doc.pdf)
