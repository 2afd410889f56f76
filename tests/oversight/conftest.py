"""Helpers for the 包案 tests: fresh user objects (roles are cached per object), petitions walked
through the real workflow, and a small real-HTTP client for the API tests."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model

REPLY = {"outcome": "support", "text": "经核实，物业公司收取地面停车费缺乏依据，已责令退还。", "basis": "《物业管理条例》"}


@pytest.fixture
def user(org):
    """user(name) -> a fresh user object of that demo account."""
    return lambda name: get_user_model().objects.get(username=name)


@pytest.fixture
def routed(register, act):
    """routed(**fields) -> a petition registered at 东湖区信访局 and 交办 to 东湖区住建局."""

    def _routed(**fields):
        p, _code = register(**fields)
        return act("demo_dispatcher", p, "assign", unit="DH-ZJ")

    return _routed


@pytest.fixture
def walk(act):
    """walk(petition, to) -> the petition moved through the real workflow: to="replied" or "closed"."""

    def _walk(p, to):
        p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
        p = act("demo_handler", p, "draft_reply", **REPLY)
        p = act("demo_leader", p, "approve_reply", delivered=True)  # handed over
        if to == "closed":
            p = act("demo_dept_dispatcher", p, "close", note="已落实，信访人书面表示满意。", waiver=True)
        return p

    return _walk


# ---- real HTTP --------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def error(self) -> dict:
        data = self.json()
        assert set(data) == {"error"} and set(data["error"]) == {"code", "message", "field"}, data
        return data["error"]


class Client:
    def __init__(self, base: str, token: str | None):
        self.base, self.token = base, token

    def request(self, method: str, path: str, body=None, raw: bytes | None = None) -> Response:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode("ascii")
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + "/api/v1" + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return Response(resp.status, resp.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return Response(exc.code, exc.read())

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body=None, raw=None):
        return self.request("POST", path, body, raw)


@pytest.fixture
def api(org, live_server, transactional_db):
    """api(username or None) -> a client over real HTTP with a fresh Bearer token of that demo user."""
    from xinfang.api.tokens import token_create

    cache: dict = {}

    def _client(username):
        if username not in cache:
            token = token_create(user=org.users[username], name="test") if username else None
            cache[username] = Client(live_server.url, token)
        return cache[username]

    yield _client
    # let the live server's request threads finish before the database goes away
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
            "process_request_thread" in t.name for t in threading.enumerate() if t is not threading.current_thread()):
        time.sleep(0.01)
