"""The petition page's 文书 panel updates itself: while a notice is being generated it polls a fragment
endpoint (htmx), which answers the panel as it is now and stops the polling once nothing is pending.
The endpoint is jurisdiction-scoped like the page (404 outside)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from intake_helpers import logged_in

from xinfang.reports.models import IssuedDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def issue_all(petition):
    from xinfang.reports.notices.services import notices_for_event
    from xinfang.workflow.models import PetitionEvent

    for event in PetitionEvent.objects.filter(petition=petition).order_by("at", "id"):
        notices_for_event(event.pk)


def poll_attrs(html: str) -> dict:
    m = re.search(r'<div id="documents-panel"[^>]*>', html)
    assert m, "no documents panel"
    return dict(re.findall(r'(hx-[a-z]+|data-pending)="([^"]*)"', m.group(0)))


def test_the_panel_polls_while_a_notice_is_generated_and_stops_after(org, register, users, media):
    p, _ = register(title="小区停车收费")  # its 登记回执 is queued, not yet generated
    client = logged_in(users["demo_clerk"])
    page = client.get(f"/petitions/{p.pk}/").content.decode()
    attrs = poll_attrs(page)
    assert attrs["data-pending"] == "true" and "生成中" in page
    assert attrs["hx-get"] == f"/petitions/{p.pk}/documents/?poll=1" and attrs["hx-trigger"] == "every 2s"

    fragment = client.get(attrs["hx-get"])
    assert fragment.status_code == 200 and fragment["Cache-Control"] == "no-store"
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="documents-panel"') and "<html" not in html and "sidenav" not in html
    assert "生成中" in html and poll_attrs(html)["hx-get"].endswith("?poll=2")

    issue_all(p)  # what the worker does
    html = client.get(f"/petitions/{p.pk}/documents/?poll=2").content.decode()
    receipt = IssuedDocument.objects.get(petition=p, kind="receipt")
    assert f'data-document="{receipt.pk}"' in html and f'href="/documents/{receipt.pk}.pdf"' in html
    assert "生成中" not in html
    attrs = poll_attrs(html)
    assert attrs["data-pending"] == "false" and "hx-get" not in attrs and "hx-trigger" not in attrs
    assert "hx-get" not in poll_attrs(client.get(f"/petitions/{p.pk}/").content.decode())


def test_the_polls_slow_down_and_end(org, register, users):
    p, _ = register()
    client = logged_in(users["demo_clerk"])
    assert poll_attrs(client.get(f"/petitions/{p.pk}/documents/?poll=29").content.decode())["hx-trigger"] == "every 2s"
    assert poll_attrs(client.get(f"/petitions/{p.pk}/documents/?poll=30").content.decode())["hx-trigger"] == "every 10s"
    ended = poll_attrs(client.get(f"/petitions/{p.pk}/documents/?poll=120").content.decode())
    assert ended["data-pending"] == "true" and "hx-get" not in ended  # the card offers 重新生成 instead
    assert client.get(f"/petitions/{p.pk}/documents/?poll=x").status_code == 200


def test_the_panel_is_jurisdiction_scoped(org, register, users):
    p, _ = register()
    assert logged_in(users["demo_handler2"]).get(f"/petitions/{p.pk}/documents/").status_code == 404
    assert logged_in(users["demo_clerk"]).get("/petitions/999999/documents/").status_code == 404
    assert Client().get(f"/petitions/{p.pk}/documents/").status_code == 401  # no login page swapped in


def test_the_panel_keeps_an_accusers_documents_protected(org, register, act, users, media):
    p, _ = register(title="检举某局干部", nature="accusation", accused_unit="DH-ZJ")
    act("demo_dispatcher", p, "forward", unit="DH-JW")
    issue_all(p)
    receipt = IssuedDocument.objects.get(petition=p, kind="receipt")
    city = logged_in(users["demo_city_dispatcher"]).get(f"/petitions/{p.pk}/documents/").content.decode()
    assert "受保护" in city and f"/documents/{receipt.pk}.pdf" not in city
    office = logged_in(users["demo_dispatcher"]).get(f"/petitions/{p.pk}/documents/").content.decode()
    assert f"/documents/{receipt.pk}.pdf" in office


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_petition_page_shows_the_notice_without_a_reload(org, register, login, live_server, media):
    p, _ = register(title="小区停车收费")
    page = login("demo_clerk")
    page.goto(f"{live_server.url}/petitions/{p.pk}/")
    panel = page.locator("#documents-panel")
    assert "生成中" in panel.inner_text()
    page.evaluate("window.__same_page = true")
    issue_all(p)  # the worker's job, done while the page is open
    page.wait_for_selector("#documents-panel[data-pending=false]", timeout=15000)
    receipt = IssuedDocument.objects.get(petition=p, kind="receipt")
    assert page.locator(f'#documents-panel tr[data-document="{receipt.pk}"] a').first.inner_text() == "PDF"
    assert "生成中" not in panel.inner_text()
    assert page.evaluate("window.__same_page") is True  # updated in place, not reloaded
