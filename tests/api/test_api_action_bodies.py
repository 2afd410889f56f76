"""One typed body per workflow move in the OpenAPI schema (issue 9: so that a client generator and the
fuzzer learn what `assign` or `draft_reply` needs), while POST /petitions/{id}/actions/{action}
keeps accepting the same JSON."""

import pytest

from xinfang.web.action_forms import FORMS
from xinfang.workflow.transitions import TABLE

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_every_move_has_its_typed_body_in_the_schema(anonymous):
    schema = anonymous.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    for action in TABLE:
        if action == "register":
            continue
        op = schema["paths"][f"/api/v1/petitions/{{petition_id}}/actions/{action}"]["post"]
        ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = components[ref.rsplit("/", 1)[-1]]
        assert "version" in body["required"], action
        assert set(body["properties"]) == {f.name for f in FORMS.get(action, ())} | {"version"}, action
        # every answer is documented, errors with the one shape
        assert {"200", "404", "409", "422"} <= set(map(str, op["responses"])), action
    deliver = components["DeliverBody"]["properties"]
    assert deliver["delivered_at"]["anyOf"][0]["format"] == "date"
    assert set(deliver["method"]["anyOf"][0]["enum"]) >= {"post", "in_person"}
    assert "/api/v1/petitions/{petition_id}/actions/{action}" in schema["paths"]  # the generic path stays


def test_the_typed_path_checks_types_and_moves_like_the_generic_one(clients, registered):
    p = registered()
    c = clients("demo_dispatcher")
    r = c.post(f"/petitions/{p['id']}/actions/assign", {"version": p["version"], "unit": 5})
    assert r.status == 422 and r.error["field"] == "unit"
    r = c.post(f"/petitions/{p['id']}/actions/assign", {"unit": "DH-ZJ"})
    assert r.status == 422 and r.error["field"] == "version"
    r = c.post(f"/petitions/{p['id']}/actions/assign", {"version": p["version"], "unit": "DH-ZJ",
                                                         "report_due": "2099-01-01", "extra": "ignored"})
    assert r.status == 200, r.body
    assert r.json()["status"] == "routed" and r.json()["handling_unit"]["code"] == "DH-ZJ"
    r = c.post(f"/petitions/{p['id']}/actions/nope", {"version": 2})
    assert r.status in (404, 409), r.body  # an unknown move still answers through the generic path
    r.error  # noqa: B018
