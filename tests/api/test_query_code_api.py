"""POST /api/v1/petitions/{id}/query-code over real HTTP: a new query code for the receiving unit's
clerk or dispatcher (200, the old code stops working), 403 for other staff inside the jurisdiction,
404 outside it; documented in the OpenAPI schema with its error answers."""

from __future__ import annotations

import pytest

from xinfang.audit.models import AuditEntry
from xinfang.common.errors import ApplicationError
from xinfang.petitions.models import Petition
from xinfang.portal import throttle
from xinfang.portal.access import petition_track

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _tracks(number: str, code: str) -> bool:
    try:
        return petition_track(number=number, code=code).number == number
    except ApplicationError as exc:
        assert exc.code in ("not_found", "locked"), exc.code
        return False


def test_the_clerk_gets_a_new_code(clients, registered):
    created = registered()
    number, old = created["number"], created["query_code"]
    assert _tracks(number, old)
    for _ in range(throttle.conf("TRACK_NUMBER_LIMIT")):  # the petitioner locked the number guessing
        _tracks(number, "WRONG123")
    r = clients("demo_clerk").post(f"/petitions/{created['id']}/query-code")
    assert r.status == 200, r.body
    data = r.json()
    assert set(data) == {"number", "query_code"} and data["number"] == number
    new = data["query_code"]
    assert new != old and len(new) == 8
    assert _tracks(number, new)  # the lock-out was lifted too
    assert not _tracks(number, old)
    assert Petition.objects.get(pk=created["id"]).version == created["version"]
    entry = AuditEntry.objects.get(action="petition.query_code_reissue")
    assert entry.data == {"number": number} and new not in repr(entry.data)
    # the dispatcher of the receiving unit may too; each reissue replaces the code
    again = clients("demo_dispatcher").post(f"/petitions/{created['id']}/query-code").json()["query_code"]
    assert _tracks(number, again) and not _tracks(number, new)


def test_refusals(clients, registered):
    created = registered()
    pid, old = created["id"], created["query_code"]
    forwarded = clients("demo_dispatcher").act(created, "forward", unit="DH-ZJ")
    assert forwarded.status == 200, forwarded.body
    for name in ("demo_handler", "demo_leader", "demo_analyst"):  # see it, but hold no counter role there
        r = clients(name).post(f"/petitions/{pid}/query-code")
        assert r.status == 403, (name, r.body)
        assert r.error["code"] == "forbidden" and "东湖区信访局" in r.error["message"]
    for name in ("demo_clerk2", "demo_dispatcher2"):  # another district
        r = clients(name).post(f"/petitions/{pid}/query-code")
        assert r.status == 404, (name, r.body)
        assert r.error["code"] == "not_found"
    assert clients("demo_clerk").post("/petitions/999999999/query-code").status == 404
    assert clients("demo_clerk").post("/petitions/abc/query-code").status == 404
    assert _tracks(created["number"], old)
    assert not AuditEntry.objects.filter(action="petition.query_code_reissue").exists()


def test_anonymous_is_refused(anonymous, registered):
    created = registered()
    r = anonymous.post(f"/petitions/{created['id']}/query-code")
    assert r.status == 401 and r.error["code"] == "unauthorized"
    assert _tracks(created["number"], created["query_code"])


def test_documented_like_its_neighbours(anonymous):
    schema = anonymous.get("/openapi.json").json()
    op = schema["paths"]["/api/v1/petitions/{petition_id}/query-code"]["post"]
    assert op["summary"] == "重新生成查询码"
    assert {"200", "403", "404"} <= set(op["responses"])
    ok = op["responses"]["200"]["content"]["application/json"]["schema"]
    ref = ok["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"number", "query_code"}
    assert op["responses"]["403"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
