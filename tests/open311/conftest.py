"""Open311 over real HTTP: a live server, an API key of 东湖区信访局, a raw form-POST client (urllib) and the
specification's field lists (GeoReport v2) the answers are checked against."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pytest

ROOT = "/open311/v2"
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
DEFINITION_FIELDS = {"service_code", "attributes"}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description", "order", "description",
                    "values"}
VALUE_FIELDS = {"key", "name"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
POST_FIELDS = {"service_request_id", "token", "service_notice", "account_id"}
TOKEN_FIELDS = {"service_request_id", "token"}
ERROR_FIELDS = {"code", "description"}
DISCOVERY_FIELDS = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT_FIELDS = {"specification", "url", "changeset", "type", "formats"}

# what a citizen app sends about the person: none of it may come back in any answer
PERSON = {"first_name": "明远", "last_name": "欧阳", "phone": "13900139000", "email": "oyang@example.org"}


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes

    def json(self):
        assert self.content_type.startswith("application/json"), self.content_type
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def http(method: str, url: str, fields: dict | None = None, raw: bytes | None = None,
         content_type: str = "application/x-www-form-urlencoded") -> Answer:
    data = raw if raw is not None else (urllib.parse.urlencode(fields).encode() if fields is not None else None)
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=30) as r:
            return Answer(r.status, r.headers.get("Content-Type", ""), r.read())
    except urllib.error.HTTPError as e:
        return Answer(e.code, e.headers.get("Content-Type", ""), e.read())


@dataclass
class Open311:
    base: str  # http://host:port/open311/v2
    key: str
    unit: object
    key_row: object

    def post(self, fmt: str = "json", **fields) -> Answer:
        return http("POST", f"{self.base}/requests.{fmt}", fields)

    def get(self, path: str, **params) -> Answer:
        return http("GET", f"{self.base}/{path}" + ("?" + urllib.parse.urlencode(params) if params else ""))

    def submit(self, **overrides) -> dict:
        """A valid request; its JSON answer's one item."""
        fields = {"api_key": self.key, "service_code": "010101", "lat": "30.5", "long": "114.3",
                  "description": "小区门口路灯损坏已一个月，夜间出行不便。", **PERSON}
        fields.update(overrides)
        fields = {k: v for k, v in fields.items() if v is not None}
        r = self.post(**fields)
        assert r.status == 201, r.text
        return r.json()[0]


@pytest.fixture
def o311(org, live_server):
    from xinfang.portal.open311.services import api_key_create

    unit = org.users["demo_clerk"].memberships.get(role="clerk").unit
    row, key = api_key_create(name="测试应用", unit_code=unit.code)
    return Open311(base=live_server.url + ROOT, key=key, unit=unit, key_row=row)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "*")
