"""重新生成查询码 at the counter (issue 11): the service and the web page.

The old code stops working and the new one works on the portal's tracking check; only the receiving
unit's clerks and dispatchers may reissue (others inside the jurisdiction: forbidden; outside it, or an
accusation outside its handling chain: not found); the audit row never holds the code; the web page
shows the new code once and puts it on the printable receipt."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from xinfang.audit.models import AuditEntry
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.petitions.models import Petition
from xinfang.petitions.services import query_code_reissue
from xinfang.portal import throttle
from xinfang.portal.access import petition_track

pytestmark = pytest.mark.django_db


def _user(users, name):
    return get_user_model().objects.get(pk=users[name].pk)  # fresh: memberships are cached per object


def _client(users, name) -> Client:
    c = Client()
    c.force_login(users[name])
    return c


def _tracks(petition, code) -> bool:
    try:
        return petition_track(number=petition.number, code=code).pk == petition.pk
    except ApplicationError as exc:
        assert exc.code == "not_found", exc.code
        return False


def test_reissue_replaces_the_code(register, users):
    p, old = register()
    assert _tracks(p, old)
    version, events = p.version, p.events.count()
    petition, new = query_code_reissue(actor=_user(users, "demo_clerk"), petition_id=p.pk)
    assert petition.pk == p.pk and new != old and len(new) == 8
    assert not _tracks(p, old)
    assert _tracks(p, new)
    assert _tracks(p, new.lower())  # typed in lower case on the portal
    p.refresh_from_db()
    assert p.version == version and p.events.count() == events  # not a move of the case
    assert new not in p.query_code_hash and old not in p.query_code_hash


def test_a_dispatcher_of_the_receiving_unit_may_reissue(register, users):
    p, old = register()
    _petition, new = query_code_reissue(actor=_user(users, "demo_dispatcher"), petition_id=p.pk)
    assert _tracks(p, new) and not _tracks(p, old)


@pytest.mark.parametrize("name", ["demo_handler", "demo_leader", "demo_supervisor", "demo_reviewer"])
def test_staff_without_the_role_at_the_receiving_unit_are_refused(register, act, users, name):
    p, old = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")  # now the handler and leader see it too
    actor = _user(users, name)
    with pytest.raises(ApplicationError) as err:
        query_code_reissue(actor=actor, petition_id=p.pk)
    assert err.value.code == "forbidden"
    assert "东湖区信访局" in err.value.message
    assert _tracks(p, old)
    assert not AuditEntry.objects.filter(action="petition.query_code_reissue").exists()


def test_another_district_gets_not_found(register, users):
    p, old = register()
    for name in ("demo_clerk2", "demo_dispatcher2"):
        with pytest.raises(NotFound):
            query_code_reissue(actor=_user(users, name), petition_id=p.pk)
    with pytest.raises(NotFound):
        query_code_reissue(actor=_user(users, "demo_clerk"), petition_id=10**12)
    assert _tracks(p, old)


def test_an_accusation_outside_the_chain_is_not_found(register, act, users):
    p, old = register(nature="accusation", title="实名检举某局干部吃拿卡要")
    act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    # 东湖区人民政府's reviewer sees it by jurisdiction but is outside its handling chain: 404, not 403
    with pytest.raises(NotFound):
        query_code_reissue(actor=_user(users, "demo_reviewer"), petition_id=p.pk)
    _petition, new = query_code_reissue(actor=_user(users, "demo_clerk"), petition_id=p.pk)
    assert _tracks(p, new) and not _tracks(p, old)


def test_the_audit_row_never_holds_the_code(register, users):
    p, old = register()
    _petition, new = query_code_reissue(actor=_user(users, "demo_clerk"), petition_id=p.pk)
    rows = list(AuditEntry.objects.filter(action="petition.query_code_reissue"))
    assert len(rows) == 1
    row = rows[0]
    assert row.actor == "demo_clerk" and row.object_id == str(p.pk) and row.data == {"number": p.number}
    for entry in AuditEntry.objects.all():
        text = repr(entry.data) + entry.object_id + entry.actor
        assert new not in text and old not in text


# ---- the web page -------------------------------------------------------------------------------------

def test_the_button_is_shown_to_those_allowed_only(register, act, users):
    p, _code = register()
    url = reverse("web:query_code_reissue", args=[p.pk])
    page = _client(users, "demo_city_dispatcher")  # clerk and dispatcher of the city office: not the receiver
    for name, shown in (("demo_clerk", True), ("demo_dispatcher", True), ("demo_supervisor", False)):
        html = _client(users, name).get(reverse("web:petition", args=[p.pk])).content.decode()
        assert (url in html) is shown, name
        if shown:
            assert html.count(url) == 1
    assert url not in page.get(reverse("web:petition", args=[p.pk])).content.decode()


def test_the_web_page_shows_the_new_code_once_and_on_the_receipt(register, users):
    p, old = register()
    for _ in range(throttle.conf("TRACK_NUMBER_LIMIT")):  # the petitioner locked the number guessing
        with pytest.raises(ApplicationError):
            petition_track(number=p.number, code="WRONG123")
    with pytest.raises(ApplicationError) as err:
        petition_track(number=p.number, code=old)
    assert err.value.code == "locked"
    c = _client(users, "demo_clerk")
    url = reverse("web:query_code_reissue", args=[p.pk])
    assert c.get(url).status_code == 405  # POST only
    r = c.post(url, follow=True)
    assert r.status_code == 200
    html = r.content.decode()
    found = re.findall(r'<b class="query-code">([A-Z0-9]{8})</b>', html)
    assert len(found) == 1
    new = found[0]
    assert new != old and _tracks(p, new) and not _tracks(p, old)  # and the lock-out is gone
    # shown once: the page again does not show it
    assert new not in c.get(reverse("web:petition", args=[p.pk])).content.decode()
    # the printable receipt carries it, once
    receipt = reverse("web:receipt", args=[p.pk])
    assert new in c.get(receipt).content.decode()
    assert new not in c.get(receipt).content.decode()


def test_the_web_refusals(register, act, users):
    p, old = register()
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    url = reverse("web:query_code_reissue", args=[p.pk])
    r = _client(users, "demo_handler").post(url)
    assert r.status_code == 403
    assert "东湖区信访局" in r.content.decode()
    assert _client(users, "demo_clerk2").post(url).status_code == 404
    anonymous = Client().post(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert Petition.objects.get(pk=p.pk).query_code_hash == p.query_code_hash
    assert _tracks(p, old)
