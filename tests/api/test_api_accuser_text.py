"""The API keeps an accuser's identity inside the handling chain in the free text too (S22 Art 30):
the ID number, phones and name typed into an accusation's title, content, demands and timeline notes
are masked for a caller outside the chain (detail, list, events, similar) and whole inside it."""

from __future__ import annotations

import json

import pytest

from xinfang.petitions.models import Petition

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ID = "11010519491231002X"  # valid GB 11643 (invented)
NAME = "欧阳明远"
PHONE = "13900139000"
TITLE = f"{NAME}实名检举吃拿卡要（{PHONE}）"
CONTENT = f"我叫{NAME}，身份证号{ID}，电话+86 139-0013-9000，座机010-62345678。检举工作人员吃拿卡要，金额12000元。"
DEMANDS = f"请核实后回复{NAME}。"
NOTE = f"已电话联系{NAME}（{PHONE}）核实"

M_TITLE = "欧**远实名检举吃拿卡要（139****9000）"
M_CONTENT = ("我叫欧**远，身份证号110105********002X，电话+86 139****9000，座机010-****5678。"
             "检举工作人员吃拿卡要，金额12000元。")
M_DEMANDS = "请核实后回复欧**远。"
M_NOTE = "已电话联系欧**远（139****9000）核实"

CLEAR = (ID, NAME, PHONE, "139-0013-9000", "62345678")


@pytest.fixture
def accusation(clients, petition_body):
    """Registered over HTTP by 东湖区信访局 and assigned to 住建局 with a note naming the accuser."""
    body = petition_body(nature="accusation", title=TITLE, content=CONTENT, demands=DEMANDS, category=None,
                         petitioners=[{"name": NAME, "id_number": ID, "phone": PHONE, "representative": True}])
    r = clients("demo_clerk").post("/petitions", body)
    assert r.status == 201, r.body
    p = r.json()
    r = clients("demo_dispatcher").act(p, "assign", unit="DH-ZJ", note=NOTE)
    assert r.status == 200, r.body
    return r.json()


def _clear_in(response) -> list[str]:
    raw = json.dumps(response.json(), ensure_ascii=False)
    return [t for t in CLEAR if t in raw]


@pytest.mark.parametrize("outsider", ["demo_reviewer", "demo_city_leader"])
def test_outside_the_chain_free_text_is_masked(accusation, clients, outsider):
    api = clients(outsider)
    detail = api.get(f"/petitions/{accusation['id']}")
    assert detail.status == 200  # in the jurisdiction...
    data = detail.json()
    assert data["petitioners_hidden"] is True  # ...but outside the handling chain
    assert (data["title"], data["content"], data["demands"]) == (M_TITLE, M_CONTENT, M_DEMANDS)
    assert _clear_in(detail) == []

    events = api.get(f"/petitions/{accusation['id']}/events")
    assert events.status == 200
    assign = [e for e in events.json() if e["action"] == "assign"][0]
    assert assign["note"] == M_NOTE and assign["data"]["to_unit"] == "DH-ZJ"
    assert _clear_in(events) == []

    listed = api.get("/petitions", params={"q": "吃拿卡要"})
    rows = {row["id"]: row for row in listed.json()["results"]}
    assert rows[accusation["id"]]["title"] == M_TITLE and _clear_in(listed) == []
    # nor does a search for what is masked point at the accusation
    for q in (NAME, PHONE, ID):
        assert accusation["id"] not in [row["id"] for row in api.get("/petitions", params={"q": q}).json()["results"]]

    assert api.get(f"/petitions/{accusation['id']}/similar", params={"all": 1}).json() == {"candidates": []}
    stored = Petition.objects.get(pk=accusation["id"])
    assert (stored.title, stored.content, stored.demands) == (TITLE, CONTENT, DEMANDS)  # nothing stored changed


@pytest.mark.parametrize("insider", ["demo_clerk", "demo_dispatcher", "demo_dept_dispatcher"])
def test_inside_the_chain_free_text_is_whole(accusation, clients, insider):
    api = clients(insider)
    data = api.get(f"/petitions/{accusation['id']}").json()
    assert data["petitioners_hidden"] is False
    assert (data["title"], data["content"], data["demands"]) == (TITLE, CONTENT, DEMANDS)
    assign = [e for e in api.get(f"/petitions/{accusation['id']}/events").json() if e["action"] == "assign"][0]
    assert assign["note"] == NOTE
    listed = api.get("/petitions", params={"q": NAME}).json()["results"]
    assert [row["title"] for row in listed if row["id"] == accusation["id"]] == [TITLE]


def test_the_similar_candidates_of_the_chain_link_the_accusation(accusation, clients, petition_body):
    """同人同事: inside the chain the accuser's later petition about the same matter has the accusation as
    a repeat candidate; outside the chain it has none, and no answer names the accuser."""
    body = petition_body(title="再次检举吃拿卡要", content=CONTENT,
                         petitioners=[{"name": NAME, "id_number": ID, "phone": PHONE}])
    appeal = clients("demo_clerk").post("/petitions", body).json()
    inside = clients("demo_clerk").get(f"/petitions/{appeal['id']}/similar", params={"all": 1})
    assert [(c["id"], c["kind"]) for c in inside.json()["candidates"]] == [(accusation["id"], "repeat")]
    outside = clients("demo_reviewer").get(f"/petitions/{appeal['id']}/similar", params={"all": 1})
    assert accusation["id"] not in [c["id"] for c in outside.json().get("candidates", [])]
    for r in (inside, outside):
        assert not any(x in r.body.decode() for x in (NAME, ID, PHONE))


def test_the_kpi_drill_down_lists_masked_titles(accusation, clients):
    """某项统计数字背后的信访件: the same titles, masked outside the chain."""
    import datetime as dt

    today = dt.date.today()
    params = {"from": (today - dt.timedelta(days=3)).isoformat(), "to": (today + dt.timedelta(days=1)).isoformat(),
              "measure": "items", "limit": 500}
    # the reports are for leaders, analysts, supervisors and admins (reports/access.py): the receiving
    # office's analyst stands for the chain
    for username, title in (("demo_reviewer", M_TITLE), ("demo_analyst", TITLE)):
        r = clients(username).get("/reports/kpis/petitions", params=params)
        assert r.status == 200, r.body
        assert [i["title"] for i in r.json()["items"] if i["id"] == accusation["id"]] == [title], username


def test_ownership_lists_mask_the_title_outside_the_chain(accusation, clients):
    """包案 through the API: a leader outside the chain owns the case; its title reaches them masked."""
    leader = clients("demo_reviewer")
    r = leader.post(f"/petitions/{accusation['id']}/ownership", {"leader": "demo_reviewer"})
    assert r.status == 201, r.body
    assert r.json()["petition_title"] == M_TITLE
    assert [o["petition_title"] for o in leader.get("/me/ownerships").json()["results"]] == [M_TITLE]
    assert leader.get(f"/petitions/{accusation['id']}/ownership").json()["active"]["petition_title"] == M_TITLE
    inside = clients("demo_clerk").get(f"/petitions/{accusation['id']}/ownership").json()
    assert inside["active"]["petition_title"] == TITLE
