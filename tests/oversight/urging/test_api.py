"""Over real HTTP: the Must-show (a 40-day-old letter never accepted is overdue and urged after one
`xinfang worker --once`), the manual `urge` move, the contact log and the urge list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from xinfang.notifications.models import Notification
from xinfang.oversight.urging.models import Contact, Urge

pytestmark = pytest.mark.django_db(transaction=True)


def letter(days_ago: int = 40, **overrides) -> dict:
    body = {
        "channel": "letter",
        "received_at": (timezone.localtime() - dt.timedelta(days=days_ago)).isoformat(timespec="seconds"),
        "title": "村道损毁无人修复", "content": "石桥村村道去年汛期损毁，至今无人修复，村民出行困难。",
        "demands": "请求尽快修复村道。", "category": "010101", "nature": "appeal", "problem_region": "990102002",
        "petitioners": [{"name": "李四", "phone": "13900139000"}],
    }
    body.update(overrides)
    return body


def test_a_40_day_old_letter_is_overdue_and_urged_after_one_worker_pass(api):
    clerk = api("demo_clerk")
    r = clerk.post("/petitions", letter())
    assert r.status == 201, r.body
    pid = r.json()["id"]
    call_command("worker", once=True)
    detail = clerk.get(f"/petitions/{pid}").json()
    assert detail["warning_level"] == "overdue" and detail["status"] == "registered"
    assert detail["first_contact"] == "demo_clerk"  # 首问负责: the clerk who received it
    events = clerk.get(f"/petitions/{pid}/events").json()
    urges = [e for e in events if e["action"] == "urge"]
    assert len(urges) == 1 and urges[0]["data"]["auto"] is True and urges[0]["label"] == "催办"
    assert Urge.objects.filter(petition_id=pid, auto=True, unit__code="DH-XF").count() == 1
    # the responsible unit heard of it; a second pass urges no more
    assert Notification.objects.filter(recipient__username="demo_dispatcher", kind="urge", petition_id=pid).count() == 1
    call_command("worker", once=True)
    assert len([e for e in clerk.get(f"/petitions/{pid}/events").json() if e["action"] == "urge"]) == 1
    listed = api("demo_supervisor").get("/urges?auto=true").json()
    assert [u["petition"] for u in listed["results"]] == [pid] and listed["results"][0]["actor"] is None


def test_manual_urge_over_the_api(api):
    r = api("demo_clerk").post("/petitions", letter(days_ago=3))
    pid, version = r.json()["id"], r.json()["version"]
    sup = api("demo_supervisor")
    # a note is required; nothing is stored when refused
    bad = sup.post(f"/petitions/{pid}/actions/urge", {"version": version, "note": "  "})
    assert bad.status == 422 and bad.error["field"] == "note"
    assert not Urge.objects.exists()
    ok = sup.post(f"/petitions/{pid}/actions/urge", {"version": version, "note": "请于三日内受理并告知信访人。"})
    assert ok.status == 200, ok.body
    urge = Urge.objects.get()
    assert (urge.auto, urge.actor.username, urge.unit.code, urge.note) == (False, "demo_supervisor", "DH-XF",
                                                                          "请于三日内受理并告知信访人。")
    assert Notification.objects.filter(recipient__username="demo_dispatcher", kind="urge").count() == 1
    event = [e for e in sup.get(f"/petitions/{pid}/events").json() if e["action"] == "urge"][0]
    assert event["data"]["urge"] == urge.pk and event["data"]["unit"] == "DH-XF"
    assert event["note"] == "请于三日内受理并告知信访人。"
    # another district's supervisor cannot see it: 404; refusals change no message
    before = list(Notification.objects.order_by("pk").values())
    other = api("demo_supervisor2").post(f"/petitions/{pid}/actions/urge", {"version": version + 1, "note": "催"})
    assert other.status == 404
    # an informant may not urge
    assert api("demo_informant").post(f"/petitions/{pid}/actions/urge",
                                      {"version": version + 1, "note": "催"}).status in (403, 404, 409)
    assert api("demo_supervisor2").get("/urges").json()["count"] == 0
    assert api("demo_informant").get(f"/petitions/{pid}/contacts").status == 404
    assert api("demo_informant").post(f"/petitions/{pid}/contacts", {"method": "phone", "note": "x"}).status == 404
    assert Urge.objects.count() == 1 and list(Notification.objects.order_by("pk").values()) == before


def test_contact_log_over_the_api(api, act, org):
    r = api("demo_clerk").post("/petitions", letter(days_ago=1))
    pid = r.json()["id"]
    from xinfang.petitions.models import Petition

    p = act("demo_dispatcher", Petition.objects.get(pk=pid), "assign", unit="DH-ZJ")
    act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    handler = api("demo_handler")
    for body, field in (({"method": "fax", "note": "x"}, "method"), ({"method": "phone", "note": ""}, "note"),
                        ({"method": "phone", "note": "a\u0000b"}, "note"),
                        ({"method": "phone", "note": "x", "at": "2999-01-01T00:00:00+08:00"}, "at"),
                        ({"method": "phone", "note": "x" * 2001}, "note")):
        bad = handler.post(f"/petitions/{pid}/contacts", body)
        assert bad.status == 422, (body, bad.body)
        assert bad.error["field"] in (field, f"body.{field}", None) or field in bad.error["field"]
    assert not Contact.objects.exists()
    ok = handler.post(f"/petitions/{pid}/contacts", {"method": "phone", "kind": "first", "note": "电话告知已受理。"})
    assert ok.status == 201, ok.body
    assert ok.json()["by"] == "demo_handler" and ok.json()["method_label"] == "电话"
    listed = handler.get(f"/petitions/{pid}/contacts").json()
    assert listed["first_contact"] == "demo_clerk" and [c["note"] for c in listed["results"]] == ["电话告知已受理。"]
    assert any(e["action"] == "contact" and e["label"] == "联系信访人"
               for e in handler.get(f"/petitions/{pid}/events").json())
    # outside the jurisdiction: 404; inside without a place in the handling chain: refused
    assert api("demo_handler2").get(f"/petitions/{pid}/contacts").status == 404
    assert api("demo_handler2").post(f"/petitions/{pid}/contacts", {"method": "phone", "note": "x"}).status == 404
    assert api("demo_analyst").post(f"/petitions/{pid}/contacts", {"method": "phone", "note": "x"}).status == 409
    assert Contact.objects.count() == 1
    assert api("demo_handler").get("/petitions/99999999/contacts").status == 404


def test_urge_list_filters(api):
    assert api("demo_supervisor").get("/urges?since=2026-05-01&until=2026-04-01").status == 422
    assert api("demo_supervisor").get("/urges?since=bad").status == 422
    assert api("demo_supervisor").get("/urges?unit=%00").status == 422
    assert api("demo_supervisor").get("/urges?page=0").status == 422
    assert api("demo_supervisor").get("/petitions/9223372036854775808/contacts").status in (404, 422)
    assert api("demo_supervisor").get("/urges?unit=DH-XF&auto=false").json()["count"] == 0
