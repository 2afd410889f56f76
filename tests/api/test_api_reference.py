"""GET /me, /units, /regions, /categories; POST /insight/suggest; GET /reports/summary."""

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_me(clients):
    r = clients("demo_clerk").get("/me")
    assert r.status == 200
    me = r.json()
    assert me["username"] == "demo_clerk" and me["name"] == "东登记" and not me["is_superuser"]
    assert me["roles"] == ["clerk"]
    assert me["units"] == [{"code": "DH-XF", "name": "东湖区信访局", "roles": ["clerk"]}]


def test_units_regions_categories(clients):
    c = clients("demo_handler")
    units = {u["code"]: u for u in c.get("/units").json()}
    assert units["DH-ZJ"]["name"] == "东湖区住房和城乡建设局" and units["DH-ZJ"]["parent"] == "DH"
    assert units["DH-ZJ"]["region"] == "990102"
    regions = {r["code"]: r for r in c.get("/regions").json()}
    assert regions["990102001"]["parent"] == "990102" and regions["990000"]["parent"] is None
    categories = {x["code"]: x for x in c.get("/categories").json()}
    assert categories["01"] == {"code": "01", "name": "城乡建设", "level": 1, "parent": None}
    assert categories["010101"]["name"] == "物业管理" and categories["010101"]["level"] == 3
    assert sum(1 for x in categories.values() if x["level"] == 1) == 18


def test_suggest_categories(clients):
    c = clients("demo_clerk")
    r = c.post("/insight/suggest", {"title": "小区物业违规收取停车费",
                                    "content": "幸福小区物业公司违规收取停车费，业主多次反映无果。"})
    assert r.status == 200, r.body
    data = r.json()
    assert data["method"] == "keywords"
    top = data["suggestions"][0]
    assert top["code"] == "01" and top["name"] == "城乡建设"
    assert 0 < top["confidence"] < 1 and "物业" in top["keywords"]
    assert sum(s["confidence"] for s in data["suggestions"]) < 1
    confidences = [s["confidence"] for s in data["suggestions"]]
    assert confidences == sorted(confidences, reverse=True) and len(confidences) <= 3

    r = c.post("/insight/suggest", {"title": "公司拖欠工人工资三个月", "content": ""})
    assert r.json()["suggestions"][0]["name"] == "劳动和社会保障"
    r = c.post("/insight/suggest", {"content": "河道有工厂排放污水，水污染严重"})
    assert r.json()["suggestions"][0]["name"] == "环境保护/生态环境"
    # no keyword, no guess
    assert c.post("/insight/suggest", {"title": "你好", "content": "谢谢"}).json()["suggestions"] == []


def test_suggest_refuses_empty_and_bad_input(clients, anonymous):
    c = clients("demo_clerk")
    r = c.post("/insight/suggest", {"title": " ", "content": ""})
    assert r.status == 422 and r.error["field"] == "content"
    r = c.post("/insight/suggest", {"title": 5})
    assert r.status == 422 and r.error["field"] == "title"
    r = c.post("/insight/suggest", {"title": "x" * 201})
    assert r.status == 422 and r.error["field"] == "title"
    assert c.post("/insight/suggest", [1, 2]).status == 422
    assert anonymous.post("/insight/suggest", {"title": "物业"}).status == 401


def test_summary_counts_within_scope(clients, registered, petition_body):
    registered(headcount=6)  # collective visit: 1 batch, 6 person-times
    registered(headcount=1)  # individual visit
    registered(channel="letter", headcount=3,
               petitioners=[{"name": "甲", "representative": True}, {"name": "乙"}, {"name": "丙"}])
    p = registered(channel="online")
    assert clients("demo_dispatcher").act(p, "assign", unit="DH-ZJ").status == 200

    r = clients("demo_analyst").get("/reports/summary")
    assert r.status == 200, r.body
    s = r.json()
    assert s["items"] == 4
    assert s["visits"] == {"batches": 2, "person_times": 7}
    assert s["by_channel"]["visit"] == 2 and s["by_channel"]["letter"] == 1 and s["by_channel"]["online"] == 1
    assert s["by_channel"]["phone"] == 0 and sum(s["by_channel"].values()) == 4
    assert s["by_status"]["registered"] == 3 and s["by_status"]["routed"] == 1
    assert s["by_visit_kind"]["collective"] == {"batches": 1, "person_times": 6}
    assert s["by_visit_kind"]["individual"] == {"batches": 1, "person_times": 1}
    assert s["by_visit_kind"]["group"] == {"batches": 0, "person_times": 0}  # the joint letter is no visit
    assert s["unit"] is None and s["date_from"] is None

    # the department (its leader) sees only what reached it
    dept = clients("demo_leader").get("/reports/summary").json()
    assert dept["items"] == 1 and dept["by_channel"]["online"] == 1
    # the other district sees nothing
    assert clients("demo_analyst2").get("/reports/summary").json()["items"] == 0
    # a unit filter
    assert clients("demo_analyst").get("/reports/summary", params={"unit": "DH-ZJ"}).json()["items"] == 1
    by_office = clients("demo_analyst").get("/reports/summary", params={"unit": "DH-XF"}).json()
    assert by_office["items"] == 4 and by_office["unit"] == {"code": "DH-XF", "name": "东湖区信访局"}
    # dates (local, inclusive)
    today = timezone.localdate()
    got = clients("demo_analyst").get("/reports/summary", params={"from": str(today - dt.timedelta(days=1)),
                                                                   "to": str(today)}).json()
    assert got["items"] == 4 and got["date_from"] == str(today - dt.timedelta(days=1))
    later = clients("demo_analyst").get("/reports/summary", params={"from": str(today + dt.timedelta(days=1))})
    assert later.json()["items"] == 0


BAD_FILTERS = [
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-13-01"}, "to"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
    ({"from": "0001-01-01"}, "from"),
    ({"to": "9999-12-31"}, "to"),
    ({"unit": "NO-SUCH"}, "unit"),
    ({"unit": "XS-XF"}, "unit"),  # exists, but outside demo_analyst's jurisdiction: same answer
]


def test_summary_refuses_bad_filters(clients):
    for params, field in BAD_FILTERS:
        r = clients("demo_analyst").get("/reports/summary", params=params)
        assert r.status == 422, (params, r.body)
        assert r.error["field"] == field, params
