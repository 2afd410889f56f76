"""Finding 1 of issue 9, over real HTTP: API list reads of petition content (the filters and the count,
never the content), bulletin and report downloads through the API, attachment uploads."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from xinfang.api.tokens import token_create
from xinfang.audit.models import AuditEntry
from xinfang.audit.services import audit_verify
from xinfang.common import crypto

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _drain_live_server(transactional_db):
    yield  # let the live server's request threads finish before the database goes (as tests/api does)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
            "process_request_thread" in t.name for t in threading.enumerate() if t is not threading.current_thread()):
        time.sleep(0.01)


@pytest.fixture
def call(live_server, users):
    tokens: dict[str, str] = {}

    def _call(username: str, method: str, path: str, *, params=None, data: bytes | None = None,
              content_type: str | None = None) -> tuple[int, dict, bytes]:
        if username not in tokens:
            tokens[username] = token_create(user=users[username], name="audit-test")
        url = f"{live_server.url}/api/v1{path}" + ("?" + urllib.parse.urlencode(params) if params else "")
        headers = {"Authorization": f"Bearer {tokens[username]}"}
        if content_type:
            headers["Content-Type"] = content_type
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, dict(exc.headers), exc.read()

    return _call


def _last_seq() -> int:
    last = AuditEntry.objects.order_by("-seq").first()
    return last.seq if last else 0


def _new(action: str, since: int):
    return list(AuditEntry.objects.filter(action=action, seq__gt=since).order_by("seq"))


def test_api_list_reads_are_audited_with_filters_and_count_not_content(call, register):
    first, _ = register(title="第一件")
    second, _ = register(title="第二件：张三反映停车费")
    since = _last_seq()
    status, _, body = call("demo_clerk", "GET", "/petitions", params={"status": "registered", "page_size": 10})
    assert status == 200
    answer = json.loads(body)
    [row] = _new("api.petition_list", since)
    assert row.actor == "demo_clerk"
    assert row.data["count"] == answer["count"] == 2
    assert sorted(row.data["ids"]) == sorted([first.pk, second.pk])
    assert row.data["filters"]["status"] == "registered" and row.data["q_hash"] == ""
    stored = json.dumps(row.data, ensure_ascii=False)
    assert "停车费" not in stored and "张三" not in stored  # no content in the log
    # a free-text query is kept only as a keyed hash (it may be a name)
    since = _last_seq()
    status, _, _ = call("demo_clerk", "GET", "/petitions", params={"q": "张三"})
    assert status == 200
    [row] = _new("api.petition_list", since)
    assert "张三" not in json.dumps(row.data, ensure_ascii=False)
    assert row.data["q_hash"] == crypto.keyed_hash("张三", "audit-query")
    assert audit_verify().ok


@pytest.mark.parametrize(("path", "params"), [
    ("/reports/bulletin", {"format": "docx", "from": "2026-01-01", "to": "2026-03-31"}),
    ("/reports/bulletin", {"format": "json"}),
    ("/reports/annual", {"year": 2026, "format": "md"}),
])
def test_report_downloads_through_the_api_are_audited(call, register, path, params):
    register()
    since = _last_seq()
    status, _, _ = call("demo_leader", "GET", path, params=params)
    assert status == 200
    [row] = _new("report.download", since)
    assert row.actor == "demo_leader" and row.data["via"] == "api"
    assert row.data["report"] == path.rsplit("/", 1)[1] and row.data["format"] == params["format"]


def test_attachment_uploads_are_audited(call, register):
    petition, _ = register()
    since = _last_seq()
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nevidence\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="证据.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n").encode() + PDF + f"\r\n--{boundary}--\r\n".encode()
    status, _, answer = call("demo_clerk", "POST", f"/petitions/{petition.pk}/attachments", data=body,
                             content_type=f"multipart/form-data; boundary={boundary}")
    assert status == 201, answer
    [row] = _new("attachment.upload", since)
    assert row.actor == "demo_clerk" and row.object_id == str(json.loads(answer)["id"])
    # a refused upload leaves no such row
    since = _last_seq()
    bad = body.replace(PDF, b"MZ\x90\x00").replace("证据.pdf".encode(), b"setup.exe")
    status, _, _ = call("demo_clerk", "POST", f"/petitions/{petition.pk}/attachments", data=bad,
                        content_type=f"multipart/form-data; boundary={boundary}")
    assert status == 422
    assert not _new("attachment.upload", since)
