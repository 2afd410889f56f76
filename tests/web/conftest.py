"""A real headless Chromium (Debian's package) driven by Playwright, against the live server."""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlparse

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM in the same thread is fine here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
        "--no-first-run", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page that records every request to a host other than the live server."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    pg = context.new_page()
    own = urlparse(live_server.url).netloc
    pg.foreign_requests = []

    def _check(request):
        host = urlparse(request.url).netloc
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if host != own:
            pg.foreign_requests.append(request.url)

    pg.on("request", _check)
    yield pg
    context.close()
    assert pg.foreign_requests == [], f"requests to other hosts: {pg.foreign_requests}"


@pytest.fixture
def login(page, live_server):
    def _login(username, password="xinfang-demo-2026"):
        page.goto(live_server.url + "/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return _login
