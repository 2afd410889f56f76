"""POST requests and tokens over raw HTTP (urllib, form-encoded as GeoReport v2 says): the petition it
becomes, the api_key (403), validation (400/404, nothing stored), hostile input (never a 500), the rate
limit, and the key command."""

from __future__ import annotations

import io
from xml.etree import ElementTree as ET

import pytest
from conftest import ERROR_FIELDS, PERSON, POST_FIELDS, REQUEST_FIELDS, TOKEN_FIELDS, http
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _counts():
    from xinfang.petitions.models import Petition, Petitioner
    from xinfang.portal.open311.models import Open311Request

    return Petition.objects.count(), Petitioner.objects.count(), Open311Request.objects.count()


def test_post_creates_an_online_petition_and_a_token(o311):
    from xinfang.petitions.models import Petition
    from xinfang.workflow.models import PetitionEvent

    r = o311.post(api_key=o311.key, service_code="010101", lat="30.5", long="114.3",
                  description="小区门口路灯损坏已一个月。", **{"attribute[demands]": "请尽快修复。",
                                                              "attribute[nature]": "suggestion"}, **PERSON)
    assert r.status == 201 and r.content_type.startswith("application/json")
    (item,) = r.json()
    assert set(item) == POST_FIELDS and item["service_request_id"] and item["token"]
    for clear in PERSON.values():
        assert clear not in r.text
    p = Petition.objects.get(number=item["service_request_id"])
    assert p.channel == "online" and p.get_channel_display() == "网上信访"
    assert p.category.code == "010101" and p.nature == "suggestion" and p.demands == "请尽快修复。"
    assert p.receiving_unit == o311.unit and p.clerk.username == "open311" and not p.clerk.has_usable_password()
    assert "小区门口路灯损坏已一个月。" in p.content and "30.5" in p.content
    (person,) = p.petitioners.all()
    assert person.name == "欧阳明远" and person.phone == "13900139000" and not p.is_anonymous
    assert PetitionEvent.objects.filter(petition=p, action="register").exists()
    assert p.due_on is not None  # the acceptance limit runs

    for fmt in ("json", "xml"):
        t = o311.get(f"tokens/{item['token']}.{fmt}")
        assert t.status == 200
        if fmt == "json":
            assert t.json() == [{"service_request_id": p.number, "token": item["token"]}]
        else:
            doc = ET.fromstring(t.body)
            assert doc.tag == "service_requests" and {c.tag for c in doc.find("request")} == TOKEN_FIELDS
            assert doc.find("request/service_request_id").text == p.number


def test_post_xml_and_anonymous(o311):
    from xinfang.petitions.models import Petition

    r = o311.post("xml", api_key=o311.key, service_code="010102", address_string="东湖路12号",
                  description="噪音扰民")
    assert r.status == 201 and r.content_type.startswith("text/xml")
    doc = ET.fromstring(r.body)
    assert doc.tag == "service_requests" and {c.tag for c in doc.find("request")} == POST_FIELDS
    p = Petition.objects.get(number=doc.find("request/service_request_id").text)
    assert p.is_anonymous and not p.petitioners.exists()
    item = o311.get(f"requests/{p.number}.json").json()[0]
    assert set(item) == REQUEST_FIELDS and "东湖路12号" not in str(item)


def _refused(o311, status: int, fmt: str = "json", **fields):
    before = _counts()
    r = o311.post(fmt, **fields)
    assert r.status == status, (fields.keys(), r.status, r.text)
    if fmt == "json":
        (err,) = r.json()
        assert set(err) == ERROR_FIELDS and err["code"] == status and err["description"]
    else:
        doc = ET.fromstring(r.body)
        assert doc.tag == "errors" and doc.find("error/code").text == str(status)
    assert _counts() == before, "nothing is stored on refusal"
    return r


def test_keys(o311):
    from xinfang.portal.open311.services import api_key_revoke

    good = {"service_code": "010101", "lat": "30.5", "long": "114.3", "description": "路灯坏了"}
    for fmt in ("json", "xml"):
        _refused(o311, 403, fmt, **good)
        _refused(o311, 403, fmt, api_key="", **good)
        _refused(o311, 403, fmt, api_key="o311_" + "x" * 43, **good)
        _refused(o311, 403, fmt, api_key=o311.key + "x", **good)
        _refused(o311, 403, fmt, api_key="x" * 5000, **good)
    api_key_revoke(key_id=o311.key_row.pk)
    _refused(o311, 403, api_key=o311.key, **good)


@pytest.mark.parametrize("fields,status", [
    ({}, 400),  # no service_code
    ({"service_code": "999999"}, 404),
    ({"service_code": "01" * 40}, 404),
    ({"lat": "", "long": ""}, 400),  # no location at all
    ({"lat": "abc"}, 400), ({"lat": "91"}, 400), ({"long": "nan"}, 400), ({"lat": "1e999"}, 400),
    ({"description": ""}, 400), ({"description": "   "}, 400),
    ({"description": "x" * 5001}, 400), ({"first_name": "张" * 5001}, 400),
    ({"description": "bad\x00byte"}, 400), ({"last_name": "\x00"}, 400),
    ({"attribute[nature]": "accusation"}, 400), ({"attribute[nature]": "<x>"}, 400),
    ({"last_name": "张", "phone": "not a phone"}, 422), ({"last_name": "张" * 70}, 422),
])
def test_invalid_posts_are_refused_with_nothing_stored(o311, fields, status):
    form = {"api_key": o311.key, "service_code": "010101", "lat": "30.5", "long": "114.3", "description": "路灯坏了"}
    if fields == {}:
        form.pop("service_code")
    form.update(fields)
    r = _refused(o311, 400 if status == 422 else status, **form)
    assert "Traceback" not in r.text


def test_hostile_bodies_never_500(o311):
    before = _counts()
    url = f"{o311.base}/requests.json"
    for raw, ctype in [(b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
                       (b"api_key=%ZZ&%%%", "application/x-www-form-urlencoded"),
                       (b"{\"api_key\": 1}", "application/json"),
                       (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
                       ("&".join(f"f{i}=1" for i in range(5000)).encode(), "application/x-www-form-urlencoded"),
                       (b"description=" + b"a" * 3_000_000, "application/x-www-form-urlencoded")]:
        r = http("POST", url, raw=raw, content_type=ctype)
        assert r.status in (400, 403), (raw[:40], r.status, r.text[:300])
    assert _counts() == before
    # markup in the text is stored as text and escaped in XML
    number = o311.submit(description="<request><status>closed</status></request> & ]]>")["service_request_id"]
    doc = ET.fromstring(o311.get(f"requests/{number}.xml").body)
    assert doc.find("request/status").text == "open" and "<request>" in doc.find("request/description").text
    # other methods
    assert http("PUT", url, {"a": "b"}).status == 405
    assert http("POST", f"{o311.base}/services.json", {"a": "b"}).status == 405
    assert http("GET", f"{o311.base}/services.csv").status == 404


def test_rate_limit_per_address(o311, settings):
    settings.XINFANG_OPEN311 = {"PER_ADDRESS_HOUR": 2, "PER_KEY_HOUR": 100}
    o311.submit()
    o311.submit()
    r = _refused(o311, 429, api_key=o311.key, service_code="010101", lat="1", long="1", description="第三次")
    assert "频繁" in r.json()[0]["description"]


def test_rate_limit_per_key(o311, settings):
    settings.XINFANG_OPEN311 = {"PER_ADDRESS_HOUR": 100, "PER_KEY_HOUR": 1}
    o311.submit()
    _refused(o311, 429, "xml", api_key=o311.key, service_code="010101", lat="1", long="1", description="第二次")


def test_key_command(org):
    from xinfang.portal.open311.models import ApiKey
    from xinfang.portal.open311.services import api_key_check

    unit = org.users["demo_clerk"].memberships.get(role="clerk").unit
    out, err = io.StringIO(), io.StringIO()
    call_command("open311", "key", "create", "城市应用", "--unit", unit.code, stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("o311_") and api_key_check(key) is not None
    row = ApiKey.objects.get()
    assert row.key_hash != key and key not in str(ApiKey.objects.values())
    out = io.StringIO()
    call_command("open311", "key", "list", stdout=out)
    assert "城市应用" in out.getvalue() and "live" in out.getvalue() and key not in out.getvalue()
    call_command("open311", "key", "revoke", str(row.pk), stdout=io.StringIO())
    assert api_key_check(key) is None
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("open311", "key", "create", "x", "--unit", "NOSUCH", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("open311", "key", "revoke", "999", stdout=io.StringIO())
