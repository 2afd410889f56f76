"""报表 pages: the dashboard (tiles coloured by the thresholds, server-rendered charts, nothing fetched
from another host), the bulletin page and its downloads, the drill-down list, and who may see them.

Petitions are bulk-created with their stored deadlines and evaluations (the facts the KPIs read),
so each tile's value is known: 及时受理率 9/10 = 90.0% (yellow: 85–90 inclusive), 按期办结率
10/10 = 100% (green), 群众满意率 4/5 = 80% (red), 参评率 5/10 = 50% (red), 一次性化解率 10/10 (green).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from xinfang.org.models import Unit
from xinfang.petitions.models import Petition, PetitionAccess
from xinfang.workflow.models import Deadline, Evaluation

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 15, 10, 0, tzinfo=TZ)


def make_petitions(received: dt.datetime) -> list[Petition]:
    """Ten visits to 东湖区信访局, assigned to 东湖区住建局, accepted 3 days and replied 18 days after receipt
    (one accepted late), five of them evaluated (four satisfied)."""
    office, dept = Unit.objects.get(code="DH-XF"), Unit.objects.get(code="DH-ZJ")
    day = timezone.localtime(received).date()
    rows = [Petition(number=f"DH-XF-W-{i:04d}", year=day.year, seq=9000 + i, channel="visit", received_at=received,
                     receiving_unit=office, handling_unit=dept, title=f"看板测试信访件{i}", content="内容",
                     headcount=1 + i % 3, visit_kind="individual" if i % 3 == 0 else "group", status="replied",
                     accepted_at=received + dt.timedelta(days=3), replied_at=received + dt.timedelta(days=18),
                     query_code_hash="test") for i in range(10)]
    Petition.objects.bulk_create(rows)
    PetitionAccess.objects.bulk_create([PetitionAccess(petition=p, unit=u, reason="r") for p in rows
                                        for u in (office, dept)])
    deadlines = []
    for i, p in enumerate(rows):
        accepted = received + dt.timedelta(days=18 if i == 0 else 3)  # the first one 3 days late
        deadlines.append(Deadline(petition=p, kind="accept", start=day, days=15, due=day + dt.timedelta(days=15),
                                  met_at=accepted))
        deadlines.append(Deadline(petition=p, kind="handle", start=day + dt.timedelta(days=3), days=60,
                                  due=day + dt.timedelta(days=63), met_at=p.replied_at))
    Deadline.objects.bulk_create(deadlines)
    Evaluation.objects.bulk_create([
        Evaluation(petition=p, level="dissatisfied" if i == 4 else "satisfied", source="callback",
                   at=p.replied_at + dt.timedelta(days=2)) for i, p in enumerate(rows[:5])])
    return rows


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def board(org, frozen):
    return make_petitions(dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ))


@pytest.fixture
def as_user(client, users):
    def _as(username):
        client.force_login(users[username])
        return client

    return _as


def tile_colours(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-kpi="(\w+)" data-colour="(\w+)"', html))


@pytest.mark.django_db
def test_dashboard_tiles_coloured_by_thresholds(board, as_user):
    r = as_user("demo_analyst").get("/reports/dashboard/")
    assert r.status_code == 200
    html = r.content.decode()
    assert tile_colours(html) == {
        "timely_acceptance": "yellow", "on_time_reply": "green", "satisfaction": "red", "participation": "red",
        "repeat_rate": "grey", "one_time_resolution": "green", "avg_handling_days": "grey",
        "ownership_resolution": "grey"}
    assert ">90.0%</a>" in html and ">100.0%</a>" in html and ">80.0%</a>" in html and ">50.0%</a>" in html
    assert "18.0" in html  # mean days from receipt to reply
    assert html.count("<svg") == 4  # trend, category, region, unit
    assert "kozea" not in html and not re.search(r'(src|href)="(https?:)?//', html)
    assert "近12个月信访件次" in html and "东湖区住房和城乡建设局" in html
    assert 'data-nav="dashboard"' in html and 'data-nav="reports"' in html


@pytest.mark.django_db
def test_thresholds_are_settings(board, as_user, settings):
    settings.XINFANG = {**settings.XINFANG, "KPI_THRESHOLDS": (40.0, 79.9)}
    colours = tile_colours(as_user("demo_analyst").get("/reports/dashboard/").content.decode())
    assert (colours["timely_acceptance"], colours["satisfaction"], colours["participation"]) == \
        ("green", "green", "yellow")


@pytest.mark.django_db
def test_who_sees_the_reports(board, as_user):
    clerk = as_user("demo_clerk")
    assert 'data-nav="dashboard"' not in clerk.get("/").content.decode()
    for path in ("/reports/", "/reports/dashboard/", "/reports/drill/", "/reports/bulletin.md"):
        assert clerk.get(path).status_code == 404
    for username in ("demo_leader", "demo_supervisor", "demo_admin"):
        assert as_user(username).get("/reports/dashboard/").status_code == 200
    # district 2's analyst: the page works and counts nothing of district 1
    html = as_user("demo_analyst2").get("/reports/dashboard/").content.decode()
    assert "东湖区住房和城乡建设局" not in html
    assert tile_colours(html)["timely_acceptance"] == "grey"


@pytest.mark.django_db
def test_bulletin_page_downloads_and_drill(board, as_user):
    c = as_user("demo_analyst")
    r = c.get("/reports/", {"from": "2026-03-01", "to": "2026-03-31"})
    assert r.status_code == 200
    html = r.content.decode()
    # 10 visits: i%3==0 -> 1 person (i = 0, 3, 6, 9), else 2 or 3 persons: 1*4 + 2*3 + 3*3 = 19 persons
    assert "2026年3月份，东湖区信访局共接待群众来访10批(次)、19人(次)，去年同期无数据。" in html
    assert "及时受理率90.0%（9/10）" in html
    assert "measure=acc_timely" in html and "measure=acc_due" in html  # each KPI links its two parts
    r = c.get("/reports/drill/", {"from": "2026-03-01", "to": "2026-03-31", "measure": "acc_missed"})
    assert r.status_code == 200
    body = r.content.decode()
    tbody = body[body.find("<tbody"):body.find("</tbody>")]
    assert "DH-XF-W-0000" in tbody and "DH-XF-W-0001" not in tbody
    assert "未及时受理" in body and "共 1 件" in body
    r = c.get("/reports/drill/", {"from": "2026-03-01", "to": "2026-03-31", "dim": "unit", "key": "DH-ZJ",
                                  "measure": "persons"})
    assert "共 10 件" in r.content.decode() and "合计 19" in r.content.decode()
    assert c.get("/reports/drill/", {"measure": "persons", "dim": "colour"}).status_code == 404
    assert c.get("/reports/drill/", {"measure": "nope"}).status_code == 302  # back to the reports page

    from docx import Document
    from openpyxl import load_workbook

    r = c.get("/reports/bulletin.docx", {"from": "2026-03-01", "to": "2026-03-31"})
    assert r.status_code == 200 and r["Content-Disposition"] == \
        'attachment; filename="bulletin-2026-03-01-2026-03-31.docx"'
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "共接待群众来访10批(次)、19人(次)" in text
    r = c.get("/reports/bulletin.xlsx", {"from": "2026-03-01", "to": "2026-03-31"})
    wb = load_workbook(io.BytesIO(r.content))
    assert any("10批(次)、19人(次)" in (row[0] or "") for row in wb["通报"].iter_rows(values_only=True))
    assert c.get("/reports/bulletin.md", {"from": "2026-03-01", "to": "2026-03-31"}).status_code == 200
    assert c.get("/reports/bulletin.json", {"from": "2026-03-01", "to": "2026-03-31"}).json()["totals"]["items"] == 10
    r = c.get("/reports/bulletin.pdf")
    assert r.status_code == 302
    r = c.get("/reports/annual.docx", {"year": "2026"})
    assert r.status_code == 200
    assert "关于2026年度信访工作情况的报告" in "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert c.get("/reports/annual.docx", {"year": "abc"}).status_code == 302
    # bad input is answered on the page, never with an error page
    r = c.get("/reports/", {"from": "2026-02-30", "unit": "XS-XF"})
    assert r.status_code == 200 and "日期格式无效" in r.content.decode()
    r = c.get("/reports/", {"unit": "XS-XF"})
    assert r.status_code == 200 and "单位不存在：XS-XF" in r.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_in_a_browser_requests_nothing_from_other_hosts(org, login, live_server, tmp_path):
    received = timezone.now() - dt.timedelta(days=40)
    make_petitions(received)
    page = login("demo_analyst")
    page.click("a[data-nav=dashboard]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/reports/dashboard/?from={timezone.localtime(received).date().isoformat()}")
    page.wait_for_load_state("networkidle")
    assert "统计看板" in page.inner_text("h1")
    assert page.locator("figure.rp-chart svg").count() == 4
    assert page.locator(".rp-kpis .rp-tile.rp-yellow[data-kpi=timely_acceptance]").count() == 1
    assert page.locator(".rp-kpis .rp-tile.rp-red[data-kpi=satisfaction]").count() == 1
    colour = page.eval_on_selector(".rp-tile[data-kpi=on_time_reply]", "e => getComputedStyle(e).borderTopColor")
    assert colour == "rgb(47, 125, 50)"  # green
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert page.foreign_requests == []  # the fixture checks again after the page closes
    page.click("a[data-nav=reports]")
    page.wait_for_load_state("networkidle")
    assert "信访情况通报" in page.inner_text("main")
    assert page.foreign_requests == []


@pytest.mark.django_db
def test_unit_filter_with_a_nul_byte_is_refused_not_a_crash(as_user, users):
    """PostgreSQL cannot hold a NUL in a query parameter: the unit filter refuses it like an unknown unit."""
    from xinfang.common.errors import ApplicationError
    from xinfang.reports.statistics import resolve_unit

    r = as_user("demo_analyst").get("/reports/dashboard/", {"unit": "DH\x00"})
    assert r.status_code in (200, 422)
    assert "单位不存在" in r.content.decode()
    with pytest.raises(ApplicationError) as exc:
        resolve_unit(users["demo_analyst"], "DH\x00")
    assert exc.value.field == "unit"


FUMES = [
    ("魅力之城小区临街门面油烟直排扰民", "魅力之城小区底层餐馆油烟直排，居民无法开窗。"),
    ("劳动东路魅力之城小区底层餐馆油烟扰民", "魅力之城小区一楼餐馆油烟和噪音严重影响休息。"),
    ("魅力之城小区一楼夜宵摊油烟噪音扰民", "魅力之城小区一楼夜宵摊营业到凌晨，油烟噪音扰民。"),
    ("魅力之城小区商铺无排烟管道到处油烟味", "魅力之城小区商铺没有排烟管道，小区里到处是油烟。"),
]


@pytest.fixture
def fumes(register):
    from xinfang.petitions.services import PetitionerInput

    now = timezone.now()
    return [register(title=t, content=c, petitioners=[PetitionerInput(name=f"王{'一二三四'[i]}")],
                     received_at=now - dt.timedelta(hours=2 + i))[0] for i, (t, c) in enumerate(FUMES)]


@pytest.mark.django_db
def test_dashboard_hot_issues_are_the_hot_spots(fumes, as_user, users):
    """热点问题: insight's hot spots of the period (title, 热度, 件次 and 人次), linking to the hot spots page
    for the same days; the xlsx sheet has the same rows; another district's analyst sees none of them."""
    from django.core.cache import cache
    from openpyxl import load_workbook

    from xinfang.insight.hotspots.selectors import hotspots_for

    cache.clear()
    c = as_user("demo_analyst")
    today = timezone.localdate()
    q = {"from": (today - dt.timedelta(days=30)).isoformat(), "to": today.isoformat()}
    # not yet grouped: the page does not wait; its panel asks for the hot spots of the same question
    html = c.get("/reports/dashboard/", q).content.decode()
    assert "data-hot-spots-pending" in html and "<ol class=\"rp-hot\" data-hot-spots>" not in html
    panel_url = f"/reports/dashboard/hotspots/?from={q['from']}&amp;to={q['to']}"
    assert f'hx-get="{panel_url}"' in html and 'hx-trigger="load"' in html
    panel = c.get(panel_url.replace("&amp;", "&")).content.decode()
    _p, spots = hotspots_for(users["demo_analyst"], date_from=today - dt.timedelta(days=30), date_to=today)
    assert spots and spots[0].items == 4
    assert panel.split("data-hot-spots>", 1)[1].split("</ol>", 1)[0] in panel  # the panel holds the list
    # kept now: the page shows them at once, the same as the panel
    html = c.get("/reports/dashboard/", q).content.decode()
    assert "data-hot-spots-pending" not in html
    section = html.split("data-hot-spots>", 1)[1].split("</ol>", 1)[0]
    assert section == panel.split("data-hot-spots>", 1)[1].split("</ol>", 1)[0]
    assert f"?from={q['from']}&amp;to={q['to']}" in section and 'href="/hotspots/' in section
    top = spots[0]
    assert top.title in section and f"{top.score:.1f}" in section and "4件 · 4人次" in section
    r = c.get("/reports/dashboard/", {**q, "export": "xlsx"})
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    sheet = [tuple(cell.value for cell in row) for row in wb["热点问题"].iter_rows()]
    assert sheet[0] == ("排名", "热点", "热度", "件次", "人次")
    assert sheet[1][:2] == (1, top.title) and sheet[1][3:] == (4, 4) and round(sheet[1][2], 3) == round(top.score, 3)
    other_client = as_user("demo_analyst2")
    other = other_client.get("/reports/dashboard/", q).content.decode()
    assert "魅力之城" not in other and "data-hot-spots-pending" in other
    other = other_client.get("/reports/dashboard/hotspots/", q).content.decode()
    assert "魅力之城" not in other and "本期无数据" in other.split("data-hot-spots>", 1)[1].split("</ol>", 1)[0]


@pytest.mark.django_db
def test_dashboard_hotspots_panel_is_for_report_readers_only(fumes, as_user):
    """The panel's own address follows the dashboard's rule (a clerk gets no such page), and a bad date or
    a unit outside the jurisdiction falls back to the default question instead of failing."""
    assert as_user("demo_clerk").get("/reports/dashboard/hotspots/").status_code == 404
    c = as_user("demo_analyst")
    for q in ({"from": "2026-13-45"}, {"unit": "NOPE\x00"}, {"from": "x" * 500, "to": "\u202e"}):
        r = c.get("/reports/dashboard/hotspots/", q)
        assert r.status_code == 200 and b"data-hot-spots" in r.content
