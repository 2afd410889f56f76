"""GET /api/v1/reports/scorecard, /reports/overdue-league and the accountability endpoints over real HTTP
(a live server, Bearer tokens)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from report_builders import bulk, local

from xinfang.api.tokens import token_create
from xinfang.notifications.models import Notification
from xinfang.oversight.scorecards.models import AccountabilityRecord
from xinfang.workflow.models import Deadline

pytestmark = pytest.mark.django_db(transaction=True)


class Client:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, params=None, body=None):
        url = self.base + "/api/v1" + path + ("?" + urllib.parse.urlencode(params) if params else "")
        headers = {"Accept": "application/json", "Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def api(org, live_server):
    return lambda username: Client(live_server.url, token_create(user=org.users[username], name="t"))


@pytest.fixture
def data(org):
    z = bulk(2, unit="DH-XF", handling_unit="DH-ZJ", channel="letter", received_at=local(2026, 3, 1), title="住建")
    Deadline.objects.create(petition=z[0], kind="handle", start=local(2026, 3, 1).date(), days=60,
                            due=local(2026, 5, 1).date())
    Deadline.objects.create(petition=z[1], kind="handle", start=local(2026, 3, 1).date(), days=60,
                            due=local(2026, 5, 1).date(), met_at=local(2026, 4, 1))
    return z


PERIOD = {"from": "2026-01-01", "to": "2026-06-30"}


def test_scorecard_api(data, api):
    status, body = api("demo_analyst").call("GET", "/reports/scorecard", PERIOD)
    assert status == 200, body
    assert body["unit"]["code"] == "DH" and body["weights"]["on_time_reply"] == 20
    units = {u["code"]: u for u in body["units"]}
    zj = units["DH-ZJ"]
    assert (zj["items"], zj["overdue"], zj["overdue_rate"], zj["rank"]) == (2, 1, 50.0, 1)
    assert zj["kpis"]["on_time_reply"] == 50.0
    # (20×50 + 10×100 + 10×50 + 3×100 + 2×100) / 45 = 3000 / 45 = 66.7
    assert zj["score"] == 66.7
    assert all(not c.startswith("XS") for c in units)
    status, body = api("demo_analyst").call("GET", "/reports/scorecard", {**PERIOD, "level": "town"})
    assert [u["code"] for u in body["units"]] == ["DH-T1", "DH-T2"]
    # refusals: another district's unit, a bad level, a bad date; a role without reports: 404
    status, body = api("demo_analyst").call("GET", "/reports/scorecard", {"unit": "XS"})
    assert status == 422 and body["error"]["field"] == "unit"
    status, body = api("demo_analyst").call("GET", "/reports/scorecard", {"level": "x"})
    assert status == 422 and body["error"]["field"] == "level"
    status, body = api("demo_analyst").call("GET", "/reports/scorecard", {"from": "2026-02-30"})
    assert status == 422
    status, body = api("demo_handler").call("GET", "/reports/scorecard")
    assert status == 404
    status, body = api("demo_analyst2").call("GET", "/reports/scorecard", PERIOD)
    assert status == 200 and all(u["code"].startswith("XS") and u["overdue"] == 0 for u in body["units"])


def test_league_api(data, api):
    status, body = api("demo_supervisor").call("GET", "/reports/overdue-league", PERIOD)
    assert status == 200
    top = body["units"][0]
    assert (top["code"], top["rank"], top["overdue"]) == ("DH-ZJ", 1, 1)
    assert [p["number"] for p in top["petitions"]] == [data[0].number]


def test_accountability_api(data, api):
    sup = api("demo_supervisor")
    body = {"kind": "accountability", "unit": "DH-ZJ", "reason": "超期", "decision": "问责", "petitions": [data[0].number]}
    status, rec = sup.call("POST", "/accountability", body=body)
    assert status == 201, rec
    assert rec["petitions"] == [{"id": data[0].pk, "number": data[0].number}] and rec["issuing_unit"]["code"] == "DH-XF"
    assert Notification.objects.filter(kind="accountability", recipient__username="demo_leader").exists()
    status, listing = api("demo_leader").call("GET", "/accountability")
    assert status == 200 and listing["count"] == 1
    status, one = api("demo_leader").call("GET", f"/accountability/{rec['id']}")
    assert status == 200 and one["kind"] == "accountability"
    assert api("demo_supervisor2").call("GET", f"/accountability/{rec['id']}")[0] == 404
    assert api("demo_supervisor2").call("GET", "/accountability")[1]["count"] == 0
    status, err = api("demo_handler").call("POST", "/accountability", body=body)
    assert status == 403
    status, err = sup.call("POST", "/accountability", body={**body, "unit": "XS-ZJ"})
    assert status == 422 and err["error"]["field"] == "unit"
    status, err = sup.call("POST", "/accountability", body={**body, "reason": "a\x00"})
    assert status == 422
    assert AccountabilityRecord.objects.count() == 1
