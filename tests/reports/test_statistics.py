"""Every KPI of DESIGN §6 on hand-made cases built with the real services under `time_machine`
(so deadlines, acceptance, replies, evaluations and appeals are stamped exactly when we say),
plus periods, 同比/环比 with zero baselines, rounding, scope, drill-down and the KPI API.

The cases (all in 东湖区, period 2026-03-01 … 2026-06-30, judged as of 2026-07-01 10:00):

  petition  received  route/acceptance                      reply (handle limit)          evaluation / later
  A         03-02     assign 03-03, accept 03-05  on time   03-20  on time                 satisfied 03-25
  B         03-02     assign 03-03, accept 03-25  LATE      none, due in May  OVERDUE
  C letter  03-02     nothing: due 03-17          OVERDUE   —
  D online  06-25     nothing: due 07-10          pending   —
  E         03-02     on time                               06-01  LATE (due 05-06)        dissatisfied, then satisfied
  F         03-02     on time                               none, due 05-06  OVERDUE
  G         06-02     assign 06-02, accept 06-03  on time   none, due 08-02  pending
  H         03-02     on time                               05-06 23:30 = the due day: ON TIME   basically satisfied
  I         03-02     accept 03-18 23:30 = due day: on time 04-01  on time                 dissatisfied; 复查 04-10
  J         03-02     on time                               03-20  on time                 satisfied 07-05 (after as-of)
  K         06-01     on time                               06-20  on time                 (window still open)
  L         06-10     repeat of A, archived 06-11: on time  —
  M         06-25     repeat of J: pending                  —
  N         03-02     merged into A 03-04: never counted
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from report_builders import bulk, local

from xinfang.api.tokens import token_create
from xinfang.common.errors import ApplicationError
from xinfang.petitions.models import Petition
from xinfang.reports import statistics as st
from xinfang.workflow.models import Deadline

pytestmark = pytest.mark.django_db

AS_OF = local(2026, 7, 1, 10, 0)
PERIOD = st.Period(dt.date(2026, 3, 1), dt.date(2026, 6, 30))


def at(m, d, hh=10, mm=0):
    return local(2026, m, d, hh, mm)


def travel(when):
    return time_machine.travel(when, tick=False)


@pytest.fixture
def cases(org, register, act, settings):
    settings.XINFANG = {**settings.XINFANG, "REPLY_APPROVAL": False}  # the handler's reply is final
    p = {}

    def reg(name, m, d, **kw):
        with travel(at(m, d, 8, 30)):
            p[name], _ = register(received_at=at(m, d, 8), **kw)

    def do(when, user, name, action, **params):
        with travel(when):
            p[name] = act(user, p[name], action, **params)

    def routed(name, m, d, assign, accept):
        reg(name, m, d)
        do(assign, "demo_dispatcher", name, "assign", unit="DH-ZJ")
        do(accept, "demo_dept_dispatcher", name, "accept", handler="demo_handler")

    def reply(name, when):
        do(when, "demo_handler", name, "draft_reply", outcome="support", text="已处理", basis="有关规定")

    def recorded(when, name, level):
        """An evaluation stored as it stood before the once-per-stage rule (a second one on the same
        reply, or one after the window): counted, so the statistics' own reading is what is tested."""
        from xinfang.workflow.facts import facts_refresh
        from xinfang.workflow.models import Evaluation

        petition = p[name]
        Evaluation.objects.create(petition=petition, reply=petition.replies.last(), level=level, source="callback",
                                  at=when, counted=True)
        petition.save(update_fields=facts_refresh(petition) or None)

    routed("A", 3, 2, at(3, 3), at(3, 5))
    reply("A", at(3, 20))
    do(at(3, 25), "demo_clerk", "A", "evaluate", level="satisfied")
    routed("B", 3, 2, at(3, 3), at(3, 25))
    reg("C", 3, 2, channel="letter")
    reg("D", 6, 25, channel="online")
    routed("E", 3, 2, at(3, 3), at(3, 5))
    reply("E", at(6, 1))
    do(at(6, 2), "demo_clerk", "E", "evaluate", level="dissatisfied", reason="拖得太久")
    recorded(at(6, 5), "E", "satisfied")
    routed("F", 3, 2, at(3, 3), at(3, 5))
    routed("G", 6, 2, at(6, 2, 11), at(6, 3))
    routed("H", 3, 2, at(3, 3), at(3, 5))
    handle = Deadline.objects.get(petition=p["H"], kind="handle")
    assert handle.due == dt.date(2026, 5, 6)  # 60 days from 03-05 is 05-04, inside the 05-01…05-05 holiday
    reply("H", at(5, 6, 23, 30))
    do(at(5, 10), "demo_clerk", "H", "evaluate", level="basically")
    reg("I", 3, 2)
    do(at(3, 3), "demo_dispatcher", "I", "assign", unit="DH-ZJ")
    assert Deadline.objects.get(petition=p["I"], kind="accept", cancelled=False, met_at__isnull=True).due == \
        dt.date(2026, 3, 18)
    do(at(3, 18, 23, 30), "demo_dept_dispatcher", "I", "accept", handler="demo_handler")
    reply("I", at(4, 1))
    do(at(4, 5), "demo_clerk", "I", "evaluate", level="dissatisfied", reason="不认可")
    do(at(4, 10), "demo_clerk", "I", "request_review")
    routed("J", 3, 2, at(3, 3), at(3, 5))
    reply("J", at(3, 20))
    routed("K", 6, 1, at(6, 2), at(6, 3))
    reply("K", at(6, 20))
    reg("L", 6, 10, repeat_of=p["A"])
    do(at(6, 11), "demo_dispatcher", "L", "archive", note="重复反映，已告知")
    reg("M", 6, 25, repeat_of=p["J"])
    reg("N", 3, 2)
    do(at(3, 4), "demo_dispatcher", "N", "merge", into=p["A"].number)
    recorded(at(7, 5), "J", "satisfied")  # after the as-of instant
    return p


def kpis_of(counts: st.Counts) -> dict:
    return {k.key: (None if counts.kpi(k) is None else float(st.round_half_up(counts.kpi(k), 1)))
            for k in st.kpi_definitions()}


def test_every_kpi_on_hand_made_cases(cases, org):
    with travel(at(7, 10)):
        c = st.totals(org.users["demo_analyst"], PERIOD, as_of=AS_OF)
    assert c["items"] == 13  # A…M; N was merged
    assert (c["batches"], c["persons"], c["ch_letter"], c["ch_online"]) == (11, 11, 1, 1)
    # 及时受理率: on time A E F G H I J K L = 9, late B, overdue C, pending D M -> 9 / 11
    assert (c["acc_timely"], c["acc_late"], c["acc_overdue"], c["acc_pending"], c["acc_due"]) == (9, 1, 1, 2, 11)
    # 按期办结率: on time A H I J K = 5, late E, overdue B F, pending G -> 5 / 8
    assert (c["rep_on_time"], c["rep_late"], c["rep_overdue"], c["rep_pending"], c["rep_due"]) == (5, 1, 2, 1, 8)
    # 群众满意率: latest evaluations A satisfied, E satisfied, H basically, I dissatisfied (J's is after as-of)
    assert (c["sat_satisfied"], c["sat_basically"], c["sat_dissatisfied"], c["evaluated"]) == (2, 1, 1, 4)
    # 参评率: 4 evaluated; J replied 03-20 and its 30-day window passed unevaluated; K's window is open
    assert (c["eval_missed"], c["eval_base"]) == (1, 5)
    # 重复信访率: L and M
    assert (c["repeat"], c["first"]) == (2, 11)
    # 一次性化解率: first-time items replied before 04-02 10:00 (90 days before as-of): A, I, J;
    # A came back (L, 06-10, within 90 days of 03-20), I asked for 复查; J's repeat M came 06-25, after 06-18
    assert (c["ot_closed"], c["ot_resolved"]) == (3, 1)
    # 平均办理时长: A 18d2h, H 65d15.5h, I 30d2h, E 91d2h, J 18d2h, K 19d2h -> 242.0625 / 6 = 40.34375 days
    assert c["replied"] == 6
    assert c["reply_days"] == pytest.approx(242.0625, abs=1e-6)
    assert kpis_of(c) == {"timely_acceptance": 81.8, "on_time_reply": 62.5, "satisfaction": 75.0,
                          "participation": 80.0, "repeat_rate": 15.4, "one_time_resolution": 33.3,
                          "avg_handling_days": 40.3, "ownership_resolution": None}


def test_as_of_moves_the_facts(cases, org):
    """Judged later (07-11), J's evaluation counts and D and M are overdue for acceptance; judged on 03-19,
    nothing of the later days has happened yet."""
    with travel(at(7, 11)):
        c = st.totals(org.users["demo_analyst"], PERIOD)
    assert (c["evaluated"], c["sat_ok"], c["eval_missed"]) == (5, 4, 0)
    assert (c["acc_overdue"], c["acc_pending"], c["acc_due"]) == (3, 0, 13)
    # judged back on 03-19 12:00: A E F H I J accepted in time (I at 23:30 on its due day)
    with travel(at(7, 11)):
        early = st.totals(org.users["demo_analyst"], st.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 19)),
                          as_of=at(3, 19, 12))
    assert early["items"] == 8  # A B C E F H I J
    # B's acceptance at 东湖区住建局 was due 03-18 and is not made yet: overdue, like C's routing
    assert (early["acc_timely"], early["acc_overdue"], early["acc_pending"]) == (6, 2, 0)
    assert (early["replied"], early["evaluated"]) == (0, 0)


def test_group_by_unit_and_channel(cases, org):
    analyst = org.users["demo_analyst"]
    with travel(AS_OF):
        rep = st.kpi_report(analyst, date_from=PERIOD.start, date_to=PERIOD.end, group_by="unit")
        rows = {r.key: r.counts for r in rep.rows}
        assert set(rows) == {"DH-ZJ", "DH-XF"}
        assert rows["DH-ZJ"]["items"] == 9 and rows["DH-XF"]["items"] == 4  # C D L M stay at the office
        assert kpis_of(rows["DH-ZJ"])["timely_acceptance"] == 88.9  # 8 / 9
        assert kpis_of(rows["DH-XF"])["timely_acceptance"] == 50.0  # L on time, C overdue
        assert rep.total["items"] == 13
        by_channel = {r.key: r.counts["items"] for r in st.kpi_report(analyst, date_from=PERIOD.start,
                                                                        date_to=PERIOD.end, group_by="channel").rows}
        assert by_channel == {"visit": 11, "letter": 1, "online": 1}
        months = st.kpi_report(analyst, date_from=PERIOD.start, date_to=PERIOD.end, group_by="month")
        assert [(r.key, r.counts["items"]) for r in months.rows] == [("2026-03", 8), ("2026-06", 5)]


def test_drill_returns_exactly_the_petitions_behind_each_figure(cases, org):
    analyst = org.users["demo_analyst"]
    names = {pt.pk: name for name, pt in cases.items()}
    expected = {"acc_late": {"B"}, "acc_overdue": {"C"}, "acc_pending": {"D", "M"}, "rep_late": {"E"},
                "rep_overdue": {"B", "F"}, "rep_pending": {"G"}, "rep_on_time": set("AHIJK"), "sat_ok": set("AEH"),
                "eval_missed": {"J"}, "ot_resolved": {"J"}, "ot_closed": set("AIJ"), "repeat": set("LM"),
                "ch_letter": {"C"}}
    with travel(at(7, 10)):
        totals = st.totals(analyst, PERIOD, as_of=AS_OF)
        for measure in st.MEASURES:
            qs = st.drill(analyst, date_from=PERIOD.start, date_to=PERIOD.end, measure=measure, as_of=AS_OF)
            assert st.drill_weight(qs, measure) == pytest.approx(totals[measure]), measure
            if measure in expected:
                assert {names[pk] for pk in qs.values_list("pk", flat=True)} == expected[measure], measure
        qs = st.drill(analyst, date_from=PERIOD.start, date_to=PERIOD.end, dim="unit", key="DH-XF",
                      measure="acc_timely", as_of=AS_OF)
        assert {names[pk] for pk in qs.values_list("pk", flat=True)} == {"L"}
        qs = st.drill(analyst, date_from=PERIOD.start, date_to=PERIOD.end, dim="month", key="2026-06", as_of=AS_OF)
        assert {names[pk] for pk in qs.values_list("pk", flat=True)} == set("DGKLM")
        with pytest.raises(ApplicationError):
            st.drill(analyst, date_from=PERIOD.start, date_to=PERIOD.end, measure="nope")
        with pytest.raises(ApplicationError):
            st.drill(analyst, date_from=PERIOD.start, date_to=PERIOD.end, dim="month", key="2026-13")


def test_scope_district_two_sees_none_of_district_one(cases, org):
    west = org.users["demo_analyst2"]
    with travel(AS_OF):
        c = st.totals(west, PERIOD)
        assert c["items"] == 0 and c["acc_due"] == 0 and c["evaluated"] == 0
        assert st.drill(west, date_from=PERIOD.start, date_to=PERIOD.end).count() == 0
        with pytest.raises(ApplicationError, match="单位不存在"):
            st.kpi_report(west, date_from=PERIOD.start, date_to=PERIOD.end, unit_code="DH-ZJ")
        # the department sees what reached it (9 routed petitions), the city office sees everything
        assert st.totals(org.users["demo_leader"], PERIOD)["items"] == 9
        assert st.totals(org.users["demo_city_dispatcher"], PERIOD)["items"] == 13
        # a unit filter narrows to what reached the unit or a unit below it
        assert st.kpi_report(org.users["demo_analyst"], date_from=PERIOD.start, date_to=PERIOD.end,
                             unit_code="DH-ZJ").total["items"] == 9


def test_region_and_category_rollups(org):
    with travel(local(2026, 11, 15)):
        bulk(3, channel="letter", received_at=local(2026, 5, 1), region="990102001001", category="010101")  # 幸福社区
        bulk(2, channel="letter", received_at=local(2026, 5, 1), region="990102001", category="020101")  # 城关街道
        bulk(4, channel="letter", received_at=local(2026, 5, 1), region="990102", category="0201")  # 东湖区 itself
        bulk(1, channel="letter", received_at=local(2026, 5, 1), region=None, category=None)
        rep = st.kpi_report(org.users["demo_analyst"], date_from=dt.date(2026, 5, 1), date_to=dt.date(2026, 5, 31),
                            group_by="region")
        rows = {r.key: (r.label, r.counts["items"]) for r in rep.rows}
        assert rows == {"990102001": ("城关街道", 5), "990102=": ("东湖区", 4), "": ("未填写", 1)}
        for key, (_label, n) in rows.items():
            assert st.drill(org.users["demo_analyst"], date_from=dt.date(2026, 5, 1), date_to=dt.date(2026, 5, 31),
                            dim="region", key=key).count() == n
        rep = st.kpi_report(org.users["demo_analyst"], date_from=dt.date(2026, 5, 1), date_to=dt.date(2026, 5, 31),
                            group_by="category")
        assert {r.key: (r.label, r.counts["items"]) for r in rep.rows} == {
            "01": ("城乡建设", 3), "02": ("劳动和社会保障", 6), "": ("未分类", 1)}


# ---- periods, comparisons, rounding --------------------------------------------------------------

def test_periods():
    p = st.Period(dt.date(2026, 1, 1), dt.date(2026, 10, 31))
    assert p.label() == "2026年1至10月份" and p.whole_months() == 10
    assert p.same_period_last_year() == st.Period(dt.date(2025, 1, 1), dt.date(2025, 10, 31))
    assert p.previous() == st.Period(dt.date(2025, 3, 1), dt.date(2025, 12, 31))
    feb = st.Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert feb.label() == "2024年2月份"
    assert feb.same_period_last_year() == st.Period(dt.date(2023, 2, 1), dt.date(2023, 2, 28))
    assert feb.previous() == st.Period(dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    mar = st.Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert mar.previous() == st.Period(dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert st.Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31)).label() == "2026年全年"
    days = st.Period(dt.date(2026, 3, 5), dt.date(2026, 3, 14))
    assert days.label() == "2026年3月5日至3月14日"
    assert days.previous() == st.Period(dt.date(2026, 2, 23), dt.date(2026, 3, 4))  # 10 days before
    assert st.Period(dt.date(2025, 11, 1), dt.date(2026, 2, 28)).label() == "2025年11月至2026年2月"
    leap = st.Period(dt.date(2024, 2, 29), dt.date(2024, 3, 10))
    assert leap.same_period_last_year() == st.Period(dt.date(2023, 2, 28), dt.date(2023, 3, 10))
    instant = local(2026, 11, 15, 10, 0)
    assert p.shift_instant(p.same_period_last_year(), instant) == local(2025, 11, 15, 10, 0)
    assert days.shift_instant(days.previous(), instant) == instant - dt.timedelta(days=10)
    with travel(instant):
        assert st.make_period(None, None).label() == "2026年1月1日至11月15日"  # capped at today
        assert st.make_period(dt.date(2026, 10, 1), dt.date(2026, 12, 31)).end == dt.date(2026, 11, 15)
        with pytest.raises(ApplicationError, match="开始日期不能晚于结束日期"):
            st.make_period(dt.date(2026, 5, 1), dt.date(2026, 4, 1))
        with pytest.raises(ApplicationError, match="尚未开始"):
            st.make_period(dt.date(2026, 12, 1), None)
        with pytest.raises(ApplicationError, match="超出范围"):
            st.make_period(dt.date(1, 1, 1), None)


def test_changes_and_rounding():
    assert st.change(9, 8).as_dict() == {"current": 9, "previous": 8, "change_pct": 13, "direction": "up"}  # 12.5
    assert st.change(7, 8).pct == -13  # -12.5 rounds away from zero, half up on the magnitude
    assert st.change(200, 201).direction == "about_flat" and st.change(200, 201).pct == 0
    assert st.change(5, 5).direction == "flat"
    assert st.change(5, 0).direction == "no_baseline" and st.change(5, 0).pct is None
    assert st.change(0, 0).direction == "none" and st.change(0, 0).pct is None
    assert st.change(0, 5).pct == -100
    assert st.change_text(st.change(143, 220)) == "同比下降了35%"
    assert st.change_text(st.change(8, 5), basis="环比") == "环比上升了60%"
    assert st.change_text(st.change(3, 0)) == "去年同期无数据"
    assert st.change_text(st.change(3, 0), basis="环比") == "上期无数据"
    assert st.rate_change(81.8, 75.0) == 6.8 and st.rate_change(None, 75.0) is None
    assert st.fmt_rate(84.95) == "85.0%" and st.fmt_rate(40.34375, "mean") == "40.3" and st.fmt_rate(None) == "—"


def test_threshold_colours(settings):
    rate = st.kpi_def("on_time_reply")
    assert [st.threshold_colour(v, rate) for v in (84.94, 84.95, 85.0, 90.0, 90.04, 90.05, 100.0)] == \
        ["red", "yellow", "yellow", "yellow", "yellow", "green", "green"]
    assert st.threshold_colour(None, rate) == "grey"
    assert st.threshold_colour(3.0, st.kpi_def("repeat_rate")) == "grey"  # lower is better: not coloured
    assert st.threshold_colour(20.0, st.kpi_def("avg_handling_days")) == "grey"
    settings.XINFANG = {**settings.XINFANG, "KPI_THRESHOLDS": (60.0, 70.0)}
    assert st.threshold_colour(65.0, rate) == "yellow" and st.threshold_colour(70.1, rate) == "green"


def test_definitions_are_complete():
    defs = st.kpi_definitions()
    assert [k.label for k in defs] == ["及时受理率", "按期办结率", "群众满意率", "参评率", "重复信访率", "一次性化解率",
                                       "平均办理时长", "包案化解率"]
    for k in defs:
        assert k.definition.startswith(k.label)
        if k.kind != "na":
            assert k.numerator in st.MEASURES and k.denominator in st.MEASURES
    assert "30日" in st.kpi_def("participation").definition and "90日" in st.kpi_def("one_time_resolution").definition


def test_zero_baselines_in_the_report(cases, org):
    with travel(AS_OF):
        rep = st.kpi_report(org.users["demo_analyst"], date_from=PERIOD.start, date_to=PERIOD.end)
    data = st.report_json(rep)
    assert data["total"]["yoy"]["items"] == {"current": 13, "previous": 0, "change_pct": None,
                                             "direction": "no_baseline"}
    assert data["total"]["yoy"]["ch_fax"]["direction"] == "none"
    acc = next(k for k in data["total"]["kpis"] if k["key"] == "timely_acceptance")
    assert acc["value"] == 81.8 and acc["yoy"] == {"previous": None, "change": None}
    assert data["previous_period"] == {"from": "2025-11-01", "to": "2026-02-28", "label": "2025年11月至2026年2月"}


def test_kpi_api(cases, org):
    client = Client()
    auth = {"HTTP_AUTHORIZATION": "Bearer " + token_create(user=org.users["demo_analyst"], name="t")}
    with travel(AS_OF):
        r = client.get("/api/v1/reports/kpis", {"from": "2026-03-01", "to": "2026-06-30", "group_by": "unit"}, **auth)
        assert r.status_code == 200, r.content
        data = r.json()
        total = {k["key"]: k for k in data["total"]["kpis"]}
        assert (total["on_time_reply"]["value"], total["on_time_reply"]["numerator"],
                total["on_time_reply"]["denominator"]) == (62.5, 5, 8)
        assert total["avg_handling_days"]["value"] == 40.3
        assert total["ownership_resolution"]["value"] is None
        assert data["total"]["volume"]["items"] == 13
        assert {row["key"]: row["volume"]["items"] for row in data["rows"]} == {"DH-ZJ": 9, "DH-XF": 4}
        assert data["definitions"]["timely_acceptance"].startswith("及时受理率")
        r = client.get("/api/v1/reports/kpis/petitions", {"from": "2026-03-01", "to": "2026-06-30",
                                                          "measure": "rep_overdue"}, **auth)
        assert r.status_code == 200
        assert r.json()["count"] == 2
        assert {i["number"] for i in r.json()["items"]} == {cases["B"].number, cases["F"].number}
        bad = client.get("/api/v1/reports/kpis", {"group_by": "colour"}, **auth)
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "group_by"
        bad = client.get("/api/v1/reports/kpis/petitions", {"measure": "nope"}, **auth)
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "measure"
        bad = client.get("/api/v1/reports/kpis", {"from": "2026-02-30"}, **auth)
        assert bad.status_code == 422
        bad = client.get("/api/v1/reports/kpis", {"from": "0001-01-01", "to": "0001-01-02"}, **auth)
        assert bad.status_code == 422 and set(bad.json()) == {"error"}
        west = {"HTTP_AUTHORIZATION": "Bearer " + token_create(user=org.users["demo_analyst2"], name="t")}
        r = client.get("/api/v1/reports/kpis", {"from": "2026-03-01", "to": "2026-06-30"}, **west)
        assert r.json()["total"]["volume"]["items"] == 0
        assert client.get("/api/v1/reports/kpis").status_code == 401
    assert Petition.objects.filter(status="merged").count() == 1


def test_bulletin_overdue_lists(cases, org):
    """The overdue list holds exactly the petitions behind the two overdue counts."""
    from xinfang.reports import bulletin

    with travel(AS_OF):
        data = bulletin.bulletin_build(org.users["demo_analyst"], date_from=PERIOD.start, date_to=PERIOD.end)
    assert data["paragraphs"][-1] == "截至2026年7月1日，本期信访件中超期未受理1件、超期未答复2件，清单附后。"
    rows = [(r["kind"], r["number"]) for r in data["tables"]["overdue"]]
    assert rows[0] == ("超期未受理", cases["C"].number)
    assert sorted(rows[1:]) == sorted([("超期未答复", cases["B"].number), ("超期未答复", cases["F"].number)])
    assert all(r["days_overdue"] and r["days_overdue"] > 0 for r in data["tables"]["overdue"])
    units = {u["key"]: u for u in data["tables"]["by_unit"]}
    assert (units["DH-ZJ"]["overdue"], units["DH-XF"]["overdue"]) == (2, 1)


# ---- the facts stored on each petition (xinfang.workflow.facts) -----------------------------------

FACT_INSTANTS = [at(3, 3, 12), at(3, 17, 12), at(3, 18, 12), at(3, 19, 12), at(5, 6, 12), at(4, 15), at(5, 7), at(6, 3), AS_OF, at(7, 11), local(2027, 3, 1)]


def test_stored_facts_answer_exactly_as_the_deadline_rows(cases, org, settings):
    """Every measure, at instants before, between and after the stored facts' stamps, is the same
    whether it is read from the facts stored on the petitions or from the deadline and evaluation rows."""
    from xinfang.workflow.facts import FACT_FIELDS, facts_rebuild

    analyst = org.users["demo_analyst"]
    period = st.Period(dt.date(2026, 3, 1), dt.date(2026, 6, 30))
    stamped = list(Petition.objects.order_by("pk").values_list(*FACT_FIELDS))
    assert all(row[FACT_FIELDS.index("facts_at")] is not None for row in stamped)  # every service wrote them
    # A came back (L, a repeat, 06-10) and J too (M, 06-25)
    assert Petition.objects.get(pk=cases["A"].pk).fact_repeat_at == at(6, 10, 8)
    assert Petition.objects.get(pk=cases["J"].pk).fact_repeat_at == at(6, 25, 8)
    # the incremental updates agree with a rebuild from the rows
    facts_rebuild()
    assert list(Petition.objects.order_by("pk").values_list(*FACT_FIELDS)) == stamped
    # both paths are exercised: J was evaluated on 07-05, after AS_OF; most petitions' facts are older
    assert Petition.objects.filter(facts_at__lte=AS_OF).count() >= 10
    assert Petition.objects.filter(facts_at__gt=AS_OF).exists()
    with travel(local(2027, 3, 2)):
        stored = {when: st.aggregate(analyst, period, group_by=("unit",), as_of=when) for when in FACT_INSTANTS}
        settings.XINFANG = {**settings.XINFANG, "REPORT_STORED_FACTS": False}  # read every petition's rows
        rows = {when: st.aggregate(analyst, period, group_by=("unit",), as_of=when) for when in FACT_INSTANTS}
        settings.XINFANG = {**settings.XINFANG, "REPORT_STORED_FACTS": True}
        Petition.objects.update(facts_at=None)  # never summarised: the rows again, through the fallback
        unstamped = {when: st.aggregate(analyst, period, group_by=("unit",), as_of=when) for when in FACT_INSTANTS}
    for when in FACT_INSTANTS:
        assert stored[when] == rows[when] == unstamped[when], when
    assert stored[AS_OF][(org.units["DH-ZJ"].pk,)]["rep_overdue"] == 2  # B and F (a figure that can fail)


def test_stored_facts_follow_each_move(org, register, act, settings):
    """Registration, acceptance, a late reply, an evaluation and a 复查 request each update the stored facts."""
    from xinfang.workflow import facts

    settings.XINFANG = {**settings.XINFANG, "REPLY_APPROVAL": False}
    with travel(at(3, 2, 8, 30)):
        p, _ = register(received_at=at(3, 2, 8))
    assert (p.fact_accept, p.fact_accept_open_due, p.fact_reply) == (facts.RUNNING, dt.date(2026, 3, 17), None)
    with travel(at(3, 3)):
        p = act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    with travel(at(3, 25)):  # the unit's acceptance was due 03-18
        p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    p.refresh_from_db()
    assert (p.fact_accept, p.fact_accept_open_due) == (facts.MET_LATE, None)
    assert (p.fact_reply, p.fact_reply_open_due) == (facts.RUNNING, Deadline.objects.get(petition=p, kind="handle").due)
    with travel(at(6, 30)):
        p = act("demo_handler", p, "draft_reply", outcome="support", text="已处理", basis="有关规定")
    with travel(at(7, 2)):
        p = act("demo_clerk", p, "evaluate", level="dissatisfied", reason="不认可")
    with travel(at(7, 3)):
        p = act("demo_clerk", p, "request_review")
    p.refresh_from_db()
    assert (p.fact_reply, p.fact_reply_open_due, p.fact_evaluation) == (facts.MET_LATE, None, "dissatisfied")
    assert p.fact_review_at == at(7, 3)
    assert p.facts_at == at(7, 3)


def test_ownership_resolution_rate(org, register, act):
    """包案化解率: two owned cases, one archived (resolved) on 03-05; a third petition is not owned.
    Judged on 03-04 the owned archive was not yet resolved; drill-down lists exactly the petitions behind."""
    from django.contrib.auth import get_user_model

    from xinfang.oversight.services import ownership_assign

    leader = get_user_model().objects.get(username="demo_reviewer")
    dispatcher = get_user_model().objects.get(username="demo_dispatcher")
    made = []
    for _i in range(3):
        with travel(at(3, 2, 8, 30)):
            made.append(register(received_at=at(3, 2, 8))[0])
    with travel(at(3, 3)):
        for p in made[:2]:
            ownership_assign(actor=dispatcher, petition=p, leader=leader, note="一个月内约谈信访人")
    with travel(at(3, 5)):
        act("demo_dispatcher", made[0], "archive", note="已当场答复")
    analyst = org.users["demo_analyst"]
    with travel(at(4, 1)):
        now = st.totals(analyst, st.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
        before = st.totals(analyst, st.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), as_of=at(3, 4))
        resolved = st.drill(analyst, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31),
                            measure="own_resolved")
        owned = st.drill(analyst, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31), measure="own_cases")
    assert (now["own_cases"], now["own_resolved"], kpis_of(now)["ownership_resolution"]) == (2, 1, 50.0)
    assert (before["own_cases"], before["own_resolved"], kpis_of(before)["ownership_resolution"]) == (2, 0, 0.0)
    assert [p.pk for p in resolved] == [made[0].pk]
    assert sorted(p.pk for p in owned) == sorted(p.pk for p in made[:2])


# ---- the query shapes of issue 13 give the figures they replaced ---------------------------------

@pytest.mark.parametrize("months", [1, 2, 3, 7, 12, 24, 25])
def test_month_groups_match_the_local_month_of_each_petition(org, months):
    """The month of a petition is found by a binary search of nested CASEs: every petition lands in
    the local month it was received in, right up to each month's first and last second, for periods
    of any number of months (odd and even splits)."""
    first = dt.date(2024, 12, 1)
    period = st.Period(first, st.month_end(st.add_months(first, months - 1)))
    expected: dict[str, int] = {}
    with travel(local(2027, 6, 1)):
        for i, m in enumerate(period.months()):
            day_after = m.end + dt.timedelta(days=1)
            edges = [local(m.start.year, m.start.month, 1, 0, 0, 0),  # the month's first second (local)
                     local(day_after.year, day_after.month, day_after.day, 0, 0, 0) - dt.timedelta(seconds=1)]
            for at_ in edges[: 1 + i % 2]:
                bulk(1 + i % 3, channel="letter", received_at=at_)
                expected[f"{m.start:%Y-%m}"] = expected.get(f"{m.start:%Y-%m}", 0) + 1 + i % 3
        # just outside the period on both sides: not counted
        bulk(2, channel="letter", received_at=local(2024, 11, 30, 23, 59, 59))
        after = period.end + dt.timedelta(days=1)
        bulk(2, channel="letter", received_at=local(after.year, after.month, after.day, 0, 0, 0))
        got = st.aggregate(org.users["demo_analyst"], period, group_by=("month",), kpis=False, measures=["items"])
    assert {k[0]: c["items"] for k, c in got.items()} == expected
    from django.utils import timezone
    raw: dict[str, int] = {}
    for p in Petition.objects.all():
        day = timezone.localtime(p.received_at).date()
        if period.start <= day <= period.end:
            raw[f"{day:%Y-%m}"] = raw.get(f"{day:%Y-%m}", 0) + 1
    assert raw == expected


def test_counts_add_is_the_plain_loop():
    """`Counts.add` (done in C) gives what the loop `self[k] = self.get(k, 0) + v` gives, floats
    included, in the order the measures were added."""
    a = st.Counts({"items": 3, "reply_days": 0.1, "x": 2})
    b = st.Counts({"reply_days": 0.2, "items": 4, "new": 7})
    loop = dict(a)
    for k, v in b.items():
        loop[k] = loop.get(k, 0) + v
    assert a.add(b) is a
    assert a == loop and list(a) == list(loop) and a["reply_days"] == 0.1 + 0.2
    assert st.Counts().add(b) == b


def test_a_few_measures_read_only_their_facts_and_agree_with_all(cases, org):
    """Asking for some measures computes only the facts they read; their figures are those of the
    query that computes every fact, grouped or not, with the overdue lists collected alike."""
    user = org.users["demo_analyst"]
    full = st.aggregate(user, PERIOD, group_by=("unit", "channel"), as_of=AS_OF)
    for measures in (["items"], st.VOLUME_MEASURES, ["acc_overdue", "rep_on_time", "sat_ok"], ["reply_days"],
                     ["own_cases", "ot_resolved", "eval_base"]):
        kpis = any(m in st.KPI_MEASURES for m in measures)
        part = st.aggregate(user, PERIOD, group_by=("unit", "channel"), as_of=AS_OF, kpis=kpis, measures=measures)
        assert part.keys() == full.keys()
        for key, counts in part.items():
            assert {n: counts[n] for n in measures} == {n: full[key][n] for n in measures}, (measures, key)
    got, want = {}, {}
    st.aggregate(user, PERIOD, as_of=AS_OF, measures=["items"], collect=("acc_overdue", "rep_overdue"), collected=got)
    st.aggregate(user, PERIOD, as_of=AS_OF, collect=("acc_overdue", "rep_overdue"), collected=want)
    assert {k: sorted(v) for k, v in got.items()} == {k: sorted(v) for k, v in want.items()}
    assert want  # the cases have overdue petitions: the comparison is not of two empty lists


def _rolled(joint: dict, index: int) -> dict:
    """The joint groups summed per value of one dimension, in Python (what the roll-up did)."""
    out: dict = {}
    for key, counts in joint.items():
        out.setdefault(key[index], st.Counts()).add(counts)
    return out


def _same_counts(a: st.Counts, b: st.Counts) -> bool:
    """Equal measures: integers exactly, the summed reply days up to the order of float additions."""
    return a.keys() == b.keys() and all(
        a[k] == pytest.approx(b[k], rel=1e-12) if isinstance(a[k], float) or isinstance(b[k], float) else a[k] == b[k]
        for k in a)


def test_each_dimension_from_one_query_equals_the_joint_groups_summed(cases, org):
    """`aggregate_each` (the bulletin's and the dashboard's query: the joint groups summed once more per
    dimension in SQL) gives, for every dimension, exactly the joint GROUP BY's groups added up per value,
    every measure, for the system view, a district analyst and a unit filter, with mixed-type dimensions
    (ids, text, months) and the overdue lists collected alike."""
    # more groups (received by another unit than the cases' own, so their numbers do not collide)
    bulk(4, unit="DH-ZJ", channel="letter", received_at=at(4, 3), category="020101", region="990102",
         spread_minutes=7)
    bulk(3, unit="DH-ZJ", channel="visit", headcount=6, received_at=at(5, 9), handling_unit="DH-XF", region=None,
         status="closed", escalated=True)
    bulk(2, unit="DH-ZJ", channel="online", received_at=at(6, 12), category=None, repeat_of=cases["A"])
    from xinfang.reports.management.commands._common import SystemView

    unit = st.resolve_unit(org.users["demo_analyst"], "DH-ZJ")
    checked = 0
    for user, unit_filter in ((SystemView(), None), (org.users["demo_analyst"], None),
                              (org.users["demo_analyst"], unit)):
        for dims in (("unit", "category", "region"), ("channel", "unit", "month", "visit_kind", "nature")):
            got_lists, want_lists = {}, {}
            joint = st.aggregate(user, PERIOD, unit=unit_filter, group_by=dims, as_of=AS_OF,
                                 collect=("acc_overdue", "rep_overdue"), collected=want_lists)
            each = st.aggregate_each(user, PERIOD, dims, unit=unit_filter, as_of=AS_OF,
                                     collect=("acc_overdue", "rep_overdue"), collected=got_lists)
            assert list(each) == list(dims)
            for index, dim in enumerate(dims):
                want = _rolled(joint, index)
                assert each[dim].keys() == want.keys(), (dims, dim)
                for raw, counts in want.items():
                    assert _same_counts(each[dim][raw], counts), (dims, dim, raw)
                    checked += 1
            assert {k: sorted(v) for k, v in got_lists.items()} == {k: sorted(v) for k, v in want_lists.items()}
    assert checked > 40  # many groups were compared, not a handful of empty ones
    # the volume-only form (no KPI facts) agrees too
    each = st.aggregate_each(SystemView(), PERIOD, ("category", "region"), as_of=AS_OF, kpis=False,
                             measures=st.VOLUME_MEASURES)
    joint = st.aggregate(SystemView(), PERIOD, group_by=("category", "region"), as_of=AS_OF, kpis=False,
                         measures=st.VOLUME_MEASURES)
    assert each["region"] == _rolled(joint, 1) and each["category"] == _rolled(joint, 0)
    assert sum(c["persons"] for c in each["region"].values()) >= 18  # the visits of six persons each
