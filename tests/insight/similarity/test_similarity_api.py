"""GET /api/v1/petitions/{id}/similar and POST …/similar/decisions through the Django test client with a
Bearer token (the API's own authentication), against the real database."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from xinfang.api.tokens import token_create
from xinfang.audit.models import AuditEntry
from xinfang.petitions.models import Petition
from xinfang.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db

ID_A = "11010519491231002X"
ID_B = "110101199003071233"
TITLE = "锦绣家园小区电梯长期故障无人维修"
CONTENT = ("锦绣家园小区3栋电梯从去年十月起多次故障困人，物业公司维修不及时，业主多次报修都没有结果。"
           "楼里有很多老人和小孩，上下楼非常困难。请求督促物业公司尽快更换电梯，保障居民出行安全。")
AGAIN = ("再次反映：锦绣家园小区3栋电梯从去年十月起多次故障困人,物业公司维修不及时。楼里有很多老人和小孩,上下楼非常困难!"
         "至今没有任何答复。请求督促物业公司尽快更换电梯。")
OTHER = ("反映社区卫生服务中心收费不透明",
         "社区卫生服务中心给老人体检时另外收取检查费120元，没有出具收据，也没有公示收费标准。请求卫健局调查并退还费用。")


class Api:
    def __init__(self, user):
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token_create(user=user)}")

    def get(self, path, **params):
        return self.client.get("/api/v1" + path, params)

    def post(self, path, body):
        return self.client.post("/api/v1" + path, json.dumps(body), content_type="application/json")


@pytest.fixture
def pair(register):
    person = [PetitionerInput(name="王五", id_number=ID_A, phone="13700137000")]
    first, _ = register(title=TITLE, content=CONTENT, petitioners=person,
                        received_at=timezone.now() - dt.timedelta(days=20))
    second, _ = register(title="再次反映电梯故障", content=AGAIN, petitioners=person)
    return first, second


def test_the_answer_has_the_documented_shape(pair, users, register):
    first, second = pair
    other_person = [PetitionerInput(name="赵六", id_number=ID_B, phone="13600136000")]
    dup, _ = register(title=TITLE, content=CONTENT + "我们全楼业主联名反映。", petitioners=other_person)
    register(title=OTHER[0], content=OTHER[1], petitioners=[PetitionerInput(name="王五", id_number=ID_A)])
    r = Api(users["demo_clerk"]).get(f"/petitions/{second.pk}/similar")
    assert r.status_code == 200, r.content
    data = r.json()
    assert set(data) == {"candidates"}
    by_id = {c["id"]: c for c in data["candidates"]}
    assert set(by_id) == {first.pk, dup.pk}  # not the same person's other matter
    rep = by_id[first.pk]
    assert {"id", "number", "kind", "score", "reasons"} <= set(rep)
    assert rep["number"] == first.number and rep["kind"] == "repeat" and 0 < rep["score"] <= 1
    assert all(isinstance(x, str) and x for x in rep["reasons"]) and "同一信访人（身份证号一致）" in rep["reasons"]
    assert by_id[dup.pk]["kind"] == "duplicate"
    assert data["candidates"][0]["kind"] == "repeat"  # repeats first
    everything = Api(users["demo_clerk"]).get(f"/petitions/{second.pk}/similar", all=1).json()["candidates"]
    assert {c["id"] for c in everything} >= set(by_id)
    assert all(c["above_threshold"] for c in data["candidates"])


def test_outside_the_jurisdiction_404_and_bad_ids(pair, users):
    _first, second = pair
    api = Api(users["demo_clerk2"])
    r = api.get(f"/petitions/{second.pk}/similar")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert Api(users["demo_clerk"]).get("/petitions/0/similar").status_code in (404, 422)


def test_a_decision_through_the_api_links_the_repeat(pair, users):
    first, second = pair
    api = Api(users["demo_clerk"])
    r = api.post(f"/petitions/{second.pk}/similar/decisions",
                 {"candidate_id": first.pk, "kind": "repeat", "decision": "confirmed"})
    assert r.status_code == 200, r.content
    assert r.json()["repeat_of"] == first.number
    assert Petition.objects.get(pk=second.pk).repeat_of_id == first.pk
    assert AuditEntry.objects.filter(action="similar.decide", object_id=str(second.pk)).exists()
    # a read-only role: 403 with the one error shape, nothing changed
    r = Api(users["demo_analyst"]).post(f"/petitions/{second.pk}/similar/decisions",
                                        {"candidate_id": first.pk, "kind": "repeat", "decision": "rejected"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    # bad input: 422, nothing changed
    r = api.post(f"/petitions/{second.pk}/similar/decisions",
                 {"candidate_id": first.pk, "kind": "cousin", "decision": "confirmed"})
    assert r.status_code == 422
    r = Api(users["demo_clerk2"]).post(f"/petitions/{second.pk}/similar/decisions",
                                       {"candidate_id": first.pk, "kind": "repeat", "decision": "rejected"})
    assert r.status_code == 404
    assert Petition.objects.get(pk=second.pk).repeat_of_id == first.pk


def test_openapi_documents_both_operations(client):
    schema = client.get("/api/v1/openapi.json").json()
    get = schema["paths"]["/api/v1/petitions/{petition_id}/similar"]["get"]
    assert {"200", "403", "404"} <= set(get["responses"])
    post = schema["paths"]["/api/v1/petitions/{petition_id}/similar/decisions"]["post"]
    assert {"200", "403", "404", "422"} <= set(post["responses"])
