"""/api/v1/docs in a real headless Chromium (Debian's package): Swagger UI renders every operation
from files served by xinfang itself, with no request to any other host."""

from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

def test_swagger_ui_renders_offline(live_server, browser):
    own = urlparse(live_server.url).netloc
    foreign, console_errors = [], []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("request", lambda r: foreign.append(r.url)
                if urlparse(r.url).netloc != own and not r.url.startswith(("data:", "blob:")) else None)
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.goto(live_server.url + "/api/v1/docs")
        page.wait_for_selector(".opblock", timeout=15000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
    finally:
        context.close()
    assert foreign == [] and console_errors == []
    for p in ("/api/v1/petitions", "/api/v1/insight/suggest", "/api/v1/reports/summary", "/api/v1/me"):
        assert any(text.replace("\u200b", "") == p for text in paths), (p, paths)
