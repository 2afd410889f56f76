"""POST /petitions over real HTTP: what is stored, what is refused, and that a refusal stores nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from xinfang.petitions.models import Petition, Petitioner, PetitionPetitioner

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _counts():
    return Petition.objects.count(), Petitioner.objects.count(), PetitionPetitioner.objects.count()


def test_collective_visit_of_six_registers_as_collective(clients, petition_body, ids):
    body = petition_body(headcount=6, petitioners=[
        {"name": "张三", "id_number": ids(1), "phone": "13800138000", "address": "幸福小区1栋", "representative": True},
        {"name": "李四", "id_number": ids(2), "phone": "13800138001", "address": "幸福小区2栋", "representative": True},
    ])
    r = clients("demo_clerk").post("/petitions", body)
    assert r.status == 201, r.body
    data = r.json()
    assert data["visit_kind"] == "collective"
    assert data["headcount"] == 6
    assert data["status"] == "registered"
    assert data["number"].startswith("DH-XF-")
    assert isinstance(data["id"], int) and data["version"] == 1
    assert len(data["query_code"]) == 8
    kinds = {d["kind"] for d in data["deadlines"]}
    assert {"route", "accept"} <= kinds
    assert all(d["open"] for d in data["deadlines"])
    # personal data leaves masked
    assert [p["id_number"] for p in data["petitioners"]] != [ids(1), ids(2)]
    assert "*" in data["petitioners"][0]["id_number"]
    stored = Petition.objects.get(pk=data["id"])
    assert stored.visit_kind == "collective" and stored.petitioner_links.count() == 2


def test_group_and_individual_thresholds(registered):
    assert registered(headcount=1)["visit_kind"] == "individual"
    assert registered(headcount=3)["visit_kind"] == "group"


def test_invalid_id_number_answers_422_on_the_field_and_stores_nothing(clients, petition_body, ids, wrong_checksum):
    before = _counts()
    body = petition_body(petitioners=[{"name": "张三", "id_number": wrong_checksum(ids(7)), "phone": "13800138000",
                                       "representative": True}])
    r = clients("demo_clerk").post("/petitions", body)
    assert r.status == 422, r.body
    err = r.error
    assert err["code"] == "invalid"
    assert err["field"] == "petitioners[0].id_number"
    assert "身份证" in err["message"]
    assert _counts() == before


def test_second_petitioner_invalid_rolls_back_the_first(clients, petition_body, ids, wrong_checksum):
    before = _counts()
    body = petition_body(headcount=2, petitioners=[
        {"name": "王五", "id_number": ids(11), "representative": True},
        {"name": "赵六", "id_number": wrong_checksum(ids(12))},
    ])
    r = clients("demo_clerk").post("/petitions", body)
    assert r.status == 422
    assert r.error["field"] == "petitioners[1].id_number"
    assert _counts() == before  # 王五 was not half-written


def test_future_received_at_answers_422(clients, petition_body):
    before = _counts()
    future = (timezone.localtime() + dt.timedelta(days=1)).isoformat(timespec="seconds")
    r = clients("demo_clerk").post("/petitions", petition_body(received_at=future))
    assert r.status == 422
    assert r.error["field"] == "received_at"
    assert "晚于" in r.error["message"]
    assert _counts() == before


def test_past_received_at_is_accepted(clients, petition_body):
    r = clients("demo_clerk").post("/petitions", petition_body(received_at="2026-03-02T09:30:00+08:00"))
    if timezone.now() < dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC):  # the example date still ahead
        assert r.status == 422
    else:
        assert r.status == 201, r.body
        assert r.json()["received_at"].startswith("2026-03-02T")


BAD_FIELDS = [
    ({"title": 123}, "title"),
    ({"title": ""}, "title"),
    ({"title": "标" * 201}, "title"),
    ({"content": ["not", "text"]}, "content"),
    ({"headcount": "six"}, "headcount"),
    ({"headcount": 0}, "headcount"),
    ({"headcount": 10**30}, "headcount"),
    ({"received_at": "yesterday"}, "received_at"),
    ({"received_at": "1899-01-01T00:00:00+08:00"}, "received_at"),
    ({"channel": "pigeon"}, "channel"),
    ({"nature": "gossip"}, "nature"),
    ({"category": "999999"}, "category"),
    ({"problem_region": "000000"}, "problem_region"),
    ({"accused_unit": "NO-SUCH"}, "accused_unit"),
    ({"unit": "XS-XF"}, None),  # not the clerk's unit: refused (409), no field
    ({"petitioners": "张三"}, "petitioners"),
    ({"petitioners": []}, "petitioners"),
    ({"petitioners": [{"name": "张三", "phone": "12"}]}, "petitioners[0].phone"),
    ({"petitioners": [{"id_number": "11010519491231002X"}]}, "petitioners[0].name"),
    ({"title": "停车\x00费"}, "title"),
    ({"content": "孤立的代理字符\ud800"}, "content"),
    ({"headcount": 1, "petitioners": [{"name": "甲", "representative": True}, {"name": "乙"}]}, "headcount"),
]


def test_bad_fields_answer_422_naming_the_field(clients, petition_body):
    before = _counts()
    for override, field in BAD_FIELDS:
        r = clients("demo_clerk").post("/petitions", petition_body(**override))
        err = r.error
        if field is None:
            assert r.status == 409, (override, r.body)
        else:
            assert r.status == 422, (override, r.body)
            assert err["field"] == field, (override, err)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in err["message"]), err  # Chinese message
        assert _counts() == before, override


def test_six_representatives_are_too_many(clients, petition_body):
    people = [{"name": f"代表{i}", "representative": True} for i in range(6)]
    r = clients("demo_clerk").post("/petitions", petition_body(headcount=30, petitioners=people))
    assert r.status == 422
    assert r.error["field"] == "petitioners"


def test_only_clerks_register(clients, petition_body):
    r = clients("demo_handler").post("/petitions", petition_body())
    assert r.status == 409
    assert r.error["code"] == "illegal_transition"
