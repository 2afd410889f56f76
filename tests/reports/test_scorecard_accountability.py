"""问责记录: create (jurisdiction, roles, petitions within scope, validation), the notice to the target
unit's leaders, the timeline, the pages and the petition panel; and the API over real HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from report_builders import bulk, local

from xinfang.common.errors import ApplicationError
from xinfang.notifications.models import Notification
from xinfang.oversight.scorecards.models import AccountabilityRecord
from xinfang.oversight.scorecards.services import accountability_create
from xinfang.workflow.models import PetitionEvent


@pytest.fixture
def petitions(db, org):
    dh = bulk(2, unit="DH-XF", handling_unit="DH-ZJ", channel="letter", received_at=local(2026, 3, 1),
              title="住建超期")
    xs = bulk(1, unit="XS-XF", handling_unit="XS-ZJ", channel="letter", received_at=local(2026, 3, 1),
              region="990103001", title="西山超期")
    return {"dh": dh, "xs": xs}


def base(**kw):
    return {"kind": "interview", "unit": "DH-ZJ", "reason": "超期未办结", "decision": "约谈局长", "people": "张某",
            "document_no": "东信督〔2026〕3号", **kw}


@pytest.mark.django_db
def test_create_notifies_and_links(petitions, users):
    p1, p2 = petitions["dh"]
    rec = accountability_create(actor=users["demo_supervisor"], petitions=[p1.pk, p2.number], **base())
    assert rec.issuing_unit.code == "DH-XF" and rec.unit.code == "DH-ZJ"
    assert set(rec.petitions.values_list("pk", flat=True)) == {p1.pk, p2.pk}
    notes = Notification.objects.filter(kind="accountability")
    assert {n.recipient.username for n in notes} == {"demo_leader"}  # the leaders of DH-ZJ
    assert "超期未办结" in notes[0].body
    assert PetitionEvent.objects.filter(petition=p1, action="accountability").count() == 1
    # a leader of the department records about their own department
    rec2 = accountability_create(actor=users["demo_leader"], **base(kind="criticism", petitions=""))
    assert rec2.issuing_unit.code == "DH-ZJ" and rec2.petitions.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("who,kw,code,field", [
    ("demo_handler", {}, "forbidden", None),  # wrong role
    ("demo_analyst", {}, "forbidden", None),  # sees reports, may not decide
    ("demo_supervisor2", {}, "invalid", "unit"),  # the other district's unit: no such unit
    ("demo_leader", {"unit": "DH-RS"}, "invalid", "unit"),  # a department leader: another department is not theirs
    ("demo_supervisor", {"unit": "XS-ZJ"}, "invalid", "unit"),
    ("demo_supervisor", {"kind": "fine"}, "invalid", "kind"),
    ("demo_supervisor", {"reason": "  "}, "invalid", "reason"),
    ("demo_supervisor", {"decision": "x" * 4001}, "invalid", "decision"),
    ("demo_supervisor", {"people": "a\x00b"}, "invalid", "people"),
    ("demo_supervisor", {"decided_on": "2999-01-01"}, "invalid", "decided_on"),
    ("demo_supervisor", {"decided_on": "yesterday"}, "invalid", "decided_on"),
    ("demo_supervisor", {"petitions": ["XS"]}, "invalid", "petitions"),
    ("demo_supervisor", {"petitions": [2**70]}, "invalid", "petitions"),
])
def test_refusals(petitions, users, who, kw, code, field):
    with pytest.raises(ApplicationError) as exc:
        accountability_create(actor=users[who], **base(**kw))
    assert exc.value.code == code and (field is None or exc.value.field == field)
    assert AccountabilityRecord.objects.count() == 0 and Notification.objects.count() == 0


@pytest.mark.django_db
def test_petition_outside_scope_refused(petitions, users):
    with pytest.raises(ApplicationError) as exc:
        accountability_create(actor=users["demo_supervisor"], **base(petitions=[petitions["xs"][0].pk]))
    assert exc.value.field == "petitions"
    assert AccountabilityRecord.objects.count() == 0 and not PetitionEvent.objects.exists()


@pytest.mark.django_db
def test_pages_and_panel(petitions, users):
    p1 = petitions["dh"][0]
    c = Client()
    c.force_login(users["demo_supervisor"])
    assert c.get(reverse("web:accountability_new")).status_code == 200
    resp = c.post(reverse("web:accountability_new"), {**base(), "petitions": p1.number, "decided_on": "2026-06-01"})
    assert resp.status_code == 302
    rec = AccountabilityRecord.objects.get()
    assert rec.decided_at.date() == dt.date(2026, 6, 1)
    detail = c.get(resp["Location"]).content.decode()
    assert p1.number in detail and "东信督〔2026〕3号" in detail
    resp = c.post(reverse("web:accountability_new"), {**base(), "unit": "XS-ZJ"})
    assert resp.status_code == 422 and "单位不存在" in resp.content.decode()
    assert AccountabilityRecord.objects.count() == 1
    listing = c.get(reverse("web:accountability_list"), {"kind": "interview"}).content.decode()
    assert f'data-record="{rec.pk}"' in listing
    assert f'data-record="{rec.pk}"' not in c.get(reverse("web:accountability_list"), {"kind": "criticism"}).content.decode()
    assert c.get(reverse("web:accountability_list"), {"export": "xlsx"}).status_code == 200
    assert c.get(reverse("web:accountability_list"), {"from": "garbage"}).status_code == 200
    # the petition page shows the record
    page = c.get(reverse("web:petition", args=[p1.pk])).content.decode()
    assert f'data-record="{rec.pk}"' in page
    # the target unit's leader sees it; the other district does not (404)
    leader = Client()
    leader.force_login(users["demo_leader"])
    assert leader.get(reverse("web:accountability_detail", args=[rec.pk])).status_code == 200
    other = Client()
    other.force_login(users["demo_supervisor2"])
    assert other.get(reverse("web:accountability_detail", args=[rec.pk])).status_code == 404
    assert f'data-record="{rec.pk}"' not in other.get(reverse("web:accountability_list")).content.decode()
    clerk = Client()
    clerk.force_login(users["demo_clerk"])
    assert clerk.get(reverse("web:accountability_list")).status_code == 404
    assert clerk.get(reverse("web:accountability_new")).status_code == 404
    assert clerk.post(reverse("web:accountability_new"), base()).status_code == 404
    assert AccountabilityRecord.objects.count() == 1


@pytest.mark.django_db
def test_demo_seed_idempotent(petitions, users):
    from django.utils import timezone

    from xinfang.petitions.models import Petition
    from xinfang.web.management.demo_scorecards import seed_demo

    Petition.objects.filter(pk=petitions["dh"][0].pk).update(due_on=dt.date(2026, 4, 1))
    seed_demo(users, timezone.now())
    seed_demo(users, timezone.now())
    rec = AccountabilityRecord.objects.get()
    assert rec.unit.code == "DH-ZJ" and list(rec.petitions.all()) == [petitions["dh"][0]]
