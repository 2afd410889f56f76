"""The inbox over the API (real HTTP, Bearer tokens) and on the workbench (pages, the unread count in
the navigation, the preferences page), and in a real browser."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.test import Client
from django.utils import timezone

from xinfang.notifications.models import Contact, Notification
from xinfang.notifications.services import notify


def _seed(users):
    h, other = users["demo_handler"], users["demo_leader"]
    base = timezone.now() - dt.timedelta(hours=1)
    for n in range(5):
        notify(recipients=[h], kind="urge", title=f"催办第{n}件", link=f"/petitions/{n + 1}/",
               at=base + dt.timedelta(minutes=n))
    mine = list(Notification.objects.filter(recipient=h).order_by("created_at"))
    theirs = notify(recipients=[other], kind="instruction", title="领导批示")[0]
    return h, mine, theirs


class Http:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, body=None):
        headers = {"Accept": "application/json", "Authorization": f"Bearer {self.token}"}
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + "/api/v1" + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read() or b"null")


@pytest.fixture
def http(org, live_server, transactional_db):
    from xinfang.api.tokens import token_create

    yield lambda name: Http(live_server.url, token_create(user=org.users[name], name="test"))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
            "process_request_thread" in t.name for t in threading.enumerate() if t is not threading.current_thread()):
        time.sleep(0.01)


def test_api_inbox_paging_filter_and_read(users, http):
    h, mine, theirs = _seed(users)
    api = http("demo_handler")
    status, page = api.call("GET", "/notifications?page_size=2")
    assert status == 200 and page["count"] == 5 and page["unread"] == 5 and page["page_size"] == 2
    assert [r["title"] for r in page["results"]] == ["催办第4件", "催办第3件"]  # newest first
    first = page["results"][0]
    assert set(first) == {"id", "kind", "kind_label", "title", "body", "link", "petition", "created_at", "read_at"}
    assert first["kind_label"] == "催办" and first["read_at"] is None and first["link"] == "/petitions/5/"
    status, page3 = api.call("GET", "/notifications?page_size=2&page=3")
    assert [r["title"] for r in page3["results"]] == ["催办第0件"]

    status, read = api.call("POST", f"/notifications/{mine[0].pk}/read")
    assert status == 200 and read["read_at"] is not None and read["id"] == mine[0].pk
    status, unread = api.call("GET", "/notifications?unread=true")
    assert unread["count"] == 4 and mine[0].pk not in [r["id"] for r in unread["results"]]
    status, done = api.call("GET", "/notifications?unread=false")
    assert [r["id"] for r in done["results"]] == [mine[0].pk]

    # another user's message, a missing one, a bad id: 404 / 422, and nothing changes
    for path in (f"/notifications/{theirs.pk}/read", "/notifications/999999999/read"):
        status, body = api.call("POST", path)
        assert status == 404 and body["error"]["code"] == "not_found"
    status, body = api.call("POST", "/notifications/abc/read")
    assert status in (404, 422) and "error" in body
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    status, body = api.call("GET", "/notifications?kind=%00")
    assert status == 422

    status, body = api.call("POST", "/notifications/read-all")
    assert status == 200 and body == {"marked": 4}
    assert api.call("GET", "/notifications")[1]["unread"] == 0
    assert http("demo_leader").call("GET", "/notifications")[1]["unread"] == 1  # only the caller's


def _client(username) -> Client:
    c = Client()
    c.post("/login/", {"username": username, "password": "xinfang-demo-2026"})
    return c


def test_inbox_page_count_open_and_read_all(users):
    h, mine, theirs = _seed(users)
    c = _client("demo_handler")
    page = c.get("/notifications/")
    html = page.content.decode()
    assert page.status_code == 200 and "催办第4件" in html and "领导批示" not in html
    assert 'data-nav="notifications">消息 <span class="badge">5</span>' in html
    # following a message's link marks it read
    r = c.get(f"/notifications/{mine[1].pk}/open/")
    assert r.status_code == 302 and r["Location"] == "/petitions/2/"
    assert Notification.objects.get(pk=mine[1].pk).read_at is not None
    assert c.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert c.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    r = c.post(f"/notifications/{mine[2].pk}/read/", {"next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/notifications/"  # no open redirect
    html = c.get("/notifications/?show=unread").content.decode()
    assert "催办第1件" not in html and "催办第3件" in html and '<span class="badge">3</span>' in html
    r = c.post("/notifications/read-all/")
    assert r.status_code == 302
    assert not Notification.objects.filter(recipient=h, read_at__isnull=True).exists()
    assert 'data-nav="notifications">消息</a>' in c.get("/notifications/").content.decode()
    assert c.get("/notifications/?show=%00&page=abc").status_code == 200


def test_home_panel_shows_the_newest_unread(users):
    h, mine, theirs = _seed(users)
    notify(recipients=[h], kind="urge", title="最早的消息", at=timezone.now() - dt.timedelta(days=1))
    c = _client("demo_handler")
    html = c.get("/").content.decode()
    assert 'id="my-notifications"' in html and "催办第4件" in html and "催办第0件" in html
    assert "最早的消息" not in html and "共 6 条" in html  # the five newest, and how many in all
    assert "领导批示" not in html
    c.post("/notifications/read-all/")
    assert 'id="my-notifications"' not in c.get("/").content.decode()


def test_a_foreign_link_is_not_followed(users):
    h = users["demo_handler"]
    n = notify(recipients=[h], kind="urge", title="x", link="//evil.example/")[0]
    r = _client("demo_handler").get(f"/notifications/{n.pk}/open/")
    assert r.status_code == 302 and r["Location"] == "/notifications/"


def test_preferences_page(users):
    h = users["demo_handler"]
    c = _client("demo_handler")
    html = c.get("/notifications/preferences/").content.decode()
    assert 'name="sms_urge" aria-label="催办 短信" checked' in html and 'data-test="no-phone"' in html
    r = c.post("/notifications/preferences/", {"phone": "139 1234 5678", "email": "h@example.gov.cn",
                                               "email_urge": "on", "sms_escalation": "on"})
    assert r.status_code == 302
    contact = Contact.objects.get(user=h)
    assert contact.phone == "13912345678" and "5678" not in contact.phone_enc
    html = c.get("/notifications/preferences/").content.decode()
    assert "139****5678" in html and "13912345678" not in html
    assert 'name="sms_urge" aria-label="催办 短信">' in html and 'name="email_urge" aria-label="催办 电子邮件" checked' in html
    # an empty phone keeps it; bad input is refused with a message and changes nothing
    c.post("/notifications/preferences/", {"email": "h@example.gov.cn"})
    assert Contact.objects.get(user=h).phone == "13912345678"
    for data in ({"phone": "12"}, {"phone": "1391234\x005678"}, {"email": "x" * 300}):
        r = c.post("/notifications/preferences/", {"email": "h@example.gov.cn", **data})
        assert r.status_code == 422 and 'role="alert"' in r.content.decode()
    assert Contact.objects.get(user=h).phone == "13912345678"
    c.post("/notifications/preferences/", {"email": "h@example.gov.cn", "phone_clear": "1"})
    assert not Contact.objects.filter(user=h).exists()
    assert type(h).objects.get(pk=h.pk).email == "h@example.gov.cn"


def test_browser_inbox(org, users, page, login, live_server):
    h = users["demo_handler"]
    notify(recipients=[h], kind="supervision", title="督办：幸福小区停车收费", link="/notifications/preferences/")
    notify(recipients=[h], kind="urge", title="催办：道路维修")
    login("demo_handler")
    page.wait_for_selector('[data-nav="notifications"] .badge')
    assert page.inner_text('[data-nav="notifications"] .badge') == "2"
    page.click('[data-nav="notifications"]')
    page.wait_for_selector("table.notifications")
    page.click("text=督办：幸福小区停车收费")  # opens its link, marks it read
    page.wait_for_selector("form.preferences")
    assert page.inner_text('[data-nav="notifications"] .badge') == "1"
    page.click('[data-nav="notifications"]')
    page.wait_for_selector('[data-test="read"]')
    page.click('[data-test="read"]')
    page.wait_for_selector("table.notifications")
    assert page.query_selector('[data-nav="notifications"] .badge') is None
    assert not Notification.objects.filter(recipient=h, read_at__isnull=True).exists()
