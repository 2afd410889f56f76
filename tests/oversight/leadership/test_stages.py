"""包案 plan and stages (转包案 → 推进化解 → 稳控 → 化解): services, refusals, the sweep with frozen time,
and a browser test in which a 包案 is arranged and moves through its four stages on the page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from xinfang.audit.models import AuditEntry
from xinfang.common.errors import ApplicationError
from xinfang.common.sweeps import sweeps_run
from xinfang.notifications.models import Notification
from xinfang.oversight import selectors, services
from xinfang.oversight.models import Ownership, OwnershipStage
from xinfang.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db


def _owned(routed, user):
    p = routed()
    own = services.ownership_assign(actor=user("demo_dispatcher"), petition=p.pk, leader="demo_leader",
                                    note="一个月内化解")
    return p, own


def test_assign_creates_four_stages_the_first_entered(routed, user):
    p, own = _owned(routed, user)
    rows = {r.stage: r for r in OwnershipStage.objects.filter(ownership=own)}
    assert set(rows) == {"transfer", "progress", "stabilize", "resolve"}
    assert rows["transfer"].entered_at == own.assigned_at and rows["progress"].entered_at is None
    assert own.stage == "transfer"


def test_plan_and_dues_then_advance_through_the_four_stages(routed, user):
    p, own = _owned(routed, user)
    today = timezone.localdate()
    services.ownership_plan_set(actor=user("demo_leader"), ownership=own.pk, plan="见面约谈，落实退费",
                                dues={"transfer": today.isoformat(), "progress": today + dt.timedelta(10),
                                      "stabilize": "", "resolve": (today + dt.timedelta(30)).isoformat()})
    own.refresh_from_db()
    assert own.plan == "见面约谈，落实退费"
    assert PetitionEvent.objects.filter(petition=p, action="own_plan").count() == 1
    assert AuditEntry.objects.filter(action="petition.own_plan").count() == 1
    # the same values again write nothing
    services.ownership_plan_set(actor=user("demo_leader"), ownership=own.pk, plan="见面约谈，落实退费",
                                dues={"progress": today + dt.timedelta(10)})
    assert PetitionEvent.objects.filter(petition=p, action="own_plan").count() == 1
    for i, (frm, to) in enumerate((("transfer", "progress"), ("progress", "stabilize"), ("stabilize", "resolve"))):
        actor = user("demo_leader") if i % 2 == 0 else user("demo_dispatcher")  # the owner or an arranger
        own = services.ownership_stage_advance(actor=actor, ownership=own.pk, note=f"第{i + 1}步完成", stage=frm)
        assert own.stage == to
    own = services.ownership_stage_advance(actor=user("demo_leader"), ownership=own.pk, note="已化解")
    views = selectors.ownership_stage_views(Ownership.objects.get(pk=own.pk))
    assert [v.state for v in views] == ["done"] * 4
    assert [v.note for v in views] == ["第1步完成", "第2步完成", "第3步完成", "已化解"]
    events = PetitionEvent.objects.filter(petition=p, action="own_stage").order_by("pk")
    assert [e.data["to"] for e in events] == ["progress", "stabilize", "resolve", ""]
    assert AuditEntry.objects.filter(action="petition.own_stage").count() == 4
    with pytest.raises(ApplicationError) as exc:
        services.ownership_stage_advance(actor=user("demo_leader"), ownership=own.pk, note="再推进")
    assert exc.value.code == "conflict"


@pytest.mark.parametrize("kwargs,code,field", [
    ({"dues": {"progress": "2026-13-01"}}, "invalid", "due_progress"),
    ({"dues": {"progress": "明天"}}, "invalid", "due_progress"),
    ({"dues": {"nope": "2026-01-01"}}, "invalid", "dues"),
    ({"dues": {"progress": "1999-01-01"}}, "invalid", "due_progress"),
    ({"plan": "x\x00y"}, "invalid", "plan"),
    ({"plan": "长" * 4001}, "invalid", "plan"),
])
def test_plan_refusals_change_nothing(routed, user, kwargs, code, field):
    p, own = _owned(routed, user)
    with pytest.raises(ApplicationError) as exc:
        services.ownership_plan_set(actor=user("demo_leader"), ownership=own.pk, **kwargs)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert not PetitionEvent.objects.filter(petition=p, action="own_plan").exists()
    assert not OwnershipStage.objects.filter(ownership=own, due_date__isnull=False).exists()


def test_dues_out_of_order_and_before_assignment_are_refused(routed, user):
    p, own = _owned(routed, user)
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as exc:
        services.ownership_plan_set(actor=user("demo_leader"), ownership=own.pk,
                                    dues={"progress": today + dt.timedelta(10), "stabilize": today + dt.timedelta(5)})
    assert exc.value.field == "due_stabilize"
    with pytest.raises(ApplicationError) as exc:
        services.ownership_plan_set(actor=user("demo_leader"), ownership=own.pk, dues={"transfer": today - dt.timedelta(1)})
    assert exc.value.field == "due_transfer"


def test_who_may_advance(routed, user):
    p, own = _owned(routed, user)
    for name, code in (("demo_handler", "forbidden"), ("demo_clerk", "forbidden"), ("demo_leader2", "not_found"),
                       ("demo_dispatcher2", "not_found")):
        with pytest.raises(ApplicationError) as exc:
            services.ownership_stage_advance(actor=user(name), ownership=own.pk, note="推进")
        assert exc.value.code == code, name
    for bad in ("abc", -1, 0, 2**70, None):
        with pytest.raises(ApplicationError) as exc:
            services.ownership_stage_advance(actor=user("demo_leader"), ownership=bad, note="推进")
        assert exc.value.code == "not_found"
    with pytest.raises(ApplicationError) as exc:
        services.ownership_stage_advance(actor=user("demo_leader"), ownership=own.pk, note="  ")
    assert exc.value.code == "invalid" and exc.value.field == "note"
    with pytest.raises(ApplicationError) as exc:  # a stale page
        services.ownership_stage_advance(actor=user("demo_leader"), ownership=own.pk, note="推进", stage="stabilize")
    assert exc.value.code == "conflict"
    services.ownership_end(actor=user("demo_leader"), ownership=own.pk, reason="调整")
    with pytest.raises(ApplicationError) as exc:
        services.ownership_stage_advance(actor=user("demo_leader"), ownership=own.pk, note="推进")
    assert exc.value.code == "conflict"
    assert Ownership.objects.get(pk=own.pk).stage == "transfer"


def test_stage_sweep_due_then_overdue_once_each(routed, user):
    base = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    with time_machine.travel(base, tick=False):
        p, own = _owned(routed, user)
        services.ownership_plan_set(actor=user("demo_leader"), ownership=own.pk,
                                    dues={"transfer": base.date() + dt.timedelta(3)})
        sweeps_run(timezone.now())
    assert not Notification.objects.filter(kind="ownership_stage").exists()
    with time_machine.travel(base + dt.timedelta(days=2), tick=False):  # due tomorrow
        sweeps_run(timezone.now())
        sweeps_run(timezone.now())
    notes = list(Notification.objects.filter(kind="ownership_stage"))
    assert len(notes) == 1 and notes[0].recipient.username == "demo_leader" and "即将到期" in notes[0].title
    with time_machine.travel(base + dt.timedelta(days=4), tick=False):  # overdue
        sweeps_run(timezone.now())
        sweeps_run(timezone.now())
        overdue = selectors.ownership_stages_due(user("demo_leader"))
        assert [(o.pk, v.stage, v.overdue) for o, v in overdue] == [(own.pk, "transfer", True)]
    assert Notification.objects.filter(kind="ownership_stage").count() == 2
    assert "已逾期" in Notification.objects.filter(kind="ownership_stage").latest("pk").title
    with time_machine.travel(base + dt.timedelta(days=4, hours=1), tick=False):
        services.ownership_stage_advance(actor=user("demo_leader"), ownership=own.pk, note="已转交")
        sweeps_run(timezone.now())  # the next stage has no due date: nothing more
    assert Notification.objects.filter(kind="ownership_stage").count() == 2
    assert PetitionEvent.objects.get(petition=p, action="own_stage").data["overdue"] is True


def test_panel_shows_stages_and_overdue_mark(routed, user, client):
    p, own = _owned(routed, user)
    OwnershipStage.objects.filter(ownership=own, stage="transfer").update(due_date=timezone.localdate() - dt.timedelta(1))
    client.force_login(user("demo_leader"))
    html = client.get(f"/petitions/{p.pk}/").content.decode()
    assert 'data-overdue="transfer"' in html and 'data-ownership="stage"' in html
    assert 'data-stage="transfer"' in client.get("/ownerships/").content.decode()
    client.force_login(user("demo_handler"))  # sees the stages, no forms
    html = client.get(f"/petitions/{p.pk}/").content.decode()
    assert 'data-stage-row="transfer"' in html and 'data-ownership="stage"' not in html
    # a refused form answers with the error, not a 500
    client.force_login(user("demo_leader"))
    r = client.post(f"/petitions/{p.pk}/ownership/plan/", {"plan": "x", "due_progress": "2026-02-30"})
    assert r.status_code == 422 and "日期格式" in r.content.decode()
    r = client.post(f"/petitions/{p.pk}/ownership/stage/", {"note": ""})
    assert r.status_code == 422
    r = client.post(f"/petitions/{p.pk + 10000}/ownership/stage/", {"note": "x"})
    assert r.status_code == 404


def test_browser_a_bao_an_moves_through_its_four_stages(routed, login, live_server):
    p = routed()
    page = login("demo_dispatcher")
    page.goto(f"{live_server.url}/petitions/{p.pk}/")
    page.click("summary[data-ownership=assign]")
    page.select_option("select[name=leader]", "demo_leader")
    page.fill("details[open] textarea[name=note]", "一个月内化解")
    page.click("details[open] button[type=submit]")
    page.wait_for_selector("dd[data-owner=demo_leader]")
    page.context.clear_cookies()
    page = login("demo_leader")
    page.goto(f"{live_server.url}/petitions/{p.pk}/")
    page.click("summary[data-ownership=plan]")
    page.fill("details[open] textarea[name=plan]", "约谈信访人，督促物业退费")
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    page.fill("details[open] input[name=due_transfer]", due)
    page.click("details[open] button[type=submit]")
    page.wait_for_selector(".ownership-plan")
    assert due in page.inner_text("li[data-stage-row=transfer]")
    for stage, following in (("transfer", "progress"), ("progress", "stabilize"), ("stabilize", "resolve"),
                             ("resolve", None)):
        assert page.get_attribute(f"li[data-stage-row={stage}]", "data-state") == "current"
        page.click("summary[data-ownership=stage]")
        page.fill("details[open] textarea[name=note]", f"{stage}完成")
        page.click("details[open] button[type=submit]")
        page.wait_for_selector(f"li[data-stage-row={stage}][data-state=done]")
        if following:
            page.wait_for_selector(f"li[data-stage-row={following}][data-state=current]")
    assert page.query_selector("summary[data-ownership=stage]") is None
    own = Ownership.objects.get(petition=p)
    assert own.plan == "约谈信访人，督促物业退费"
    assert list(OwnershipStage.objects.filter(ownership=own).exclude(completed_at=None)
                .values_list("note", flat=True).order_by("completed_at", "pk")) == [
        "transfer完成", "progress完成", "stabilize完成", "resolve完成"]
