"""Hostile text is data everywhere it is shown: script tags, attribute breakers, RTL overrides, spreadsheet
formulas and texts at the largest allowed size, registered through the API and the service, are
rendered inert in a real browser (no dialog, no injected element), stored as text (never a formula) in
the xlsx exports, printed literally in the notices and the dossier (pdftotext), and returned as JSON
data by the API. Over the limits, and with lone surrogates, registration is refused cleanly (4xx, the
one error shape) and nothing is stored."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from openpyxl import load_workbook
from security_helpers import body_text

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SCRIPT = "<script>alert(1)</script>"
ATTR = '"><img src=x onerror=alert(1)>'
RTL = "\u202eexe.txt"
FORMULAS = ['=HYPERLINK("http://x.example/","点我")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"]
TITLE = f"{SCRIPT}{ATTR}{RTL}"
NAME = "@SUM(1)<b>赵</b>"  # 64 characters at most
DEMANDS = FORMULAS[0]
CONTENT_HEAD = f"{FORMULAS[1]} {SCRIPT} {ATTR} {RTL} "
NOTE = f"{ATTR}{SCRIPT}"


def content(size: int) -> str:
    return (CONTENT_HEAD + "反映内容" * size)[:size]


@pytest.fixture
def hostile(clients, petition_body, settings):
    """Registered over HTTP by demo_clerk with the largest content allowed, assigned with a hostile note."""
    from xinfang.common import limits

    body = petition_body(title=TITLE, content=content(limits.MAX_CONTENT), demands=DEMANDS,
                         petitioners=[{"name": NAME, "phone": "13800138000", "address": FORMULAS[2],
                                       "representative": True}])
    r = clients("demo_clerk").post("/petitions", body)
    assert r.status == 201, r.body[:500]
    p = r.json()
    r = clients("demo_dispatcher").act(p, "assign", unit="DH-ZJ", note=NOTE)
    assert r.status == 200, r.body[:500]
    return r.json()


def _count():
    from xinfang.petitions.models import Petition, Petitioner

    return Petition.objects.count(), Petitioner.objects.count()


def test_refused_cleanly_over_the_limits_and_with_lone_surrogates(clients, petition_body):
    from xinfang.common import limits

    before = _count()
    c = clients("demo_clerk")
    for overrides in ({"content": content(100_000)}, {"title": "标" * (limits.MAX_TITLE + 1)},
                      {"title": "坏\ud800字"}, {"content": "坏\udfff字"}, {"demands": "\ud83d"},
                      {"petitioners": [{"name": "张\ud800", "representative": True}]}):
        r = c.post("/petitions", petition_body(**overrides))
        assert 400 <= r.status < 500, (list(overrides), r.status, r.body[:300])
        assert r.error["message"], r.body
    assert _count() == before


def test_api_returns_it_as_json_data(hostile, clients):
    from xinfang.common import limits

    r = clients("demo_clerk").get(f"/petitions/{hostile['id']}")
    assert r.status == 200 and r.headers["Content-Type"].startswith("application/json")
    data = r.json()
    assert data["title"] == TITLE and data["demands"] == DEMANDS
    assert data["content"] == content(limits.MAX_CONTENT)
    assert b"<script>" not in r.body or b'"' + SCRIPT.encode() in r.body  # inside a JSON string, never markup
    events = clients("demo_clerk").get(f"/petitions/{hostile['id']}/events").json()
    assert any(NOTE in (e.get("note") or "") for e in events)


def _client(username):
    c = Client()
    c.force_login(get_user_model().objects.get(username=username))
    return c


def test_xlsx_exports_hold_text_never_formulas(hostile):
    c = _client("demo_clerk")
    for url in ("/search/export.xlsx?q=HYPERLINK", "/search/export.xlsx", "/?export=xlsx"):
        r = c.get(url)
        assert r.status_code == 200, url
        wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
        values = []
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (url, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        values.append(cell.value)
        text = "\n".join(values)
        assert TITLE in text and FORMULAS[0] in text, url  # the text itself, as a string cell


def test_pages_escape_it(hostile):
    c = _client("demo_clerk")
    for url in (f"/petitions/{hostile['id']}/", "/", "/search/?q=alert", f"/petitions/{hostile['id']}/receipt/"):
        html = c.get(url).content.decode()
        assert SCRIPT not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


@pytest.mark.browser
def test_browser_runs_nothing(hostile, login, live_server):
    page = login("demo_clerk")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for url in (f"/petitions/{hostile['id']}/", "/", "/search/?q=alert", "/search/?q=HYPERLINK",
                f"/petitions/{hostile['id']}/receipt/", "/queue/all/"):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        injected = page.evaluate("""() => ({
            img: document.querySelectorAll('img[src="x"], img[onerror]').length,
            script: [...document.scripts].filter(s => s.textContent.includes('alert(1)')).length,
            bold: [...document.querySelectorAll('b')].filter(b => b.textContent === '赵').length,
        })""")
        assert injected == {"img": 0, "script": 0, "bold": 0}, (url, injected)
        if url.startswith("/petitions/"):
            assert SCRIPT in page.locator("body").inner_text(), url  # shown, as text
    assert dialogs == []


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_notice_and_dossier_print_it_literally(register, act, media):
    """Through the service: registered, answered and closed; the notices and the dossier are PDFs whose
    text is the hostile text itself."""
    from xinfang.petitions.services import PetitionerInput
    from xinfang.reports.models import IssuedDocument
    from xinfang.reports.notices.services import notices_for_event
    from xinfang.workflow.models import PetitionEvent

    reply = f"经查：{ATTR}{FORMULAS[0]}"
    p, _ = register(title=TITLE, content=CONTENT_HEAD + "物业公司违规收费。", demands=DEMANDS,
                    petitioners=[PetitionerInput(name=NAME, phone="13800138000")])
    act("demo_dispatcher", p, "assign", unit="DH-ZJ", note=NOTE)
    act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    act("demo_handler", p, "draft_reply", outcome="support", text=reply, basis=SCRIPT)
    act("demo_leader", p, "approve_reply")
    act("demo_dept_dispatcher", p, "close", note=NOTE, waiver=True)
    for event in PetitionEvent.objects.filter(petition=p).order_by("at", "id"):
        notices_for_event(event.pk)
    c = _client("demo_clerk")
    texts = []
    for doc in IssuedDocument.objects.filter(petition=p):
        r = c.get(f"/documents/{doc.pk}.pdf")
        assert r.status_code == 200
        texts.append(_flat(body_text(b"".join(r.streaming_content) if r.streaming else r.content, "application/pdf")))
    assert texts, "no notice issued"
    notices = "".join(texts)
    assert _flat(reply) in notices
    r = c.get(f"/petitions/{p.pk}/dossier.pdf")
    assert r.status_code == 200
    dossier = _flat(body_text(b"".join(r.streaming_content) if r.streaming else r.content, "application/pdf"))
    # (the RTL override turns what follows it around on the page, as it must: the text is still literal)
    for text in (SCRIPT + ATTR, DEMANDS, reply):
        assert _flat(text) in dossier, text
