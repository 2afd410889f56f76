"""The workbench: the manual urge from the petition page, the contact-log panel, 首问负责 (the field,
the notice, the 首问来电 queue), the 催办 list and the admins' rules page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from xinfang.notifications.models import Notification
from xinfang.org.choices import Role
from xinfang.org.models import Membership
from xinfang.oversight.urging.models import Contact, SweepPolicy, Urge
from xinfang.petitions.models import Petition
from xinfang.petitions.services import PetitionerInput
from xinfang.workflow.models import PetitionEvent
from xinfang.workflow.queues import queue, queue_counts

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"


@pytest.fixture
def as_user(client, org):
    def _as(username):
        client.logout()
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return _as


def html(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200, r.status_code
    return r.content.decode()


def test_supervisor_urges_from_the_petition_page(register, as_user):
    p, _code = register()
    c = as_user("demo_supervisor")
    page = html(c, f"/petitions/{p.pk}/")
    assert 'data-action="urge"' in page or "催办意见" in page
    r = c.post(f"/petitions/{p.pk}/act/urge/", {"version": p.version, "note": ""})
    assert r.status_code == 422 and not Urge.objects.exists()
    r = c.post(f"/petitions/{p.pk}/act/urge/", {"version": p.version, "note": "请抓紧受理。"})
    assert r.status_code == 302
    urge = Urge.objects.get()
    assert urge.actor.username == "demo_supervisor" and urge.unit.code == "DH-XF" and not urge.auto
    assert Notification.objects.filter(recipient__username="demo_dispatcher", kind="urge").exists()
    page = html(c, f"/petitions/{p.pk}/")
    assert f'data-urge="{urge.pk}"' in page and "请抓紧受理。" in page
    listing = html(c, "/oversight/urges/")
    assert f'data-urge="{urge.pk}"' in listing
    assert f'data-urge="{urge.pk}"' not in html(c, "/oversight/urges/?kind=auto")
    assert f'data-urge="{urge.pk}"' in html(c, "/oversight/urges/?kind=manual&unit=DH-XF")
    assert f'data-urge="{urge.pk}"' not in html(c, "/oversight/urges/?since=2999-01-01")
    assert "日期格式不正确" in html(c, "/oversight/urges/?since=abc")
    assert f'data-urge="{urge.pk}"' not in html(as_user("demo_supervisor2"), "/oversight/urges/")
    home = html(as_user("demo_supervisor"), "/")
    assert 'href="/oversight/urges/"' in home and 'id="urging-home"' in home  # navigation and home panel
    assert f'data-urge="{urge.pk}"' in home
    assert 'id="urging-home"' not in html(as_user("demo_clerk"), "/")


def test_contact_form_on_the_petition_page(routed, act, as_user):
    p = routed()
    p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    c = as_user("demo_handler")
    page = html(c, f"/petitions/{p.pk}/")
    assert 'id="contacts"' in page and 'data-urging="contact"' in page
    assert 'data-first-contact="demo_clerk"' in page
    r = c.post(f"/petitions/{p.pk}/contacts/", {"method": "phone", "kind": "first", "note": ""})
    assert r.status_code == 302 and not Contact.objects.exists()
    r = c.post(f"/petitions/{p.pk}/contacts/", {"method": "phone", "kind": "first", "note": "电话告知已受理\u0000"})
    assert not Contact.objects.exists()
    r = c.post(f"/petitions/{p.pk}/contacts/", {"method": "meeting", "kind": "first", "note": "面谈，告知已受理。",
                                                "at": "2020-01-01T09:00"})  # before the petition
    assert not Contact.objects.exists()
    r = c.post(f"/petitions/{p.pk}/contacts/", {"method": "meeting", "kind": "first", "note": "面谈，告知已受理。"})
    assert r.status_code == 302 and r["Location"] == f"/petitions/{p.pk}/#contacts"
    contact = Contact.objects.get()
    assert contact.by.username == "demo_handler" and contact.unit.code == "DH-ZJ"
    assert PetitionEvent.objects.filter(petition=p, action="contact").count() == 1
    assert f'data-contact="{contact.pk}"' in html(c, f"/petitions/{p.pk}/")
    # the analyst sees the petition but has no place in the handling chain: no form, refused
    a = as_user("demo_analyst")
    assert 'data-urging="contact"' not in html(a, f"/petitions/{p.pk}/")
    a.post(f"/petitions/{p.pk}/contacts/", {"method": "phone", "kind": "progress", "note": "x"})
    assert Contact.objects.count() == 1
    assert as_user("demo_handler2").post(f"/petitions/{p.pk}/contacts/",
                                         {"method": "phone", "kind": "progress", "note": "x"}).status_code == 404


def test_first_contact_stays_with_the_petitioner(org, register, as_user):
    office = org.units["DH-XF"]
    User = get_user_model()
    other = User.objects.create_user("clerk_b", password="x-pass-12345678", last_name="乙", first_name="登记")
    Membership.objects.create(user=other, unit=office, role=Role.CLERK)
    person = [PetitionerInput(name="王五", id_number=VALID_ID, phone="13700137000")]
    first, _c = register(petitioners=person)
    assert first.first_contact.username == "demo_clerk"
    assert not Notification.objects.filter(kind="first_contact").exists()
    second, _c = register(actor=User.objects.get(pk=other.pk), petitioners=person, title="再次反映停车费问题")
    assert Petition.objects.get(pk=second.pk).first_contact.username == "demo_clerk"
    note = Notification.objects.get(kind="first_contact")
    assert note.recipient.username == "demo_clerk" and note.petition_id == second.pk
    clerk = User.objects.get(username="demo_clerk")
    assert list(queue(clerk, "first_contact")) == [Petition.objects.get(pk=second.pk)]
    assert queue_counts(clerk, fresh=True)["first_contact"] == 1
    c = as_user("demo_clerk")
    assert "首问来电" in html(c, "/")
    assert second.number in html(c, "/queue/first_contact/")
    # another petitioner: the registering clerk is the first contact
    third, _c = register(actor=User.objects.get(pk=other.pk),
                         petitioners=[PetitionerInput(name="赵六", phone="13600136000")])
    assert third.first_contact.username == "clerk_b"
    assert Notification.objects.filter(kind="first_contact").count() == 1


def test_policy_page_for_admins(org, as_user):
    c = as_user("demo_admin")
    assert "提醒与催办规则" in html(c, "/manage/urging/")
    r = c.post("/manage/urging/", {"unit": "DH-ZJ", "remind_notice": "on", "auto_urge": "on", "escalate_after": "5",
                                   "contact_within": "3", "progress_every": "15"})
    assert r.status_code == 302
    row = SweepPolicy.objects.get(unit__code="DH-ZJ")
    assert (row.remind_notice, row.remind_severe, row.auto_urge, row.escalate_after, row.contact_within,
            row.progress_every, row.delivery_after) == (True, False, True, 5, 3, 15, 3)
    r = c.post("/manage/urging/", {"unit": "DH-ZJ", "escalate_after": "-1"})
    assert r.status_code == 422 and SweepPolicy.objects.get(unit__code="DH-ZJ").escalate_after == 5
    r = c.post("/manage/urging/", {"unit": "NOPE", "escalate_after": "1"})
    assert r.status_code == 422
    assert c.post("/manage/urging/", {"unit": "DH\x00", "escalate_after": "1"}).status_code == 422
    assert c.post("/manage/urging/", {"unit": "DH-ZJ", "escalate_after": "1\x00"}).status_code == 422
    assert c.post("/manage/urging/abc/delete/").status_code == 404
    assert 'data-policy="DH-ZJ"' in html(c, "/manage/urging/")
    # the other district's admin neither sees nor deletes it
    c2 = as_user("demo_admin2")
    assert 'data-policy="DH-ZJ"' not in html(c2, "/manage/urging/")
    assert c2.post(f"/manage/urging/{row.pk}/delete/").status_code == 404
    assert c2.post("/manage/urging/", {"unit": "DH-ZJ", "escalate_after": "9"}).status_code == 404
    assert c2.post("/manage/urging/", {"unit": "", "escalate_after": "9"}).status_code == 404  # the default
    assert SweepPolicy.objects.get(unit__code="DH-ZJ").escalate_after == 5
    assert as_user("demo_supervisor").get("/manage/urging/").status_code == 404
    c = as_user("demo_admin")
    assert c.post(f"/manage/urging/{row.pk}/delete/").status_code == 302
    assert not SweepPolicy.objects.exists()


def test_hostile_filters_answer_cleanly(as_user):
    c = as_user("demo_supervisor")
    for query in ("unit=%00", "since=2026-13-45", "until=%00", "page=-1", "page=99999999999999999999", "kind=%00"):
        assert c.get(f"/oversight/urges/?{query}").status_code == 200, query
    assert c.post("/petitions/99999999999999999999/contacts/", {"method": "phone"}).status_code == 404
