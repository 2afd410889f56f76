"""量化考核 and 超期通报 on a small constructed set with known answers (reports.scorecard, reports.league).

The set (all received 2026-03-01 10:00, judged as of 2026-06-30 12:00, period 2026-01-01 … 06-30):

  unit      petition  acceptance (due 03-16)   reply (due 05-01)       overdue?
  DH-ZJ     z1        met 03-10 on time        met 04-20 on time       no
  DH-ZJ     z2        met 03-10 on time        met 05-05 LATE          yes (reply)
  DH-ZJ     z3        met 03-10 on time        open: OVERDUE           yes (reply)
  DH-ZJ     z4        met 03-20 LATE           due 07-30 running       yes (acceptance)
  DH-RS     r1, r2    on time                  on time                 no
  DH-T1-V1  v1        —                        open: OVERDUE           yes (reply) -> counts for DH-T1
  XS-ZJ     x1        —                        open: OVERDUE           (other district: never seen by DH)

  DH-ZJ: 及时受理率 3/4 = 75.0, 按期办结率 1/3 = 33.3, 重复信访率 0, 超期 3/4 = 75.0
  score (weights 15, 20, 10, 10, 3, 2 of the components with data) = (15×75 + 20×33.3 + 10×100 + 10×25
  + 3×100 + 2×100) ÷ 60 = 59.0; DH-RS 100.0; DH-T1 (20×0 + 10×100 + 10×0 + 3×100 + 2×100) ÷ 45 = 33.3.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook
from report_builders import bulk, local

from xinfang.common.errors import ApplicationError
from xinfang.reports import league as lg
from xinfang.reports import scorecard as sc
from xinfang.workflow.models import Deadline

pytestmark = pytest.mark.django_db

AS_OF = local(2026, 6, 30, 12, 0)
PERIOD = {"date_from": dt.date(2026, 1, 1), "date_to": dt.date(2026, 6, 30), "as_of": AS_OF}


def d(m, day):
    return dt.date(2026, m, day)


def deadline(p, kind, due, met=None):
    Deadline.objects.create(petition=p, kind=kind, start=d(3, 1), days=15, due=due,
                            met_at=None if met is None else local(2026, met.month, met.day, 10))


@pytest.fixture
def data(org):
    received = local(2026, 3, 1, 10)
    z = bulk(4, unit="DH-XF", handling_unit="DH-ZJ", channel="letter", received_at=received, title="住建测试")
    r = bulk(2, unit="DH-XF", handling_unit="DH-RS", channel="letter", received_at=received, title="人社测试")
    v = bulk(1, unit="DH-T1-V1", channel="letter", received_at=received, region="990102001001", title="村测试")
    x = bulk(1, unit="XS-ZJ", channel="letter", received_at=received, region="990103001", title="西山测试")
    for p in z[:3] + r:
        deadline(p, "accept", d(3, 16), d(3, 10))
    deadline(z[3], "accept", d(3, 16), d(3, 20))
    deadline(z[0], "handle", d(5, 1), d(4, 20))
    deadline(z[1], "handle", d(5, 1), d(5, 5))
    deadline(z[2], "handle", d(5, 1))
    deadline(z[3], "handle", d(7, 30))
    for p in r:
        deadline(p, "handle", d(5, 1), d(4, 1))
    deadline(v[0], "handle", d(5, 1))
    deadline(x[0], "handle", d(5, 1))
    return {"z": z, "r": r, "v": v, "x": x}


def rows_by_code(card):
    return {row.unit.code: row for row in card.rows}


def test_figures_score_and_rank(data, users):
    card = sc.scorecard_build(users["demo_analyst"], **PERIOD)
    assert card.parent.code == "DH"  # a petition office ranks its government's units
    rows = rows_by_code(card)
    assert "XS-ZJ" not in rows and all(code.startswith("DH-") for code in rows)
    zj, rs, t1 = rows["DH-ZJ"], rows["DH-RS"], rows["DH-T1"]
    assert (zj.items, zj.overdue, zj.overdue_rate) == (4, 3, 75.0)
    assert zj.kpis["timely_acceptance"] == 75.0 and zj.kpis["on_time_reply"] == 33.3
    assert zj.kpis["repeat_rate"] == 0.0 and zj.kpis["satisfaction"] is None
    assert zj.score == 59.0
    assert (rs.items, rs.overdue, rs.score) == (2, 0, 100.0)
    assert (t1.items, t1.overdue, t1.score) == (1, 1, 33.3)  # the village's petition counts for its town
    assert [(r.unit.code, r.rank) for r in card.rows[:3]] == [("DH-RS", 1), ("DH-ZJ", 2), ("DH-T1", 3)]
    assert rows["DH-JY"].score is None and rows["DH-JY"].rank is None  # no data: unranked, listed last
    assert {i.petition.pk for i in zj.overdue_items} == {p.pk for p in data["z"][1:]}
    by_pk = {i.petition.pk: i for i in zj.overdue_items}
    assert by_pk[data["z"][3].pk].acceptance and not by_pk[data["z"][3].pk].reply
    assert by_pk[data["z"][2].pk].reply and not by_pk[data["z"][2].pk].acceptance


def test_weights_override_and_ties(data, users, settings):
    settings.XINFANG = {**settings.XINFANG, "SCORECARD_WEIGHTS": {"on_time_reply": 0, "nonsense": 5}}
    assert "nonsense" not in sc.weights()
    rows = rows_by_code(sc.scorecard_build(users["demo_analyst"], **PERIOD))
    assert rows["DH-ZJ"].score == 71.9  # (1125 + 1000 + 250 + 300 + 200) / 40
    assert rows["DH-ZJ"].components["on_time_reply"] == 33.3  # still shown, no longer weighted

    class R:
        def __init__(self, path, score):
            self.unit, self.score = type("U", (), {"path": path})(), score
    rs = [R("/a/", 80.0), R("/b/", 90.0), R("/c/", 80.0), R("/d/", None), R("/e/", 70.0)]
    sc.rank_rows(rs, lambda r: r.score)
    assert [(r.unit.path, r.rank) for r in rs] == [("/b/", 1), ("/a/", 2), ("/c/", 2), ("/e/", 4), ("/d/", None)]


def test_levels_and_units(data, users):
    towns = sc.scorecard_build(users["demo_analyst"], level="town", **PERIOD)
    assert [r.unit.code for r in towns.rows] == ["DH-T1", "DH-T2"]
    villages = rows_by_code(sc.scorecard_build(users["demo_analyst"], unit_code="DH-T1", level="village", **PERIOD))
    assert set(villages) == {"DH-T1-V1", "DH-T1-V2"} and villages["DH-T1-V1"].overdue == 1
    # a department without sub-units: the department itself
    own = sc.scorecard_build(users["demo_leader"], **PERIOD)
    assert [r.unit.code for r in own.rows] == ["DH-ZJ"] and own.rows[0].overdue == 3
    with pytest.raises(ApplicationError) as exc:
        sc.scorecard_build(users["demo_analyst"], unit_code="XS", **PERIOD)  # the other district
    assert exc.value.code == "invalid" and exc.value.field == "unit"
    with pytest.raises(ApplicationError) as exc:
        sc.scorecard_build(users["demo_analyst"], level="galaxy", **PERIOD)
    assert exc.value.field == "level"
    # the city sees both districts, each rolled up
    city = rows_by_code(sc.scorecard_build(users["demo_city_leader"], level="county", **PERIOD))
    assert city["DH"].items == 7 and city["DH"].overdue == 4 and city["XS"].overdue == 1


def test_period_excludes(data, users):
    card = sc.scorecard_build(users["demo_analyst"], date_from=d(4, 1), date_to=d(6, 30), as_of=AS_OF)
    assert all(r.items == 0 and r.score is None for r in card.rows)


def test_xlsx_content(data, users):
    card = sc.scorecard_build(users["demo_analyst"], **PERIOD)
    out, n, truncated = sc.scorecard_xlsx(users["demo_analyst"], card)
    wb = load_workbook(io.BytesIO(out.read()))
    ws = wb["考核排名"]
    values = list(ws.values)
    head = values[0]
    assert head[:3] == ("名次", "单位", "信访件数") and head[-1] == "综合得分"
    first = dict(zip(head, values[1], strict=True))
    assert first["单位"] == "东湖区人力资源和社会保障局" and first["名次"] == 1 and first["综合得分"] == 100.0
    second = dict(zip(head, values[2], strict=True))
    assert second["超期件数"] == 3 and second["超期率（%）"] == 75.0 and second["按期办结率（%）"] == 33.3
    notes = " ".join(str(c) for row in wb["说明"].values for c in row if c)
    assert "权重" in notes and "按期办结率20" in notes
    assert n == len(card.rows) and not truncated


def test_league(data, users):
    league = lg.league_build(users["demo_analyst"], **PERIOD)
    top = league.rows[0]
    assert (top.unit.code, top.rank, top.overdue, top.items, top.overdue_rate) == ("DH-ZJ", 1, 3, 4, 75.0)
    second = league.rows[1]
    assert (second.unit.code, second.rank, second.overdue, second.overdue_rate) == ("DH-T1", 2, 1, 100.0)
    assert league.rows[2].rank is None and league.total_overdue == 4
    assert [i.number for i in top.petitions] == [p.number for p in data["z"][1:]]
    assert top.petitions[2].missed == "受理" and top.petitions[0].missed == "办理"
    out, _n, _t = lg.league_xlsx(users["demo_analyst"], league)
    wb = load_workbook(io.BytesIO(out.read()))
    listed = [r[1] for r in list(wb["超期信访件"].values)[1:]]
    assert set(listed) == {p.number for p in [*data["z"][1:], *data["v"]]}
    assert data["x"][0].number not in listed
    html = lg.league_html(league)
    assert "超期情况通报" in html and data["z"][1].number in html


def test_league_pdf(data, users):
    league = lg.league_build(users["demo_analyst"], **PERIOD)
    pdf = lg.league_pdf(league)
    assert pdf.startswith(b"%PDF")


def test_accusation_title_masked(org, users):
    """An accusation's title shows its accuser's phone only to the handling chain."""
    from xinfang.petitions.choices import Nature
    from xinfang.petitions.models import Petition, PetitionAccess
    from xinfang.petitions.selectors import petition_texts

    p = bulk(1, unit="DH-XF", handling_unit="DH-ZJ", channel="letter", received_at=local(2026, 3, 1),
             title="举报13912345678的问题")[0]
    Petition.objects.filter(pk=p.pk).update(nature=Nature.ACCUSATION)
    deadline(p, "handle", d(5, 1))
    p.refresh_from_db()
    assert PetitionAccess.objects.filter(petition=p).exists()
    league = lg.league_build(users["demo_city_leader"], level="county", **PERIOD)
    dh = next(r for r in league.rows if r.unit.code == "DH")
    expected = petition_texts(users["demo_city_leader"], p).title
    assert dh.petitions[0].title == expected and "13912345678" not in expected


def test_scope_default_and_pages_hidden(data, users, client: Client):
    assert sc.default_parent(users["demo_handler"]).code == "DH-ZJ"
    client.force_login(users["demo_handler"])
    from django.urls import reverse
    assert client.get(reverse("web:scorecard")).status_code == 404
    assert client.get(reverse("web:overdue_league")).status_code == 404


def test_urges_and_supervisions(data, users):
    from xinfang.org.models import Unit
    from xinfang.oversight.supervision.models import Supervision
    from xinfang.oversight.urging.models import Urge

    zj, t1v1, dh_xf = (Unit.objects.get(code=c) for c in ("DH-ZJ", "DH-T1-V1", "DH-XF"))
    z = data["z"]
    Urge.objects.create(petition=z[2], unit=zj, at=local(2026, 5, 2, 9), auto=True, due_kind="handle",
                        due_on=d(5, 1))
    Urge.objects.create(petition=z[2], unit=zj, at=local(2026, 5, 10, 9), auto=False)
    Urge.objects.create(petition=data["v"][0], unit=t1v1, at=local(2026, 5, 3, 9), auto=True)
    Urge.objects.create(petition=z[2], unit=zj, at=local(2025, 12, 31, 9), auto=False)  # before the period
    Supervision.objects.create(petition=z[2], issued_by=users["demo_supervisor"], issuing_unit=dh_xf, target_unit=zj,
                               requirement="限期办结", issued_at=local(2026, 5, 12, 9), due_on=d(5, 30), listed=True)
    rows = rows_by_code(sc.scorecard_build(users["demo_analyst"], **PERIOD))
    assert (rows["DH-ZJ"].urges, rows["DH-ZJ"].supervisions) == (2, 1)
    assert (rows["DH-T1"].urges, rows["DH-T1"].supervisions) == (1, 0)  # the village's urge counts for its town
    assert rows["DH-ZJ"].components["urging"] == 50.0 and rows["DH-ZJ"].components["supervision"] == 75.0
    # (15×75 + 20×33.3 + 10×100 + 10×25 + 3×50 + 2×75) / 60 = 3341 / 60 = 55.68
    assert rows["DH-ZJ"].score == 55.7
    # the other district sees none of it
    xs = rows_by_code(sc.scorecard_build(users["demo_analyst2"], **PERIOD))
    assert sum(r.urges + r.supervisions for r in xs.values()) == 0


def test_pages(data, users, client: Client):
    from django.urls import reverse

    client.force_login(users["demo_analyst"])
    q = {"from": "2026-01-01", "to": "2026-06-30"}
    resp = client.get(reverse("web:scorecard"), q)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-unit="DH-ZJ"' in html and "计分方法" in html and "XS-ZJ" not in html
    resp = client.get(reverse("web:scorecard"), {**q, "export": "xlsx"})
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxmlformats")
    # bad input: a message, never a 500
    for bad in ({"from": "2026-13-01"}, {"level": "galaxy"}, {"unit": "XS"}, {"to": "1800-01-01"}):
        resp = client.get(reverse("web:scorecard"), bad)
        assert resp.status_code == 200, bad
        assert 'class="error' in resp.content.decode()
    for bad in ({"unit": "\x00"}, {"unit": "DH\x00"}, {"level": "\x00"}, {"q": "\x00", "unit": "\x00DH"}):
        assert client.get(reverse("web:scorecard"), bad).status_code == 200
        assert client.get(reverse("web:overdue_league"), bad).status_code == 200
        assert client.get(reverse("web:accountability_list"), bad).status_code == 200
    with pytest.raises(ApplicationError):
        sc.scorecard_build(users["demo_analyst"], unit_code="DH\x00")
    resp = client.get(reverse("web:overdue_league"), q)
    assert resp.status_code == 200 and data["z"][1].number in resp.content.decode()
    resp = client.get(reverse("web:overdue_league_print"), q)
    assert resp.status_code == 200 and "超期情况通报" in resp.content.decode()
    resp = client.get(reverse("web:overdue_league"), {**q, "export": "xlsx"})
    assert resp.status_code == 200
    nav = client.get(reverse("web:home")).content.decode()
    assert reverse("web:scorecard") in nav and reverse("web:accountability_list") in nav
    client.force_login(users["demo_clerk"])
    assert reverse("web:scorecard") not in client.get(reverse("web:home")).content.decode()
