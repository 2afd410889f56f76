"""Real-HTTP fixtures for the REST API: a live server, Bearer tokens, a small JSON client.

Every test here talks to `live_server` over a socket with `urllib.request`, so it needs
transactional database access; `serialized_rollback` puts back the rows the migrations seed
(categories, deadline policies, the calendar, the audit chain head) after each flush.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

import pytest
from django.utils import timezone

from xinfang.api.tokens import token_create
from xinfang.common.validators import id_checksum

API = "/api/v1"


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def error(self) -> dict:
        """The error object of the one error shape; fails the test when the shape is wrong."""
        data = self.json()
        assert set(data) == {"error"}, data
        assert set(data["error"]) == {"code", "message", "field"}, data
        return data["error"]


class ApiClient:
    def __init__(self, base: str, token: str | None):
        self.base = base
        self.token = token

    def request(self, method: str, path: str, *, json_body=None, data: bytes | None = None,
                content_type: str | None = None, params: dict | None = None, headers: dict | None = None,
                raw_path: bool = False) -> Response:
        url = self.base + (path if raw_path else API + path)
        if params:
            url += "?" + urllib.parse.urlencode(params)
        hdrs = {"Accept": "application/json"}
        if self.token is not None:
            hdrs["Authorization"] = f"Bearer {self.token}"
        if json_body is not None:
            # ASCII with \u escapes: also carries lone surrogates, as a hostile client could
            data = json.dumps(json_body).encode("ascii")
            content_type = content_type or "application/json"
        if content_type:
            hdrs["Content-Type"] = content_type
        hdrs.update(headers or {})
        req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return Response(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return Response(exc.code, dict(exc.headers), exc.read())

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, json_body=body, **kw)

    def act(self, petition: dict, action: str, **params) -> Response:
        return self.post(f"/petitions/{petition['id']}/actions/{action}", {"version": petition["version"], **params})

    def upload(self, petition_id: int, filename: str, content: bytes, kind: str = "evidence") -> Response:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'.encode(),
            (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
             "Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ]
        return self.request("POST", f"/petitions/{petition_id}/attachments", data=b"".join(parts),
                            content_type=f"multipart/form-data; boundary={boundary}")


def make_id_number(n: int, birth: str = "19800101") -> str:
    """A valid GB 11643 number (invented): region 110105, `birth`, sequence `n`."""
    first17 = f"110105{birth}{n % 1000:03d}"
    return first17 + id_checksum(first17)


def bad_checksum(id_number: str) -> str:
    """The same number with a wrong check digit."""
    wrong = next(c for c in "0123456789X" if c != id_number[-1])
    return id_number[:-1] + wrong


@pytest.fixture(autouse=True)
def _drain_live_server(transactional_db):
    """Wait for the live server's request threads before the database is taken away: a thread still
    closing its response (Django's request_finished touches the connection) would otherwise hit
    pytest-django's "Database access not allowed" after the client already has its answer."""
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
            "process_request_thread" in t.name for t in threading.enumerate() if t is not threading.current_thread()):
        time.sleep(0.01)


@pytest.fixture
def clients(org, live_server):
    """clients(username) -> an ApiClient authenticated with a fresh Bearer token of that demo user."""
    cache: dict[str, ApiClient] = {}

    def _client(username: str) -> ApiClient:
        if username not in cache:
            cache[username] = ApiClient(live_server.url, token_create(user=org.users[username], name="test"))
        return cache[username]

    return _client


@pytest.fixture
def anonymous(live_server):
    return ApiClient(live_server.url, None)


@pytest.fixture
def petition_body():
    """petition_body(**overrides) -> a valid registration body (a visit to 东湖区 about property fees)."""

    def _body(**overrides) -> dict:
        body = {
            "channel": "visit",
            "received_at": (timezone.localtime() - dt.timedelta(hours=2)).isoformat(timespec="seconds"),
            "title": "小区物业违规收取停车费",
            "content": "幸福小区物业公司自今年起违规收取地面停车费，业主多次反映无果。",
            "demands": "请求责令物业公司退还停车费。",
            "category": "010101",
            "nature": "appeal",
            "problem_region": "990102001",
            "headcount": 1,
            "accused_unit": None,
            "petitioners": [{"name": "张三", "id_number": make_id_number(1), "phone": "13800138000",
                             "address": "东湖区幸福小区1栋", "representative": True}],
        }
        body.update(overrides)
        return body

    return _body


@pytest.fixture
def registered(clients, petition_body):
    """registered(**overrides) -> the 201 JSON of a petition registered by demo_clerk over HTTP."""

    def _registered(**overrides) -> dict:
        r = clients("demo_clerk").post("/petitions", petition_body(**overrides))
        assert r.status == 201, r.body
        return r.json()

    return _registered


@pytest.fixture
def ids():
    return make_id_number


@pytest.fixture
def wrong_checksum():
    return bad_checksum


@pytest.fixture
def client_with(live_server):
    """client_with(token) -> an ApiClient sending exactly that Bearer token (or none)."""
    return lambda token: ApiClient(live_server.url, token)
