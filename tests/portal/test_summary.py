"""The portal's weekly public summary (信息公开, issue 11): the counts of a known week, the units' rates
from the one KPI definition, the overdue league without any petition, no personal data anywhere, the
week picker's refusals (400 with a message, never 500), anonymous and signed in alike."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from xinfang.petitions.services import PetitionerInput
from xinfang.reports import scorecard as sc
from xinfang.reports import statistics as st

TZ = ZoneInfo("Asia/Shanghai")
URL = "/portal/summary/"
WEDNESDAY = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TZ)  # "today" for most tests
WEEK = dt.date(2026, 11, 16)  # the last complete week then (Monday 16 to Sunday 22 November)

# distinctive personal data and texts, none of which may appear on the page
PEOPLE = [("司马懿德", "13912345671"), ("欧阳明珠", "13912345672"), ("诸葛亮光", "13912345673")]
TITLES = ["翡翠湾小区电梯长期停运无人维修", "琥珀路工地夜间施工噪声扰民", "玛瑙村集体资产处置不公开"]


def at(day: int, hour: int = 10, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def _id(n: int) -> str:
    from xinfang.common.validators import id_checksum

    first17 = f"11010519880307{n:03d}"
    return first17 + id_checksum(first17)


@pytest.fixture(autouse=True)
def _profile(db):
    """A stored portal profile: without one, `profile_get()` (every portal page's context) falls back to
    `top_petition_office()`, whose `rank` annotation collides with `Unit.rank` (reported in issue 11)."""
    from xinfang.portal.models import PortalProfile

    PortalProfile.objects.create(name="示范市网上信访")


@pytest.fixture
def week_cases(register):
    """Petitions of the week of 16 November 2026 (and two just outside it), registered on 25 November."""
    made = []
    with time_machine.travel(WEDNESDAY, tick=False):
        made.append(register(channel="visit", received_at=at(16, 0, 5), title=TITLES[0], category="010101",
                             content="翡翠湾小区三号楼电梯停运已两个月。",
                             petitioners=[PetitionerInput(name=PEOPLE[0][0], id_number=_id(1), phone=PEOPLE[0][1])]))
        made.append(register(channel="visit", received_at=at(18), title=TITLES[1], category="010101", headcount=3,
                             content="琥珀路工地每晚施工至凌晨。",
                             petitioners=[PetitionerInput(name=n, id_number=_id(i + 2), phone=ph)
                                          for i, (n, ph) in enumerate(PEOPLE[1:])]))
        made.append(register(channel="letter", received_at=at(22, 23, 50), title=TITLES[2], category="020101",
                             content="玛瑙村集体资产处置从未公开。",
                             petitioners=[PetitionerInput(name=PEOPLE[0][0], id_number=_id(1), phone=PEOPLE[0][1])]))
        # outside the week: the Sunday before and the Monday after
        made.append(register(channel="letter", received_at=at(15, 23, 50), title="上一周的来信"))
        made.append(register(channel="phone", received_at=at(23, 0, 10), title="下一周的来电"))
    return made


def _get(client: Client, week: str | None = None, when: dt.datetime = WEDNESDAY):
    with time_machine.travel(when, tick=False):
        return client.get(URL, {"week": week} if week is not None else {})


def _cell(html: str, attr: str) -> str:
    m = re.search(rf'<(?:dd|tr) {attr}>(.*?)</(?:dd|tr)>', html, re.S)
    assert m, attr
    return re.sub(r"<[^>]+>", "|", m.group(1))


def _numbers(row: str) -> list[str]:
    return [c.strip() for c in row.split("|") if c.strip()]


@pytest.mark.django_db
def test_the_counts_of_the_last_complete_week(week_cases):
    r = _get(Client())
    assert r.status_code == 200
    html = r.content.decode()
    assert "2026年11月16日至11月22日" in html
    assert _cell(html, 'data-total="items"') == "3"
    assert _cell(html, 'data-total="batches"') == "2"  # two visits
    assert _cell(html, 'data-total="person_times"') == "4"  # 1 + 3 people
    assert _numbers(_cell(html, 'data-channel="visit"'))[-1] == "2"
    assert _numbers(_cell(html, 'data-channel="letter"'))[-1] == "1"
    assert _numbers(_cell(html, 'data-channel="phone"'))[-1] == "0"
    assert _numbers(_cell(html, 'data-visit-kind="individual"'))[-2:] == ["1", "1"]
    assert _numbers(_cell(html, 'data-visit-kind="group"'))[-2:] == ["1", "3"]
    cats = {_numbers(row)[0]: _numbers(row)[1] for row in re.findall(r"<tr data-category>(.*?)</tr>", html, re.S)
            for row in [re.sub(r"<[^>]+>", "|", row)]}
    assert cats == {"城乡建设": "2", "劳动和社会保障": "1"}
    units = {_numbers(row)[0]: _numbers(row)[1:] for row in
             (re.sub(r"<[^>]+>", "|", x) for x in re.findall(r"<tr data-unit>(.*?)</tr>", html, re.S))}
    assert units["东湖区人民政府"][0] == "3" and units["西山区人民政府"][0] == "0"
    assert units["东湖区人民政府"][1:] == ["—", "—"]  # nothing due yet, nothing evaluated
    # previous and next weeks
    assert 'href="/portal/summary/?week=2026-11-09"' in html and 'href="/portal/summary/?week=2026-11-23"' in html


@pytest.mark.django_db
def test_any_day_picks_its_week_and_the_current_week_is_partial(week_cases):
    html = _get(Client(), "2026-11-19").content.decode()
    assert "2026年11月16日至11月22日" in html and _cell(html, 'data-total="items"') == "3"
    current = _get(Client(), "2026-11-25").content.decode()  # today: the week so far
    assert _cell(current, 'data-total="items"') == "1"  # the call of Monday the 23rd
    assert "本周尚未结束" in current and "2026年11月23日至11月25日" in current
    assert "?week=2026-11-30" not in current  # no link into the future
    earlier = _get(Client(), "2026-11-15").content.decode()
    assert _cell(earlier, 'data-total="items"') == "1"  # the letter of Sunday the 15th


@pytest.mark.django_db
def test_no_personal_data_and_no_petition_appears(week_cases, act, users):
    p0 = week_cases[0][0]
    with time_machine.travel(WEDNESDAY, tick=False):
        act("demo_dispatcher", p0, "forward", unit="DH-ZJ")
    later = dt.datetime(2026, 12, 20, 10, 0, tzinfo=TZ)  # every acceptance limit has passed: all overdue
    for client in (Client(), _signed_in(users)):
        for week in (None, "2026-11-18"):
            html = _get(client, week, when=later if week else WEDNESDAY).content.decode()
            for name, phone in PEOPLE:
                assert name not in html and phone not in html
            for i in range(1, 5):  # the ID numbers
                assert _id(i) not in html
            for p, code in week_cases:
                assert p.number not in html and code not in html and p.title not in html
                assert p.content not in html
            for title in TITLES:
                assert title not in html
            assert "/petitions/" not in html  # no link to any case


def _signed_in(users) -> Client:
    c = Client()
    c.force_login(users["demo_clerk"])
    return c


@pytest.mark.django_db
def test_the_overdue_league_of_the_week(week_cases):
    later = dt.datetime(2026, 12, 20, 10, 0, tzinfo=TZ)
    html = _get(Client(), "2026-11-18", when=later).content.decode()
    rows = [_numbers(re.sub(r"<[^>]+>", "|", x)) for x in re.findall(r"<tr data-league>(.*?)</tr>", html, re.S)]
    by_unit = {r[1]: r for r in rows}
    assert by_unit["东湖区人民政府"] == ["1", "东湖区人民政府", "3", "3", "100.0%"]
    assert by_unit["西山区人民政府"] == ["—", "西山区人民政府", "0", "0", "—"]
    assert rows[0][1] == "东湖区人民政府"
    assert "超期 3 件" in html


@pytest.mark.django_db
def test_unit_rates_use_the_one_definition(week_cases, act, settings):
    settings.XINFANG = {**settings.XINFANG, "REPLY_APPROVAL": False}
    p = week_cases[0][0]
    with time_machine.travel(WEDNESDAY, tick=False):
        act("demo_dispatcher", p, "assign", unit="DH-ZJ")
        p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
        p = act("demo_handler", p, "draft_reply", outcome="support", text="已安排维修。", basis="有关规定")
        act("demo_clerk", p, "evaluate", level="basically")
    html = _get(Client()).content.decode()
    units = {_numbers(row)[0]: _numbers(row)[1:] for row in
             (re.sub(r"<[^>]+>", "|", x) for x in re.findall(r"<tr data-unit>(.*?)</tr>", html, re.S))}
    row = units["东湖区人民政府"]
    assert row[0] == "3"
    assert row[1:] == ["100.0%", "（1/1）", "100.0%", "（1/1）"]
    # the same figures as the scorecard the staff see (reports.statistics' definitions)
    from xinfang.portal.selectors.profile import public_viewer

    viewer = public_viewer()
    viewer._xinfang_memberships = []
    with time_machine.travel(WEDNESDAY, tick=False):
        card = sc.scorecard_build(viewer, date_from=WEEK, date_to=WEEK + dt.timedelta(days=6), unit_code="SF")
    dh = next(r for r in card.rows if r.unit.code == "DH")
    assert dh.kpis["on_time_reply"] == 100.0 and dh.kpis["satisfaction"] == 100.0
    assert st.kpi_def("on_time_reply").definition in html
    assert st.kpi_def("satisfaction").definition in html


@pytest.mark.django_db
@pytest.mark.parametrize("week", ["abc", "2026-13-01", "2026-02-30", "20261118", "2026-1-5", "２０２６-１１-１８",
                                  "2026-11-18\x00", "2026-11-18' OR 1=1", "9" * 5000, "1999-12-31", "0001-01-01"])
def test_bad_weeks_get_a_message_and_400(org, week):
    r = _get(Client(), week)
    assert r.status_code == 400
    html = r.content.decode()
    assert 'data-error="week"' in html
    assert ("日期格式不正确" in html) or ("2000年1月1日以后" in html)
    assert reverse("portal:summary") in html  # a way back to the default week


@pytest.mark.django_db
def test_a_future_week_gets_a_message(org):
    for week in ("2026-11-26", "2027-01-04", "9999-12-31"):
        r = _get(Client(), week)
        assert r.status_code == 400
        assert "尚未到来" in r.content.decode()


@pytest.mark.django_db
def test_the_first_week_of_2000_is_shown_without_a_previous_link(org):
    r = _get(Client(), "2000-01-01")  # a Saturday: its week began on Monday 27 December 1999
    assert r.status_code == 200
    html = r.content.decode()
    assert "1999年12月27日至2000年1月2日" in html
    assert 'rel="prev"' not in html and 'href="/portal/summary/?week=2000-01-03"' in html
    assert _get(Client(), "2000-01-03").content.decode().count('href="/portal/summary/?week=2000-01-01"') == 1


@pytest.mark.django_db
def test_anonymous_and_signed_in_see_the_same(week_cases, users):
    anonymous = _get(Client())
    signed = _get(_signed_in(users))
    assert anonymous.status_code == signed.status_code == 200
    for html in (anonymous.content.decode(), signed.content.decode()):
        assert _cell(html, 'data-total="items"') == "3"
    other = Client()
    other.force_login(users["demo_clerk2"])  # another district's clerk: the public figures, not their scope
    assert _cell(_get(other).content.decode(), 'data-total="items"') == "3"
    assert Client().post(URL).status_code == 405


@pytest.mark.django_db
def test_the_summary_writes_nothing(week_cases):
    from django.contrib.auth import get_user_model

    from xinfang.audit.models import AuditEntry

    users_before, audit_before = get_user_model().objects.count(), AuditEntry.objects.count()
    assert _get(Client()).status_code == 200
    assert _get(Client(), "2026-11-18", when=dt.datetime(2026, 12, 20, 10, tzinfo=TZ)).status_code == 200
    assert get_user_model().objects.count() == users_before and AuditEntry.objects.count() == audit_before


@pytest.mark.django_db
def test_a_fresh_installation_shows_zeroes():
    """No unit, no petition yet: the page still answers, with zeroes."""
    r = _get(Client())
    assert r.status_code == 200
    html = r.content.decode()
    assert _cell(html, 'data-total="items"') == "0"
    assert "<tr data-unit>" not in html and "<tr data-league>" not in html
