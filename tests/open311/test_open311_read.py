"""The read side of Open311 GeoReport v2 through the `georeport` client library (PyPI) over real HTTP,
XML and JSON, checked against the specification's field lists; filters, paging and their errors."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

import pytest
import xmltodict
from conftest import (
    ATTRIBUTE_FIELDS,
    DEFINITION_FIELDS,
    DISCOVERY_FIELDS,
    ENDPOINT_FIELDS,
    ERROR_FIELDS,
    PERSON,
    REQUEST_FIELDS,
    SERVICE_FIELDS,
    VALUE_FIELDS,
)
from django.utils import timezone
from georeport import GeoReport

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_discovery_both_formats(o311):
    data = o311.get("discovery.json").json()
    assert set(data) == DISCOVERY_FIELDS
    (endpoint,) = data["endpoints"]
    assert set(endpoint) == ENDPOINT_FIELDS
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == o311.base + "/"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    r = o311.get("discovery.xml")
    assert r.status == 200 and r.content_type.startswith("text/xml")
    doc = ET.fromstring(r.body)
    assert doc.tag == "discovery" and {c.tag for c in doc} == DISCOVERY_FIELDS
    assert [f.text for f in doc.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_and_definitions_with_the_client(o311, fmt):
    from xinfang.petitions.models import Category

    client = GeoReport(o311.base, output_format=fmt)
    services = _as_list(client.get_service_list())
    assert len(services) == Category.objects.filter(is_active=True).count()
    for s in services:
        assert set(s) == SERVICE_FIELDS, s
        assert s["metadata"] in (True, "true") and s["type"] == "realtime"
    by_code = {s["service_code"]: s for s in services}
    leaf = Category.objects.get(code="010101")
    assert by_code["010101"]["service_name"] == leaf.name
    assert by_code["010101"]["description"] == leaf.full_name()
    assert by_code["010101"]["group"] == leaf.parent.parent.name

    definition = client.get_service_definition("010101")
    assert set(definition) == DEFINITION_FIELDS and definition["service_code"] == "010101"
    attributes = definition["attributes"] if fmt == "json" else _as_list(definition["attributes"]["attribute"])
    assert [a["code"] for a in attributes] == ["nature", "demands"]
    for a in attributes:
        assert set(a) == ATTRIBUTE_FIELDS
    nature = attributes[0]
    values = nature["values"] if fmt == "json" else _as_list(nature["values"]["value"])
    assert {v["key"] for v in values} == {"appeal", "suggestion"}  # never an anonymous accusation
    assert all(set(v) == VALUE_FIELDS for v in values)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_requests_read_with_the_client(o311, fmt, register):
    from xinfang.petitions.models import Petition

    posted = o311.submit()
    number = posted["service_request_id"]
    staff, _code = register()  # registered at the counter: never shown by Open311
    client = GeoReport(o311.base, output_format=fmt)
    item = client.get_service_request(number)
    assert set(item) == REQUEST_FIELDS, item
    p = Petition.objects.get(number=number)
    assert item["status"] == "open" and item["status_notes"] == "已登记"
    assert item["service_code"] == "010101" and item["service_name"] == p.category.name
    assert item["agency_responsible"] == o311.unit.name
    assert item["description"] == p.title
    requested = dt.datetime.fromisoformat(item["requested_datetime"])
    assert abs(requested - p.received_at) < dt.timedelta(seconds=1)
    assert dt.datetime.fromisoformat(item["updated_datetime"]) >= requested
    expected = dt.datetime.fromisoformat(item["expected_datetime"])
    assert timezone.localtime(expected).date() == p.due_on
    for empty in ("address", "lat", "long", "address_id", "zipcode", "media_url"):
        assert item[empty] in ("", None)

    listed = _as_list(client.get_service_requests())
    assert [r["service_request_id"] for r in listed] == [number]
    assert staff.number not in str(listed)
    r = o311.get(f"requests/{staff.number}.{fmt}")
    assert r.status == 404


def _ids(o311, **params):
    r = o311.get("requests.json", **params)
    assert r.status == 200, r.text
    items = r.json()
    assert all(set(i) == REQUEST_FIELDS for i in items)
    return [i["service_request_id"] for i in items]


def test_filters_and_paging(o311):
    from xinfang.petitions.choices import Status
    from xinfang.petitions.models import Petition

    a = o311.submit()["service_request_id"]
    b = o311.submit(service_code="010102")["service_request_id"]
    c = o311.submit()["service_request_id"]
    Petition.objects.filter(number=c).update(status=Status.CLOSED, closed_at=timezone.now())

    assert set(_ids(o311)) == {a, b, c}
    assert set(_ids(o311, service_request_id=f"{a},{c}")) == {a, c}
    # service_request_id overrides the other filters
    assert set(_ids(o311, service_request_id=a, service_code="010102", status="closed")) == {a}
    assert set(_ids(o311, service_code="010102")) == {b}
    assert set(_ids(o311, service_code="010101,010102")) == {a, b, c}
    assert set(_ids(o311, status="open")) == {a, b}
    assert set(_ids(o311, status="closed")) == {c}
    assert set(_ids(o311, status="open,closed")) == {a, b, c}
    closed = o311.get(f"requests/{c}.json").json()[0]
    assert closed["status"] == "closed" and closed["status_notes"] == "已办结" and closed["expected_datetime"] == ""

    now = timezone.now()
    w3c = "%Y-%m-%dT%H:%M:%S%z"
    assert set(_ids(o311, start_date=(now - dt.timedelta(days=1)).strftime(w3c),
                    end_date=(now + dt.timedelta(days=1)).strftime(w3c))) == {a, b, c}
    assert _ids(o311, start_date=(now - dt.timedelta(days=30)).strftime(w3c),
                end_date=(now - dt.timedelta(days=2)).strftime(w3c)) == []
    assert _ids(o311, start_date=(now + dt.timedelta(hours=1)).strftime(w3c)) == []
    assert set(_ids(o311, end_date=(now + dt.timedelta(hours=1)).strftime(w3c))) == {a, b, c}
    assert set(_ids(o311, start_date=now.date().isoformat())) >= {a, b, c} - {""}

    first = _ids(o311, page_size="2")
    second = _ids(o311, page_size="2", page="2")
    assert len(first) == 2 and len(second) == 1 and set(first + second) == {a, b, c}
    assert _ids(o311, page_size="2", page="3") == []


@pytest.mark.parametrize("params", [
    {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},  # over 90 days
    {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},  # reversed
    {"start_date": "yesterday"}, {"end_date": "2026-13-45"}, {"start_date": "0001-01-01T00:00:00Z"},
    {"start_date": "2026-01-01T00:00:00+99:00"},
    {"status": "pending"}, {"page": "0"}, {"page": "-1"}, {"page": "x"}, {"page_size": "100000"},
    {"page_size": "1" * 40}, {"service_request_id": ",".join(str(i) for i in range(200))},
    {"service_request_id": "a\x00b"}, {"service_code": "01\x00"}, {"status": "open\x00"},
    {"start_date": "2026-01-01\x00"}, {"service_code": "1" * 20_000},
])
def test_bad_filters_are_400_errors(o311, params):
    for fmt in ("json", "xml"):
        r = o311.get(f"requests.{fmt}", **params)
        assert r.status == 400, (params, r.status, r.text)
        if fmt == "json":
            (err,) = r.json()
            assert set(err) == ERROR_FIELDS and err["code"] == 400 and err["description"]
        else:
            doc = ET.fromstring(r.body)
            assert doc.tag == "errors" and [e.tag for e in doc] == ["error"]
            assert {c.tag for c in doc[0]} == ERROR_FIELDS and doc[0].find("code").text == "400"


@pytest.mark.parametrize("path", ["requests/XX-0000-000001", "requests/%00", "requests/" + "9" * 300,
                                  "services/nosuch", "services/" + "1" * 300, "services/01%00", "tokens/nosuch", "tokens/a%00",
                                  "tokens/" + "a" * 300])
def test_unknown_is_404_errors(o311, path):
    for fmt in ("json", "xml"):
        r = o311.get(f"{path}.{fmt}")
        assert r.status == 404, (path, r.text)
        if fmt == "json":
            assert r.json()[0]["code"] == 404 and set(r.json()[0]) == ERROR_FIELDS
        else:
            assert xmltodict.parse(r.body)["errors"]["error"]["code"] == "404"


def test_no_identity_in_any_answer(o311):
    """Everything the app sent about the person, in every answer of both formats: never there."""
    posted = o311.submit(address_string="幸福小区3栋")
    number, token = posted["service_request_id"], posted["token"]
    paths = ["discovery", "services", "services/010101", "requests", f"requests/{number}", f"tokens/{token}"]
    for path in paths:
        for fmt in ("json", "xml"):
            r = o311.get(f"{path}.{fmt}")
            assert r.status == 200, (path, r.text)
            for clear in (*PERSON.values(), "139-0013-9000", "幸福小区3栋", "30.5", "114.3"):
                assert clear not in r.text, (path, fmt, clear)


def test_identifiers_typed_into_the_description_are_masked(o311):
    number = o311.submit(description="路灯坏了。我是欧阳明远，电话13900139000，身份证11010519491231002X")[
        "service_request_id"]
    for fmt in ("json", "xml"):
        for path in (f"requests/{number}", "requests"):
            text = o311.get(f"{path}.{fmt}").text
            assert "路灯坏了" in text and "我是" in text
            for clear in ("欧阳明远", "13900139000", "1101051949"):
                assert clear not in text, (path, fmt, clear)


def test_accusation_text_is_left_out(o311):
    from xinfang.petitions.choices import Nature
    from xinfang.petitions.models import Petition

    number = o311.submit()["service_request_id"]
    Petition.objects.filter(number=number).update(nature=Nature.ACCUSATION)  # reclassified by the staff
    item = o311.get(f"requests/{number}.json").json()[0]
    assert item["description"] == ""
    listed = o311.get("requests.json").json()
    assert listed[0]["description"] == "" and "路灯" not in o311.get("requests.xml").text
