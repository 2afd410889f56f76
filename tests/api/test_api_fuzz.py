"""Random JSON against the write endpoints over real HTTP: the answer is never a 500 and always
either a success or the one error shape."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinfang.petitions.models import Petition

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)
# Mostly well-formed registrations: a valid body with a few fields replaced by anything or dropped.
VALID = {
    "channel": "visit", "received_at": "2026-03-02T09:30:00+08:00", "title": "小区物业违规收取停车费",
    "content": "物业公司违规收取停车费。", "demands": "退还", "category": "010101", "nature": "appeal",
    "problem_region": "990102001", "headcount": 2, "accused_unit": None,
    "petitioners": [{"name": "张三", "id_number": "11010519491231002X", "representative": True}, {"name": "李四"}],
}
FIELDS = {
    "channel": st.sampled_from(["visit", "letter", "online", "phone", "fax"]) | json_values,
    "received_at": st.sampled_from(["2026-03-02", "2999-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00",
                                    "9999-12-31T23:59:59-12:00", "2026-02-30T00:00:00"]) | json_values,
    "title": st.text(min_size=1, max_size=60) | json_values,
    "content": st.text(min_size=1, max_size=200) | json_values,
    "category": st.sampled_from(["01", "0101", "99", None]) | json_values,
    "nature": st.sampled_from(["accusation", "suggestion", ""]) | json_values,
    "problem_region": st.sampled_from(["990102", "990103", None]) | json_values,
    "headcount": st.integers(min_value=-5, max_value=200) | json_values,
    "accused_unit": st.sampled_from(["DH-ZJ", "XS-ZJ"]) | json_values,
    "is_anonymous": st.booleans() | json_values,
    "unit": st.sampled_from(["DH-XF", "XS-XF", "SF"]) | json_values,
    "repeat_of": st.sampled_from(["1", "DH-XF-2026-000001", "x"]) | json_values,
    "petitioners": st.lists(st.fixed_dictionaries({"name": st.text(max_size=10) | json_values}, optional={
        "id_number": st.sampled_from(["11010519491231002X", "110105194912310021", ""]) | json_values,
        "phone": st.sampled_from(["13800138000", "12", "010-12345678"]) | json_values,
        "representative": st.booleans() | json_values,
        "kind": st.sampled_from(["person", "organisation", "alien"]) | json_values,
    }), max_size=7) | json_values,
}


@st.composite
def registrations(draw):
    body = dict(VALID)
    for key in draw(st.lists(st.sampled_from(sorted(VALID)), max_size=2)):
        body.pop(key, None)
    for key in draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=3, unique=True)):
        body[key] = draw(FIELDS[key])
    return body


bodies = st.one_of(registrations(), registrations(), registrations(), json_values)
# (user, action, plausible parameters): sensible moves, so that some succeed and change the state
SCENARIOS = [
    ("demo_dispatcher", "assign", {"unit": "DH-ZJ"}),
    ("demo_dispatcher", "assign", {"unit": "DH-JW", "report_due": "2099-01-01"}),
    ("demo_dispatcher", "forward", {"unit": "DH-ZJ"}),
    ("demo_dispatcher", "archive", {"note": "咨询，已当场答复"}),
    ("demo_dispatcher", "divert", {"target": "politics_law", "reason": "涉诉"}),
    ("demo_dispatcher", "merge", {"into": "1"}),
    ("demo_dept_dispatcher", "accept", {"handler": "demo_handler"}),
    ("demo_dept_dispatcher", "object", {"reason": "不属本单位职责"}),
    ("demo_dept_dispatcher", "reject", {"reason": "不属信访事项"}),
    ("demo_handler", "note", {"text": "已约谈物业"}),
    ("demo_handler", "request_extension", {"days": 10, "reason": "情况复杂"}),
    ("demo_handler", "draft_reply", {"outcome": "support", "text": "支持", "basis": "依据"}),
    ("demo_leader", "approve_reply", {}),
    ("demo_clerk", "evaluate", {"level": "satisfied"}),
    ("demo_clerk2", "note", {"text": "越权"}),
    ("demo_dispatcher", "nope", {}),
]
PARAM_NAMES = ["unit", "handler", "reason", "note", "text", "target", "into", "level", "days", "outcome", "basis",
               "report_due", "agreement", "version"]


@st.composite
def moves(draw):
    user, action, params = draw(st.sampled_from(SCENARIOS))
    params = dict(params)
    for key in draw(st.lists(st.sampled_from(PARAM_NAMES), max_size=2, unique=True)):
        params[key] = draw(json_values)
    return user, action, params, draw(st.sampled_from([True, True, True, False]))  # mostly the current version


def _assert_sane(r):
    assert r.status < 500, (r.status, r.body[:500])
    if r.status >= 400:
        r.error  # noqa: B018  (asserts the error shape)


def test_fuzz_registration(clients):
    c = clients("demo_clerk")

    @FUZZ
    @given(body=bodies)
    def run(body):
        _assert_sane(c.request("POST", "/petitions", data=json.dumps(body).encode(), content_type="application/json"))

    run()


def test_fuzz_actions(clients, registered):
    petitions = [registered()["id"] for _ in range(3)] + [registered(nature="accusation", accused_unit="DH-ZJ")["id"]]

    @FUZZ
    @given(which=st.sampled_from(petitions), move=moves(), raw=json_values, shape=st.integers(0, 9))
    def run(which, move, raw, shape):
        user, action, params, current = move
        if shape == 0:  # now and then not an object at all
            body = raw
        else:
            body = {"version": Petition.objects.get(pk=which).version if current else 1, **params}
        r = clients(user).request("POST", f"/petitions/{which}/actions/{action}", data=json.dumps(body).encode(),
                                  content_type="application/json")
        _assert_sane(r)

    run()
