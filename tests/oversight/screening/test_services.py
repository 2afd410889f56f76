"""Screening rounds (the sweep, with frozen time), the risk ledger, informant reports and their two
one-step outcomes, and the urgent report's alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from xinfang.audit.models import AuditEntry
from xinfang.common.errors import ApplicationError
from xinfang.common.sweeps import sweeps_registered, sweeps_run
from xinfang.notifications.models import Notification
from xinfang.org.models import Unit
from xinfang.oversight.screening import selectors, services
from xinfang.oversight.screening.models import (
    InformantReport,
    ReportStatus,
    RiskItem,
    RiskStatus,
    RoundStatus,
    ScreeningRound,
    ScreeningSchedule,
    UrgentAlert,
)
from xinfang.petitions.models import Petition

from .conftest import at

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


def rounds_of(code):
    return list(ScreeningRound.objects.filter(unit__code=code).order_by("period_start"))


# ---- rounds ------------------------------------------------------------------------------------

def test_the_sweep_opens_each_levels_round_once_per_period(org, clock):
    assert "screening" in sweeps_registered()
    sweeps_run(at("2026-12-02"))
    village, town, county = rounds_of("DH-T1-V1"), rounds_of("DH-T1"), rounds_of("DH-XF")
    # weekly: Monday to Sunday; every two weeks: 14-day blocks from Monday 2024-01-01; monthly: the month
    assert [(r.cadence, r.period_start, r.due) for r in village] == [("weekly", D("2026-11-30"), D("2026-12-06"))]
    assert [(r.cadence, r.period_start, r.due) for r in town] == [("biweekly", D("2026-11-30"), D("2026-12-13"))]
    assert [(r.cadence, r.period_start, r.due) for r in county] == [("monthly", D("2026-12-01"), D("2026-12-31"))]
    assert not rounds_of("DH-ZJ") and not rounds_of("DH")  # departments and governments do not screen
    assert ScreeningRound.objects.count() == 8 + 4 + 2  # both districts: 8 villages, 4 towns, 2 offices
    # the village's people are told once
    informant = org.users["demo_informant"]
    notes = Notification.objects.filter(recipient=informant, kind="screening_round")
    assert notes.count() == 1 and f"/screening/rounds/{village[0].pk}/" == notes.get().link

    # run again the same day and the next: nothing new
    sweeps_run(at("2026-12-02", 10, 1))
    clock.move_to(at("2026-12-06", 23, 59))
    sweeps_run(at("2026-12-06", 23, 59))
    assert ScreeningRound.objects.count() == 14 and notes.count() == 1

    # next week: only the weekly rounds are new
    sweeps_run(at("2026-12-07", 0, 1))
    assert [r.period_start for r in rounds_of("DH-T1-V1")] == [D("2026-11-30"), D("2026-12-07")]
    assert len(rounds_of("DH-T1")) == 1 and len(rounds_of("DH-XF")) == 1
    assert notes.count() == 2
    # two weeks on: the town's second round; a new month: the district's second round
    sweeps_run(at("2026-12-14"))
    assert [r.period_start for r in rounds_of("DH-T1")] == [D("2026-11-30"), D("2026-12-14")]
    assert len(rounds_of("DH-XF")) == 1
    sweeps_run(at("2027-01-01", 0, 5))
    assert [r.period_start for r in rounds_of("DH-XF")] == [D("2026-12-01"), D("2027-01-01")]


def test_schedules_per_level_and_per_unit(org, clock):
    ScreeningSchedule.objects.create(level="village", cadence="monthly")  # every village: monthly
    ScreeningSchedule.objects.create(level="village", unit=Unit.objects.get(code="DH-T1-V2"), cadence="off")
    ScreeningSchedule.objects.create(level="town", unit=Unit.objects.get(code="DH-T2"), cadence="weekly")
    services.screening_sweep(at("2026-12-02"))
    assert [(r.cadence, r.period_start) for r in rounds_of("DH-T1-V1")] == [("monthly", D("2026-12-01"))]
    assert rounds_of("DH-T1-V2") == []
    assert [(r.cadence, r.period_start) for r in rounds_of("DH-T2")] == [("weekly", D("2026-11-30"))]
    assert [r.cadence for r in rounds_of("DH-T1")] == ["biweekly"]


def test_a_round_is_completed_with_its_findings_by_staff_above(org, clock, user):
    services.screening_sweep(at("2026-12-02"))
    rnd = rounds_of("DH-T1-V1")[0]
    with pytest.raises(ApplicationError) as e:  # the informant sees the round but does not close it
        services.round_close(actor=user("demo_informant"), round_id=rnd.pk, findings="无")
    assert e.value.code == "forbidden"
    with pytest.raises(ApplicationError) as e:
        services.round_close(actor=user("demo_town_leader2"), round_id=rnd.pk, findings="无")
    assert e.value.code == "not_found"
    with pytest.raises(ApplicationError) as e:
        services.round_close(actor=user("demo_town_leader"), round_id=rnd.pk, findings="  ")
    assert e.value.field == "findings"
    item = services.risk_create(actor=user("demo_town_leader"), round_id=rnd.pk,
                                data={"title": "石桥村土地流转纠纷", "unit": "DH-T1-V1", "level": "medium"})
    assert item.source == "round" and item.round == rnd
    services.round_close(actor=user("demo_town_leader"), round_id=rnd.pk, findings="排查3户，发现1起土地纠纷。")
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.CLOSED and rnd.closed_by.username == "demo_town_leader"
    with pytest.raises(ApplicationError) as e:
        services.round_close(actor=user("demo_town_leader"), round_id=rnd.pk, findings="again")
    assert e.value.code == "conflict"


# ---- the ledger --------------------------------------------------------------------------------

def test_ledger_create_edit_filters_and_scope(org, user, clock):
    leader = user("demo_town_leader")
    a = services.risk_create(actor=leader, data={
        "title": "幸福社区拆迁补偿纠纷", "unit": "DH-T1-V1", "region": "990102001001", "people_count": "12",
        "people": "12户居民", "level": "high", "owner": "demo_town_leader", "measures": "街道包联",
        "due": "2026-12-01"})
    b = services.risk_create(actor=user("demo_clerk"), data={"title": "青山镇欠薪", "unit": "DH-T2", "level": "low"})
    c = services.risk_create(actor=user("demo_town_leader2"), data={"title": "西山纠纷", "level": "major"})
    assert c.unit.code == "XS-T1"  # the actor's own unit by default
    assert a.owner.username == "demo_town_leader" and a.people_count == 12 and a.region.code == "990102001001"
    # scope: the town sees its villages, the district office its region, the other district nothing of it
    assert set(selectors.risks_visible(leader)) == {a}
    assert set(selectors.risks_visible(user("demo_dispatcher"))) == {a, b}
    assert set(selectors.risks_visible(user("demo_analyst"))) == {a, b}
    assert set(selectors.risks_visible(user("demo_reviewer"))) == {a, b}
    assert set(selectors.risks_visible(user("demo_town_leader2"))) == {c}
    assert not selectors.risks_visible(user("demo_informant")).exists()
    # filters
    clerk = user("demo_clerk")
    assert set(selectors.risks_filtered(clerk, level="high")) == {a}
    assert set(selectors.risks_filtered(clerk, unit="DH-T2")) == {b}
    assert set(selectors.risks_filtered(clerk, unit="DH-T1")) == {a}
    assert set(selectors.risks_filtered(clerk, overdue=True)) == {a}  # due 12-01, today 12-02
    assert set(selectors.risks_filtered(clerk, due_before=D("2026-12-31"))) == {a}
    assert set(selectors.risks_filtered(clerk, status="active")) == {a, b}
    # refusals: nothing changes
    for data, field in [({"title": ""}, "title"), ({"title": "x", "level": "huge"}, "level"),
                        ({"title": "x", "due": "2026-13-40"}, "due"), ({"title": "x", "people_count": "-1"},
                                                                        "people_count"),
                        ({"title": "x", "unit": "XS-T1"}, "unit"), ({"title": "x\x00"}, "title"),
                        ({"title": "x", "owner": "demo_leader2"}, "owner"), ({"title": "x" * 201}, "title"),
                        ({"title": "x", "region": "000000"}, "region")]:
        with pytest.raises(ApplicationError) as e:
            services.risk_create(actor=clerk, data=data)
        assert e.value.field == field, data
    with pytest.raises(ApplicationError) as e:
        services.risk_create(actor=user("demo_analyst"), data={"title": "x"})
    assert e.value.code == "forbidden" and e.value.status == 403
    with pytest.raises(ApplicationError) as e:
        services.risk_create(actor=user("demo_informant"), data={"title": "x"})
    assert e.value.code == "forbidden"
    assert RiskItem.objects.count() == 3
    # edit: resolved needs an outcome
    with pytest.raises(ApplicationError) as e:
        services.risk_update(actor=leader, risk_id=a.pk, data={"status": "resolved"})
    assert e.value.field == "outcome"
    services.risk_update(actor=leader, risk_id=a.pk, data={"status": "resolved", "outcome": "已签订补偿协议"})
    a.refresh_from_db()
    assert a.status == RiskStatus.RESOLVED and a.outcome == "已签订补偿协议" and a.title == "幸福社区拆迁补偿纠纷"
    with pytest.raises(ApplicationError) as e:
        services.risk_update(actor=user("demo_town_leader2"), risk_id=a.pk, data={"title": "改"})
    assert e.value.code == "not_found"
    assert AuditEntry.objects.filter(action="screening.risk_update").count() == 1


def test_overdue_ledger_items_remind_their_owner_once(org, user, clock):
    services.risk_create(actor=user("demo_town_leader"), data={"title": "到期事项", "unit": "DH-T1",
                                                                "owner": "demo_town_leader", "due": "2026-12-03"})
    services.risk_create(actor=user("demo_town_leader"), data={"title": "无责任人", "unit": "DH-T1",
                                                                "due": "2026-12-03"})
    assert services.risks_due_sweep(at("2026-12-03")) == 0  # due today: not yet
    assert services.risks_due_sweep(at("2026-12-04")) == 2  # the owner; the unit's leader for the other
    assert services.risks_due_sweep(at("2026-12-05")) == 0
    assert Notification.objects.filter(kind="risk_due", recipient__username="demo_town_leader").count() == 2


# ---- informant reports -------------------------------------------------------------------------

def test_an_urgent_report_alerts_the_town_and_district_leaders_only(org, user, file_report):
    report = file_report(urgent=True)
    assert report.unit.code == "DH-T1-V1" and report.region.code == "990102001001"
    alerted = set(UrgentAlert.objects.filter(report=report).values_list("user__username", flat=True))
    assert alerted == {"demo_town_leader", "demo_reviewer"}
    got = set(Notification.objects.filter(kind="informant_urgent").values_list("recipient__username", flat=True))
    assert got == {"demo_town_leader", "demo_reviewer"}  # not 西山区, not the department's leader, not the city
    assert services.alert_units(report.unit) == [Unit.objects.get(code=c) for c in ("DH-T1", "DH", "DH-XF")]
    # a leader of the district's petition office hears it too
    from xinfang.org.models import Membership

    Membership.objects.create(user=org.users["demo_supervisor"], unit=Unit.objects.get(code="DH-XF"), role="leader")
    second = file_report(title="扬言采取极端行为", urgent=True)
    assert set(second.alerts.values_list("user__username", flat=True)) == {
        "demo_town_leader", "demo_reviewer", "demo_supervisor"}
    # on the leader's list until acknowledged, per leader; acknowledging is audited
    town = user("demo_town_leader")
    assert {a.report for a in selectors.alerts_pending(town)} == {report, second}
    services.alert_acknowledge(actor=town, report_id=report.pk)
    services.alert_acknowledge(actor=town, report_id=report.pk)  # again: harmless
    assert {a.report for a in selectors.alerts_pending(town)} == {second}
    assert {a.report for a in selectors.alerts_pending(user("demo_reviewer"))} == {report, second}
    assert AuditEntry.objects.filter(action="screening.alert_ack").count() == 1
    with pytest.raises(ApplicationError) as e:
        services.alert_acknowledge(actor=user("demo_town_leader2"), report_id=report.pk)
    assert e.value.code == "not_found"


def test_a_plain_report_tells_the_town_leader_without_an_alert(org, file_report):
    report = file_report()
    assert not UrgentAlert.objects.exists()
    assert list(Notification.objects.filter(kind="informant_report").values_list("recipient__username",
                                                                                  flat=True)) == ["demo_town_leader"]
    assert report.status == ReportStatus.NEW


def test_informants_see_only_their_own_reports(org, user, file_report):
    mine = file_report()
    other = file_report("demo_informant2", title="西山报告")
    assert list(selectors.reports_visible(user("demo_informant"))) == [mine]
    assert list(selectors.reports_visible(user("demo_informant2"))) == [other]
    assert list(selectors.reports_visible(user("demo_town_leader"))) == [mine]
    assert list(selectors.reports_visible(user("demo_clerk"))) == [mine]
    assert list(selectors.reports_visible(user("demo_handler"))) == []  # a department: not its area
    assert set(selectors.reports_visible(user("demo_admin"))) == {mine, other}  # a superuser: all
    with pytest.raises(ApplicationError) as e:
        selectors.report_get(user("demo_informant"), other.pk)
    assert e.value.code == "not_found"
    # an informant's own second account in another village would see only its own as well
    with pytest.raises(ApplicationError) as e:
        file_report("demo_clerk")
    assert e.value.code == "forbidden"
    for fields, field in [({"title": ""}, "title"), ({"content": "\x00"}, "content"), ({"region": "nope"}, "region"),
                          ({"urgent": "yes"}, "urgent"), ({"people_involved": "x" * 501}, "people_involved")]:
        with pytest.raises(ApplicationError) as e:
            file_report(**fields)
        assert e.value.field == field
    assert InformantReport.objects.count() == 2


def test_a_report_becomes_a_ledger_item_in_one_step(org, user, file_report):
    report = file_report(urgent=True)
    with pytest.raises(ApplicationError) as e:
        services.report_to_risk(actor=user("demo_informant"), report_id=report.pk)
    assert e.value.code == "forbidden"
    with pytest.raises(ApplicationError) as e:
        services.report_to_risk(actor=user("demo_clerk2"), report_id=report.pk)
    assert e.value.code == "not_found"
    item = services.report_to_risk(actor=user("demo_town_leader"), report_id=report.pk, due="2026-12-31")
    report.refresh_from_db()
    assert report.status == ReportStatus.RISK and report.risk == item and report.handled_by.username == "demo_town_leader"
    assert (item.title, item.description, item.people, item.level, item.source, item.unit.code) == (
        report.title, report.content, "约30名业主", "high", "report", "DH-T1-V1")
    with pytest.raises(ApplicationError) as e:
        services.report_to_risk(actor=user("demo_town_leader"), report_id=report.pk)
    assert e.value.code == "conflict"
    with pytest.raises(ApplicationError) as e:
        services.report_register(actor=user("demo_clerk"), report_id=report.pk)
    assert e.value.code == "conflict"
    assert RiskItem.objects.count() == 1


def test_a_report_is_registered_as_a_petition_in_one_step(org, user, file_report):
    report = file_report()
    with pytest.raises(ApplicationError) as e:  # a leader is not a clerk
        services.report_register(actor=user("demo_town_leader"), report_id=report.pk)
    assert e.value.code == "forbidden"
    with pytest.raises(ApplicationError) as e:
        services.report_register(actor=user("demo_clerk"), report_id=report.pk, channel="letter")
    assert e.value.field == "channel"
    petition = services.report_register(actor=user("demo_clerk"), report_id=report.pk, petitioner_name="王五",
                                        petitioner_phone="13900000000")
    report.refresh_from_db()
    assert report.status == ReportStatus.PETITION and report.petition == petition
    p = Petition.objects.get(pk=petition.pk)
    assert p.title == report.title and report.content in p.content and p.channel == "visit"
    assert p.receiving_unit.code == "DH-XF" and p.problem_region.code == "990102001001"
    assert p.status == "registered"
    anonymous = services.report_register(actor=user("demo_clerk"), report_id=file_report(urgent=True).pk,
                                         channel="transfer_in")
    assert anonymous.is_anonymous and anonymous.is_urgent and anonymous.channel == "transfer_in"
    assert Petition.objects.count() == 2
    assert get_user_model().objects.filter(username="demo_town_leader").exists()


def test_the_demo_seed_is_idempotent(org, clock):
    from django.utils import timezone

    from xinfang.web.management.demo_screening import seed_demo

    seed_demo(org.users, timezone.now())
    counts = (ScreeningRound.objects.count(), RiskItem.objects.count(), InformantReport.objects.count(),
              UrgentAlert.objects.count())
    assert counts == (14, 8, 4, 4)
    seed_demo(org.users, timezone.now())
    assert (ScreeningRound.objects.count(), RiskItem.objects.count(), InformantReport.objects.count(),
            UrgentAlert.objects.count()) == counts
    assert selectors.alerts_pending(org.users["demo_reviewer"]).count() == 1


def test_administrators_set_the_schedule(org, user, clock):
    dept = Unit.objects.get(code="DH-ZJ")
    with pytest.raises(ApplicationError) as e:  # a district administrator: units only, not a whole level
        services.schedule_set(actor=user("demo_admin2"), level="village", cadence="monthly")
    assert e.value.code == "forbidden"
    with pytest.raises(ApplicationError) as e:
        services.schedule_set(actor=user("demo_admin2"), level="town", unit="DH-T1", cadence="weekly")
    assert e.value.field == "unit"
    with pytest.raises(ApplicationError) as e:
        services.schedule_set(actor=user("demo_clerk"), level="town", unit="DH-T1", cadence="weekly")
    assert e.value.code == "forbidden"
    with pytest.raises(ApplicationError) as e:
        services.schedule_set(actor=user("demo_admin"), level="town", unit="DH-T1", cadence="daily")
    assert e.value.field == "cadence"
    services.schedule_set(actor=user("demo_admin"), level="county", unit=dept, cadence="monthly", note="住建局自查")
    services.schedule_set(actor=user("demo_admin"), level="village", cadence="biweekly")  # a superuser
    services.screening_sweep(at("2026-12-02"))
    assert [(r.level, r.cadence) for r in rounds_of("DH-ZJ")] == [("county", "monthly")]
    assert [r.cadence for r in rounds_of("DH-T1-V1")] == ["biweekly"]
    services.schedule_set(actor=user("demo_admin"), level="county", unit="DH-ZJ", cadence="")
    assert not ScreeningSchedule.objects.filter(unit=dept).exists()
    assert AuditEntry.objects.filter(action="screening.schedule_set").count() == 3


def test_a_ledger_item_links_to_a_petition_the_actor_sees(org, user, register):
    p, _code = register()
    p2, _code2 = register(actor=org.users["demo_clerk2"], problem_region="990103001")
    item = services.risk_create(actor=user("demo_clerk"), data={"title": "停车费纠纷", "unit": "DH-T1",
                                                                 "petition": p.number})
    assert item.petition == p
    with pytest.raises(ApplicationError) as e:  # another district's petition is not found
        services.risk_update(actor=user("demo_clerk"), risk_id=item.pk, data={"petition": p2.number})
    assert e.value.field == "petition"
    services.risk_update(actor=user("demo_clerk"), risk_id=item.pk, data={"petition": ""})
    item.refresh_from_db()
    assert item.petition is None


def test_a_sweep_with_nothing_due_reads_little(org, clock, django_assert_max_num_queries):
    services.rounds_sweep(at("2026-12-02"))
    with django_assert_max_num_queries(15):  # 5 per level, whatever the number of units
        assert services.rounds_sweep(at("2026-12-02", 10, 1)) == 0
