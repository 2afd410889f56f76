"""POST /api/v1/petitions with an Idempotency-Key header, over real HTTP (finding 5 of issue 9)."""

import datetime as dt
import threading
import uuid

import pytest
from django.utils import timezone

from xinfang.api.idempotency import IdempotencyKey
from xinfang.petitions.models import Petition

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _post(client, body, key):
    return client.post("/petitions", body, headers={"Idempotency-Key": key} if key is not None else None)


def test_a_retry_returns_the_first_answer_and_creates_nothing(clients, petition_body):
    c, body, key = clients("demo_clerk"), petition_body(), str(uuid.uuid4())
    first = _post(c, body, key)
    assert first.status == 201, first.body
    again = _post(c, body, key)
    assert again.status == 201
    assert again.json() == first.json()  # the same number and the same (once-shown) query code
    assert Petition.objects.count() == 1
    # the stored answer does not hold the query code in clear
    record = IdempotencyKey.objects.get()
    assert first.json()["query_code"] not in record.response_body


def test_the_same_key_with_another_body_is_refused(clients, petition_body):
    c, key = clients("demo_clerk"), "retry-1"
    assert _post(c, petition_body(), key).status == 201
    r = _post(c, petition_body(title="另一件事"), key)
    assert r.status == 422
    assert r.error["field"] == "Idempotency-Key" and "Idempotency-Key" in r.error["message"]
    assert Petition.objects.count() == 1


def test_keys_are_per_user(clients, petition_body):
    key = "shared-key"
    a = _post(clients("demo_clerk"), petition_body(), key)
    b = _post(clients("demo_clerk2"), petition_body(problem_region="990103001"), key)
    assert a.status == b.status == 201, b.body
    assert a.json()["id"] != b.json()["id"] and Petition.objects.count() == 2


def test_without_a_key_every_post_registers(clients, petition_body):
    c, body = clients("demo_clerk"), petition_body()
    assert _post(c, body, None).status == 201 and _post(c, body, None).status == 201
    assert Petition.objects.count() == 2


def test_a_refused_request_stores_nothing_and_may_be_retried(clients, petition_body):
    c, key = clients("demo_clerk"), "fix-and-retry"
    assert _post(c, petition_body(category="999999"), key).status == 422
    assert IdempotencyKey.objects.count() == 0
    assert _post(c, petition_body(), key).status == 201


def test_keys_expire_after_a_day(clients, petition_body):
    c, body, key = clients("demo_clerk"), petition_body(), "old-key"
    assert _post(c, body, key).status == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert _post(c, body, key).status == 201
    assert Petition.objects.count() == 2


@pytest.mark.parametrize("key", ["", "a" * 256, "space key", "tab\tkey"])
def test_unusable_keys_are_refused(clients, petition_body, key):
    r = _post(clients("demo_clerk"), petition_body(), key)
    assert r.status == 422, r.body
    assert r.error["field"] == "Idempotency-Key"
    assert Petition.objects.count() == 0


def test_concurrent_retries_create_one_petition(clients, petition_body):
    c, body, key = clients("demo_clerk"), petition_body(), str(uuid.uuid4())
    results = []

    def post():
        results.append(_post(c, body, key))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status for r in results] == [201] * 6, [r.body[:300] for r in results]
    assert len({r.json()["number"] for r in results}) == 1
    assert Petition.objects.count() == 1


def test_the_header_is_in_the_schema(anonymous):
    schema = anonymous.get("/openapi.json").json()
    params = schema["paths"]["/api/v1/petitions"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params)
