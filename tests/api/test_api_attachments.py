"""POST /petitions/{id}/attachments (multipart) over real HTTP."""

import re

import pytest

from xinfang.petitions.models import Attachment

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_small_pdf_is_stored(clients, registered, settings):
    p = registered()
    r = clients("demo_clerk").upload(p["id"], "证据.pdf", PDF)
    assert r.status == 201, r.body
    data = r.json()
    assert data["name"] == "证据.pdf" and data["size"] == len(PDF) and data["kind"] == "evidence"
    att = Attachment.objects.get(pk=data["id"])
    assert att.petition_id == p["id"] and att.file.name.endswith(".pdf")
    assert (settings.MEDIA_ROOT / att.file.name).read_bytes() == PDF


def test_refused_uploads_answer_422_and_store_nothing(clients, registered):
    p = registered()
    for name, content, kind, field in (("setup.exe", b"MZ\x90\x00", "evidence", "file"),
                                       ("noextension", b"abc", "evidence", "file"),
                                       ("empty.pdf", b"", "evidence", "file"),
                                       ("ok.pdf", PDF, "secret", "kind")):
        r = clients("demo_clerk").upload(p["id"], name, content, kind=kind)
        assert r.status == 422, (name, r.body)
        assert r.error["field"] == field, name
        assert re.search("[\u4e00-\u9fff]", r.error["message"]), r.error
    assert Attachment.objects.count() == 0


def test_upload_without_file_answers_422(clients, registered):
    p = registered()
    r = clients("demo_clerk").request("POST", f"/petitions/{p['id']}/attachments", data=b"",
                                      content_type="multipart/form-data; boundary=xyz")
    assert r.status == 422
    assert r.error["field"] == "file"
