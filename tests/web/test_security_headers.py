"""Finding 10: transport and caching. Every answer that passes through Django (page, xlsx export, API
answer) carries `Cache-Control: no-store` and a strict Content-Security-Policy (django-csp: everything
from this host, scripts only from static files or with the response's nonce, no inline handlers);
static files stay cacheable; behind HTTPS (XINFANG_SECURE=1, see tests/config for the settings it
turns on) the session and CSRF cookies are Secure and HSTS is sent. A real browser opens the main pages
and sees no CSP violation, and the behaviour that moved out of inline handlers still works."""

from __future__ import annotations

import re
import urllib.request

import pytest
from django.test import Client, override_settings
from intake_helpers import logged_in

from xinfang.api.tokens import token_create


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


def _assert_strict_csp(response):
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_page_headers(org, register, users):
    p, _code = register()
    client = logged_in(users["demo_clerk"])
    for url in ("/", f"/petitions/{p.pk}/", "/intake/visit/", "/login/"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "no-store" in r["Cache-Control"], url
        _assert_strict_csp(r)
    # the intake form's inline script runs by the response's nonce, which is in the header
    r = client.get("/intake/visit/")
    nonce = re.search(r'<script nonce="([^"]+)">', r.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in _csp(r)["script-src"]
    # and no inline event handler is left on these pages
    for url in ("/", f"/petitions/{p.pk}/", "/intake/visit/"):
        assert not re.search(r"<[^>]+\son[a-z]+=", client.get(url).content.decode()), url


@pytest.mark.django_db
def test_error_page_and_anonymous_headers(client):
    r = client.get("/no-such-page/")
    assert r.status_code == 404 and r["Cache-Control"] == "no-store"
    r = client.get("/")  # redirect to the login page
    assert r.status_code == 302 and r["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_xlsx_export_is_not_stored(org, register, users):
    register()
    r = logged_in(users["demo_clerk"]).get("/?export=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert r["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_static_files_stay_cacheable():
    r = Client().get("/static/web/app.css")
    assert r.status_code == 200
    assert "no-store" not in r.get("Cache-Control", "")


@pytest.mark.django_db
def test_cookies_secure_and_hsts_behind_https(org, users):
    secure = {"SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SECURE_HSTS_SECONDS": 31536000,
              "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https")}
    https = {"HTTP_X_FORWARDED_PROTO": "https"}
    with override_settings(**secure):
        client = Client(**https)
        page = client.get("/login/")
        assert page.cookies["csrftoken"]["secure"] is True
        assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        r = client.post("/login/", {"username": "demo_clerk", "password": "xinfang-demo-2026"})
        assert r.status_code == 302, r.content.decode()[:500]
        assert r.cookies["sessionid"]["secure"] is True and r.cookies["sessionid"]["httponly"] is True
    # without XINFANG_SECURE: not Secure (plain-HTTP development would lose its session otherwise)
    plain = Client().get("/login/")
    assert not plain.cookies["csrftoken"]["secure"]
    assert "Strict-Transport-Security" not in plain


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_api_answer_is_not_stored(org, register, live_server):
    register()
    token = token_create(user=org.users["demo_clerk"], name="test")
    req = urllib.request.Request(live_server.url + "/api/v1/petitions",
                                 headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert resp.status == 200
        assert resp.headers["Cache-Control"] == "no-store"
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        assert "application/json" in resp.headers["Content-Type"]


# ---- a real browser: no CSP violation on the main pages ----------------------------------------------

RECORD = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def _violations(page) -> list[str]:
    return page.evaluate("window.__csp || []")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_main_pages_have_no_csp_violation(org, register, login, page, live_server):
    p, _code = register()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(RECORD)

    def visit(url):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        assert _violations(page) == [], (url, _violations(page))

    login("demo_clerk")
    for url in ("/", f"/petitions/{p.pk}/", "/search/?q=停车", "/queue/all/", "/petitioners/", "/knowledge/"):
        visit(url)
    # the intake form: its nonce'd inline script runs (adding a petitioner row with Alt+N)
    visit("/intake/visit/")
    page.focus("input[name=p-0-name]")
    page.keyboard.press("Alt+n")
    page.wait_for_selector("input[name=p-1-name]")
    # the language switch submits on change (data-autosubmit, no inline handler)
    with page.expect_navigation():  # the submit's navigation, not a load state that was reached already
        page.select_option("#lang-select", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.select_option("#lang-select", "zh-hans")
    page.wait_for_load_state("networkidle")

    page.context.clear_cookies()
    login("demo_analyst")
    from django.core.cache import cache

    cache.clear()  # the hot spots not kept: the page's panel loads them by itself (htmx, same origin)
    visit("/reports/dashboard/")
    assert page.locator("#chart-trend svg").count() == 1
    page.wait_for_selector("[data-hot-spots-panel]")
    assert page.locator("[data-hot-spots-pending]").count() == 0

    page.context.clear_cookies()
    login("demo_admin")
    visit("/manage/categories/")
    # 全部展开 / 全部收起 (data-details-open/-close)
    page.click("button[data-details-open]")
    assert page.evaluate("[...document.querySelectorAll('.cat-tree details')].every(d => d.open)")
    page.click("button[data-details-close]")
    assert page.evaluate("[...document.querySelectorAll('.cat-tree details')].every(d => !d.open)")
    # a confirm() that is dismissed stops the submit (data-confirm)
    visit("/manage/calendar/")
    dialogs: list[str] = []

    def dismiss(d):
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dismiss)
    url_before = page.url
    page.click("button[name=op][value=paste]")
    page.wait_for_timeout(300)
    assert dialogs and page.url == url_before
    visit("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30000)
    assert _violations(page) == []
    assert console == [], console
