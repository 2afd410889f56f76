"""Hot spots and alerts over petitions in the database: registered petitions about one matter cluster
together; another district does not see them; the page and the API answer analysts and refuse a
clerk; the sweep fires each alert once and notifies the analysts and leaders whose jurisdiction
covers it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from xinfang.common.sweeps import sweeps_registered
from xinfang.insight.hotspots import selectors, services
from xinfang.insight.hotspots.models import Alert, AlertKind
from xinfang.notifications.models import Notification
from xinfang.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db

FUMES = [
    ("魅力之城小区临街门面油烟直排扰民", "魅力之城小区底层餐馆油烟直排，居民无法开窗。"),
    ("劳动东路魅力之城小区底层餐馆油烟扰民", "魅力之城小区一楼餐馆油烟和噪音严重影响休息。"),
    ("魅力之城小区一楼夜宵摊油烟噪音扰民", "魅力之城小区一楼夜宵摊营业到凌晨，油烟噪音扰民。"),
    ("魅力之城小区商铺无排烟管道到处油烟味", "魅力之城小区商铺没有排烟管道，小区里到处是油烟。"),
]
OTHERS = [
    ("桃园村道路破损无人修", "桃园村村道坑洼多年，雨天无法通行。"),
    ("石桥村低保评定不公开", "石桥村今年低保名单没有公示。"),
    ("和平社区电梯长期故障", "和平社区3栋电梯坏了半年没人修。"),
]


def person(i: int) -> list[PetitionerInput]:
    return [PetitionerInput(name=f"王{'一二三四五六七八九'[i % 9]}", phone=f"139{i:08d}")]


@pytest.fixture
def fumes(register):
    now = timezone.now()
    made = [register(title=t, content=c, petitioners=person(i), received_at=now - dt.timedelta(hours=2 + i))[0]
            for i, (t, c) in enumerate(FUMES)]
    for i, (t, c) in enumerate(OTHERS):
        register(title=t, content=c, petitioners=person(10 + i), received_at=now - dt.timedelta(days=3 + i))
    return made


def user(username):
    return get_user_model().objects.get(username=username)


def test_petitions_about_one_matter_form_one_hot_spot(fumes):
    (_start, _end), spots = selectors.hotspots_for(user("demo_analyst"))
    assert spots, "no hot spot"
    top = spots[0]
    assert {m.id for m in top.members} == {p.pk for p in fumes}
    assert top.items == 4 and top.persons == 4 and "魅力之城" in top.title
    assert sum(n for _w, n in top.trend) == 4
    assert not any({m.id for m in s.members} & {p.pk for p in fumes} for s in spots[1:])


def test_another_district_does_not_see_them(fumes, register, org):
    register(actor=org.users["demo_clerk2"], title="白沙镇河口村砂场噪音扰民", content="河口村砂场夜间作业噪音扰民。",
             problem_region="990103002", petitioners=person(30))
    register(actor=org.users["demo_clerk2"], title="白沙镇河口村砂场夜间噪音扰民", content="河口村砂场夜里作业。",
             problem_region="990103002", petitioners=person(31))
    _p, theirs = selectors.hotspots_for(user("demo_analyst2"))
    seen = {m.id for s in theirs for m in s.members}
    assert seen and not seen & {p.pk for p in fumes}
    _p, ours = selectors.hotspots_for(user("demo_analyst"))
    assert all("河口村" not in m.title for s in ours for m in s.members)


def test_unit_filter_and_cache(fumes, org):
    analyst = user("demo_analyst")
    _p, spots = selectors.hotspots_for(analyst, unit=org.units["DH-XF"])
    assert {m.id for m in spots[0].members} == {p.pk for p in fumes}
    _p, none = selectors.hotspots_for(analyst, unit=org.units["DH-JY"])  # nothing reached 教育局
    assert none == []
    first = selectors.hotspots_for(analyst, cached=True)
    assert selectors.hotspots_for(analyst, cached=True) == first


def test_period_and_bad_input(fumes):
    today = timezone.localdate()
    _p, none = selectors.hotspots_for(user("demo_analyst"), date_from=today - dt.timedelta(days=400),
                                      date_to=today - dt.timedelta(days=300))
    assert none == []
    from xinfang.common.errors import ApplicationError

    with pytest.raises(ApplicationError, match="开始日期不能晚于结束日期"):
        selectors.hotspots_for(user("demo_analyst"), date_from=today, date_to=today - dt.timedelta(days=1))


@pytest.fixture
def as_user(client, org):
    def _as(username):
        client.logout()
        client.force_login(user(username))
        return client

    return _as


def test_the_page_answers_an_analyst_and_is_refused_to_a_clerk(fumes, as_user):
    r = as_user("demo_analyst").get("/hotspots/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "热点问题" in body and "data-hotspot=\"1\"" in body
    for p in fumes:
        assert f'href="/petitions/{p.pk}/"' in body and p.number in body
    assert as_user("demo_leader").get("/hotspots/").status_code == 200
    assert as_user("demo_clerk").get("/hotspots/").status_code == 404
    r = as_user("demo_analyst").get("/hotspots/?from=2026-99-01&top=abc")
    assert r.status_code == 200 and "日期格式无效" in r.content.decode() and "显示条数" in r.content.decode()


def test_the_api_answers_an_analyst_and_is_refused_to_a_clerk(fumes, as_user):
    r = as_user("demo_analyst").get("/api/v1/hotspots?top=5")
    assert r.status_code == 200, r.content
    data = r.json()
    top = data["results"][0]
    assert {m["number"] for m in top["members"]} == {p.number for p in fumes}
    assert top["rank"] == 1 and top["score"] > 0 and top["trend"] and top["items"] == 4
    r = as_user("demo_clerk").get("/api/v1/hotspots")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = as_user("demo_analyst").get("/api/v1/hotspots?top=0")
    assert r.status_code == 422
    r = as_user("demo_analyst").get("/api/v1/hotspots?from=2026-02-01&to=2026-01-01")
    assert r.status_code == 422 and r.json()["error"]["field"] == "from"
    assert as_user("demo_clerk").get("/api/v1/alerts").status_code == 404


def test_the_sweep_fires_once_and_notifies(fumes, register, as_user):
    assert "early_warning" in sweeps_registered()
    collective = register(title="幸福小区业主集体上访", content="幸福小区三十名业主反映物业问题。", headcount=30,
                          petitioners=person(40))[0]
    now = timezone.now()
    fired = services.alerts_sweep(now)
    assert fired[AlertKind.COLLECTIVE] == 1, fired
    assert fired[AlertKind.HOTSPOT] + fired[AlertKind.CONVERGING] >= 1, fired
    alerts = list(Alert.objects.all())
    spot = next(a for a in alerts if a.kind in (AlertKind.HOTSPOT, AlertKind.CONVERGING))
    assert {p.pk for p in spot.members.all()} >= {p.pk for p in fumes[:3]}
    assert "魅力之城" in spot.title and spot.why
    coll = Alert.objects.get(kind=AlertKind.COLLECTIVE)
    assert collective.number in coll.why and "30" in coll.why
    sent = Notification.objects.filter(kind="early_warning")
    recipients = set(sent.values_list("recipient__username", flat=True))
    assert {"demo_analyst"} <= recipients and "demo_analyst2" not in recipients and "demo_clerk" not in recipients
    count = sent.count()
    # again, and later in the same week: nothing new
    assert sum(services.alerts_sweep(now).values()) == 0
    assert sum(services.alerts_sweep(now + dt.timedelta(minutes=5)).values()) == 0
    assert Notification.objects.filter(kind="early_warning").count() == count
    assert Alert.objects.count() == len(alerts)
    # through the registered sweep rule too: nothing new; run again within ten minutes, it waits
    from xinfang.common.sweeps import sweeps_run

    result = sweeps_run(now)["early_warning"]
    assert "skipped" not in result and sum(result.values()) == 0
    assert sweeps_run(now + dt.timedelta(minutes=1))["early_warning"] == {"skipped": True}
    assert Notification.objects.filter(kind="early_warning").count() == count

    # the inbox and the API show them with why they fired; acknowledging marks them
    c = as_user("demo_analyst")
    body = c.get("/hotspots/alerts/").content.decode()
    assert coll.why in body and spot.title in body
    api = c.get("/api/v1/alerts?state=open").json()
    assert api["count"] == len(alerts) and all(a["why"] for a in api["results"])
    r = c.post(f"/hotspots/alerts/{coll.pk}/ack/")
    assert r.status_code == 302
    coll.refresh_from_db()
    assert coll.acknowledged_by.username == "demo_analyst" and coll.acknowledged_at
    assert c.get("/api/v1/alerts?state=open").json()["count"] == len(alerts) - 1
    # outside the jurisdiction: not found
    c2 = as_user("demo_analyst2")
    assert c2.get(f"/hotspots/alerts/{coll.pk}/").status_code == 404
    assert c2.post(f"/hotspots/alerts/{coll.pk}/ack/").status_code == 404
    assert as_user("demo_clerk").get("/hotspots/alerts/").status_code == 404


def test_rises_count_every_petition_when_the_text_cap_is_reached(fumes, monkeypatch):
    """At a hotline's volume the grouping reads only the newest petitions: region and category rises
    are still counted in the database over every petition, and no hot-spot rise is tested against
    weeks the read did not reach (they would look empty)."""
    from xinfang.insight.hotspots import engine

    monkeypatch.setattr(selectors, "MAX_PETITIONS", 2)
    now = timezone.now()
    week = engine.week_start(timezone.localdate(now))
    fired = services.alerts_sweep(now)
    assert fired[AlertKind.HOTSPOT] == 0, fired
    this_week = {p.pk for p in fumes if timezone.localdate(p.received_at) >= week}
    region = Alert.objects.get(key=f"region:990102001:{week}")
    category = Alert.objects.get(key=f"category:01:{week}")
    for alert in (region, category):
        assert this_week <= set(alert.members.values_list("pk", flat=True))  # beyond the cap of 2
        assert alert.count >= len(this_week)


def test_public_support_counts_in_the_heat(fumes):
    (_p, before) = selectors.hotspots_for(user("demo_analyst"))
    services.support_set(petition=fumes[0], likes=255, dislikes=3)
    (_p, after) = selectors.hotspots_for(user("demo_analyst"))
    assert after[0].support == 255 and before[0].support == 0
    assert after[0].score > before[0].score
    from xinfang.common.errors import ApplicationError

    with pytest.raises(ApplicationError):
        services.support_set(petition=fumes[0], likes=-1)


def test_support_from_a_message_board_csv(fumes, tmp_path):
    from xinfang.insight.hotspots.models import PetitionSupport
    from xinfang.petitions.models import Petition

    Petition.objects.filter(pk=fumes[1].pk).update(external_id="360101")
    f = tmp_path / "board.csv"
    f.write_text("留言编号,留言主题,留言时间,反对数,点赞数\n360101,x,2019-07-28 12:49:18,2,17\n999,y,2019-01-01,0,5\n",
                 encoding="utf-8")
    assert services.support_from_csv(f) == 1
    row = PetitionSupport.objects.get(petition=fumes[1])
    assert (row.likes, row.dislikes) == (17, 2)


def test_accusers_identity_stays_masked_outside_the_chain(register, as_user, org):
    now = timezone.now()
    for i in range(3):
        register(title=f"举报魅力之城物业经理贪污维修基金 联系人王{'一二三'[i]} 13900000{i:03d}",
                 content=f"我是王{'一二三'[i]}，电话13900000{i:03d}，举报魅力之城小区物业经理挪用维修基金。",
                 nature="accusation", petitioners=[PetitionerInput(name=f"王{'一二三'[i]}", phone=f"13900000{i:03d}")],
                 received_at=now - dt.timedelta(hours=i + 1))
    # the city leader sees them (above the district) but is outside the handling chain
    _p, spots = selectors.hotspots_for(user("demo_city_leader"))
    assert spots
    shown = " ".join([spots[0].title] + [m.title for m in spots[0].members])
    assert "13900000" not in shown and "王一" not in shown


def test_urgent_informant_reports_show_in_the_inbox(org, as_user):
    from xinfang.oversight.screening.services import report_create

    report = report_create(actor=user("demo_informant"), title="业主计划明天集体上访", content="约三十名业主商议集体上访。",
                           urgent=True)
    body = as_user("demo_town_leader").get("/hotspots/alerts/").content.decode()
    assert "data-urgent" in body and report.title in body and f"/screening/reports/{report.pk}/" in body
    body = as_user("demo_analyst").get("/hotspots/alerts/").content.decode()  # it did not reach the analyst
    assert report.title not in body
