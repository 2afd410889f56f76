"""Shared fixtures: the invented demo city, its accounts, and a registered petition factory."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from xinfang.common import calendar as bizcal
from xinfang.org.demo import build_demo_org
from xinfang.petitions.services import PetitionerInput
from xinfang.workflow import deadlines as dl

# A valid GB 11643 number (checksum correct) for tests; invented.
VALID_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches():
    from django.core.cache import cache

    cache.clear()  # e.g. the navigation's cached queue counts, keyed by user id
    bizcal.invalidate()
    dl.invalidate_policies()
    yield
    bizcal.invalidate()
    dl.invalidate_policies()


@pytest.fixture
def org(db):
    from xinfang.workflow.seed import seed_reference_data

    seed_reference_data()  # transactional tests flush the tables the migrations seeded
    return build_demo_org()


@pytest.fixture
def users(org):
    return org.users


@pytest.fixture
def register(org):
    """register(**overrides) -> (petition, query_code), by demo_clerk unless `actor` is given."""
    from xinfang.workflow.services import petition_register

    def _register(actor=None, petitioners=None, **fields):
        data = {
            "channel": "visit",
            "received_at": timezone.now() - dt.timedelta(hours=1),
            "title": "小区物业违规收取停车费",
            "content": "幸福小区物业公司自今年起违规收取地面停车费，业主多次反映无果。",
            "demands": "请求责令物业公司退还停车费。",
            "category": "010101",
            "problem_region": "990102001",
        }
        data.update(fields)
        if petitioners is None:
            petitioners = [PetitionerInput(name="张三", id_number=VALID_ID, phone="13800138000")]
        return petition_register(actor=actor or org.users["demo_clerk"], petitioners=petitioners, **data)

    return _register


@pytest.fixture
def act(org):
    """act(user, petition, action, **params) -> petition, with the current version."""
    from xinfang.petitions.models import Petition
    from xinfang.workflow.services import petition_act

    def _act(user, petition, action, **params):
        if isinstance(user, str):
            user = org.users[user]
        fresh = Petition.objects.get(pk=petition.pk)
        # a fresh user object each time: memberships are cached per object
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(pk=user.pk)
        return petition_act(actor=user, petition_id=petition.pk, action=action, version=fresh.version,
                            params=params)

    return _act


def pytest_collection_modifyitems(items):
    """Every transactional test (live server, worker processes, browser) restores the migrated data
    afterwards (serialized rollback). Without it, the flush at its end recreates the content types and
    the next test that restores serialized data fails on them, whichever test module comes first."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = ("transactional_db" in item.fixturenames or "live_server" in item.fixturenames
                         or (marker is not None and marker.kwargs.get("transaction")))
        if transactional and not (marker is not None and marker.kwargs.get("serialized_rollback")):
            kwargs = dict(marker.kwargs) if marker is not None else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)  # the closest marker wins


# ---- the browser harness: a real headless Chromium (Debian's package) driven by Playwright --------
# One session-wide Playwright for every test directory: a second sync_playwright() started while the
# first runs fails ("Sync API inside the asyncio loop").
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
