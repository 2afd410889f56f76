"""Authorization-matrix entries of Open311 GeoReport v2 (issue 11): every path is public (civic apps read
without an account; only POST requests needs an api_key, tried in tests/open311), so everyone, signed in
or not, gets 200 in every format; the request shown is one that arrived through Open311, and no answer
names its petitioner (the matrix checks the hidden accuser too)."""

from __future__ import annotations

from types import SimpleNamespace

from test_authz_matrix import E

JSON, XML = {"fmt": "=json"}, {"fmt": "=xml"}

WEB = {
    "open311:discovery": E(public=True, fill=XML),
    "open311:services": E(public=True, fill=JSON),
    "open311:service": E(public=True, fill={"code": "=010101"} | XML),
    "open311:requests": E(public=True, fill=JSON, query="status=open"),
    "open311:request": E(public=True, fill={"request_id": "open311_request"} | XML),
    "open311:token": E(public=True, fill={"token": "open311_token"} | JSON),
}


def build(world) -> None:
    """A civic app's key at 东湖区信访局 and one request it POSTed (filled by its number and its token)."""
    from xinfang.portal.open311.services import api_key_create, request_submit

    unit = world.org.users["demo_clerk"].memberships.get(role="clerk").unit
    key, _secret = api_key_create(name="市民应用", unit_code=unit.code)
    row = request_submit(key=key, form={"service_code": "010101", "address_string": "幸福路口",
                                        "description": "路口信号灯夜间不亮。", "first_name": "光远",
                                        "last_name": "司马", "phone": "13700137000"})
    world.other["open311_request"] = SimpleNamespace(pk=row.petition.number)
    world.other["open311_token"] = SimpleNamespace(pk=row.token)
