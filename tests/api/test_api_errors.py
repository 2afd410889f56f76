"""Every bad request answers the one JSON error shape with a Chinese message, never a 500;
the OpenAPI schema and the self-hosted docs page load."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CJK = re.compile(r"[\u4e00-\u9fff]")


def _check(r, status, code=None, field="-"):
    assert r.status == status, (r.status, r.body[:300])
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    err = r.error
    assert CJK.search(err["message"]), err
    if code:
        assert err["code"] == code, err
    if field != "-":
        assert err["field"] == field, err
    return err


PROTECTED = [
    ("GET", "/me"), ("GET", "/petitions"), ("POST", "/petitions"), ("GET", "/petitions/1"),
    ("POST", "/petitions/1/actions/assign"), ("GET", "/petitions/1/events"), ("GET", "/petitions/1/similar"),
    ("POST", "/insight/suggest"), ("GET", "/reports/summary"), ("GET", "/units"), ("GET", "/regions"),
    ("GET", "/categories"), ("POST", "/petitions/1/attachments"),
]


def test_unauthenticated_and_bad_tokens_answer_401(client_with, org, petition_body):
    for method, path in PROTECTED:
        body = json.dumps(petition_body()).encode() if method == "POST" else None
        ctype = "application/json" if body else None
        for token in (None, "", "nonsense", "xf_" + "A" * 43, "x" * 500):
            r = client_with(token).request(method, path, data=body, content_type=ctype)
            _check(r, 401, "unauthorized", None)
        for header in ("Basic dXNlcjpwYXNz", "Bearer", "Token abc", "bearer  "):
            r = client_with(None).request(method, path, data=body, headers={"Authorization": header},
                                          content_type=ctype)
            _check(r, 401, "unauthorized")


def test_revoked_token_and_inactive_user_answer_401(clients, org):
    from xinfang.api.models import ApiToken

    c = clients("demo_clerk")
    assert c.get("/me").status == 200
    ApiToken.objects.filter(user=org.users["demo_clerk"]).update(revoked=True)
    _check(c.get("/me"), 401, "unauthorized")
    c2 = clients("demo_handler")
    user = org.users["demo_handler"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    _check(c2.get("/me"), 401, "unauthorized")


def test_malformed_bodies_answer_400_or_422(clients, registered):
    c = clients("demo_clerk")
    p = registered()
    for path in ("/petitions", f"/petitions/{p['id']}/actions/note", "/insight/suggest"):
        for raw in (b"{bad json", b"{\"title\": ", b"\xff\xfe\x00garbage", b"{\"version\": NaN}",
                    b"{\"version\": Infinity}", b"\"just a string\"" if path == "/petitions" else b"{'single': 1}"):
            r = c.request("POST", path, data=raw, content_type="application/json")
            assert r.status in (400, 422), (path, raw, r.status, r.body)
            _check(r, r.status)
        # a JSON value of the wrong kind
        for raw in (b"[]", b"[1, 2]", b"42", b"null", b"true"):
            r = c.request("POST", path, data=raw, content_type="application/json")
            _check(r, 422 if raw != b"null" else r.status)
    r = c.request("POST", "/petitions", data=b"{bad", content_type="application/json")
    _check(r, 400, "bad_request", None)
    assert "JSON" in r.error["message"]
    # an empty body: every required field is missing
    _check(c.request("POST", "/petitions", data=b"", content_type="application/json"), 422, "invalid")
    # form-encoded instead of JSON
    r = c.request("POST", "/petitions", data=b"title=a&content=b", content_type="application/x-www-form-urlencoded")
    _check(r, 400, "bad_request")


def test_wrong_types_name_the_field(clients, petition_body):
    c = clients("demo_clerk")
    _check(c.post("/petitions", petition_body(is_urgent="very")), 422, "invalid", "is_urgent")
    _check(c.post("/petitions", petition_body(petitioners=[{"name": "甲", "representative": "maybe"}])), 422,
           "invalid", "petitioners[0].representative")
    err = _check(c.post("/petitions", petition_body(petitioners=[7])), 422, "invalid")
    assert err["field"].startswith("petitioners[0]")
    _check(c.post("/petitions", petition_body(received_at=17)), 422, "invalid", "received_at")  # 1970
    _check(c.post("/petitions", petition_body(headcount=2.5)), 422, "invalid", "headcount")
    err = _check(c.post("/petitions", {**petition_body(), "title": None}), 422, "invalid", "title")
    assert "title" in err["message"]


def test_action_params_of_any_shape_never_break(clients, registered):
    p = registered()
    c = clients("demo_dispatcher")
    for params in ({"unit": ["DH-ZJ"]}, {"unit": {"code": "DH-ZJ"}}, {"unit": 5}, {"unit": None},
                   {"unit": "DH-ZJ", "report_due": "soon"}, {"unit": "DH-ZJ", "report_due": "2000-01-01"},
                   {"unit": "DH-ZJ", "report_due": ["x"]},
                   {"unit": "DH-\u0000ZJ"}, {"unit": "DH-ZJ", "note": "a\ud800b"}):
        r = c.act(p, "assign", **params)
        assert r.status in (404, 409, 422), (params, r.status, r.body)
        _check(r, r.status)
    r = c.act(p, "assign", unit="DH-ZJ", note="\u0000")
    _check(r, 422, "invalid", "note")
    r = c.post(f"/petitions/{p['id']}/actions/assign", {"version": 10**40, "unit": "DH-ZJ"})
    _check(r, 409, "stale_version")
    # nothing changed through all that
    assert clients("demo_clerk").get(f"/petitions/{p['id']}").json()["version"] == 1


def test_unknown_paths_and_bad_ids_answer_json_404(clients):
    for path in ("/petitions/abc", "/petitions/-1", "/petitions/0", "/petitions/1.5",
                 "/petitions/99999999999999999999999", "/petitions/%00", "/petitions/abc/events",
                 "/petitions/abc/similar", "/petitions/1/", "/nothing-here", "/petitions/1/unknown", "/", ""):
        _check(clients("demo_clerk").get(path), 404, "not_found", None)


def test_bad_ids_on_actions_and_uploads_answer_404(clients):
    c = clients("demo_dispatcher")
    for pid in ("abc", "0", "-3", "99999999999999999999999", "1e3"):
        _check(c.post(f"/petitions/{pid}/actions/assign", {"version": 1, "unit": "DH-ZJ"}), 404, "not_found")
        _check(c.upload(pid, "a.pdf", b"%PDF-1.4"), 404, "not_found")


def test_wrong_method_answers_json_405(clients):
    c = clients("demo_clerk")
    for method, path in (("DELETE", "/petitions"), ("PUT", "/me"), ("GET", "/insight/suggest"),
                         ("PATCH", "/petitions/1")):
        r = c.request(method, path)
        _check(r, 405, "method_not_allowed")
        assert r.headers.get("Allow")


def test_query_parameters_are_bounded(clients, registered):
    registered()
    c = clients("demo_clerk")
    r = c.get("/petitions", params={"page_size": 10**9})
    assert r.status == 200 and r.json()["page_size"] == 200
    r = c.get("/petitions", params={"page_size": 10**30})
    assert r.status == 200 and r.json()["page_size"] == 200
    _check(c.get("/petitions", params={"page_size": "9" * 5000}), 422, "invalid", "page_size")
    _check(c.get("/petitions", params={"page": 10**12}), 422, "invalid", "page")
    _check(c.get("/petitions", params={"page": 99999999999999999999999}), 422, "invalid", "page")
    _check(c.get("/petitions", params={"page": 0}), 422, "invalid", "page")
    _check(c.get("/petitions", params={"page": "two"}), 422, "invalid", "page")
    _check(c.get("/petitions", params={"page_size": "-"}), 422, "invalid", "page_size")
    r = c.get("/petitions", params={"page": 1_000_000})
    assert r.status == 200 and r.json()["results"] == []
    for q in ("停车费", "%", "_", "'; drop table x; --", "x" * 500):
        assert c.get("/petitions", params={"q": q}).status == 200, q
    _check(c.get("/petitions", params={"q": "\x00"}), 422, "invalid", "q")
    _check(c.get("/petitions", params={"q": "x" * 501}), 422, "invalid", "q")
    assert c.get("/petitions", params={"status": "nonsense,,registered", "channel": "?"}).status == 200


def test_openapi_schema_renders(anonymous, clients):
    r = anonymous.get("/openapi.json")
    assert r.status == 200
    schema = r.json()
    assert schema["openapi"].startswith("3.") and schema["info"]["title"] == "xinfang API"
    paths = set(schema["paths"])
    for p in ("/api/v1/petitions", "/api/v1/petitions/{petition_id}", "/api/v1/petitions/{petition_id}/actions/{action}",
              "/api/v1/petitions/{petition_id}/events", "/api/v1/petitions/{petition_id}/similar",
              "/api/v1/insight/suggest", "/api/v1/reports/summary", "/api/v1/units", "/api/v1/categories",
              "/api/v1/regions", "/api/v1/me"):
        assert p in paths, p
    assert not any("{rest}" in p or "assets" in p for p in paths)
    assert "BearerToken" in schema["components"]["securitySchemes"]
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/petitions"])


def test_docs_page_loads_without_any_cdn(anonymous):
    r = anonymous.request("GET", "/docs", headers={"Accept": "text/html"})
    assert r.status == 200
    html = r.body.decode()
    assert 'id="swagger-ui"' in html
    assert "cdn" not in html.lower() and "https://" not in html and "http://" not in html
    assets = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert len(assets) == 5
    for url in assets:
        a = anonymous.request("GET", url, raw_path=True)
        assert a.status == 200, url
        assert len(a.body) > 500
    assert "openapi.json" in html
    _check(anonymous.get("/docs/assets/..%2Fsettings.py"), 404, "not_found")
    _check(anonymous.get("/docs/assets/redoc.standalone.js.map"), 404, "not_found")


def test_session_auth_needs_csrf_for_writes(client_with, org):
    """The workbench's session also works, but a write without the CSRF token is refused (401),
    and a request with neither session nor token is plainly unauthenticated (401), never 403."""
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    browser = Client()
    browser.force_login(org.users["demo_clerk"])
    session = browser.cookies["sessionid"].value
    c = client_with(None)
    r = c.get("/me", headers={"Cookie": f"sessionid={session}"})
    assert r.status == 200 and r.json()["username"] == "demo_clerk"
    body = json.dumps({"title": "物业收费"}).encode()
    r = c.request("POST", "/insight/suggest", data=body, content_type="application/json",
                  headers={"Cookie": f"sessionid={session}"})
    err = _check(r, 401, "unauthorized")
    assert "CSRF" in err["message"]
    csrf = _get_new_csrf_string()
    r = c.request("POST", "/insight/suggest", data=body, content_type="application/json",
                  headers={"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf})
    assert r.status == 200, r.body
    _check(c.request("POST", "/insight/suggest", data=body, content_type="application/json"), 401, "unauthorized")


def test_oversized_body_answers_400(clients, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    r = clients("demo_clerk").post("/insight/suggest", {"title": "物业", "content": "停车费" * 1000})
    _check(r, 400, "bad_request")
