"""Authorization-matrix entries of 矛盾纠纷排查 (issue 10): the ledger and rounds (staff of the area: the
district's petition office and government, the city; a department's staff see no village's items: 404),
the informant's report form (informants only: 403 for others), the reports (an informant their own,
staff their area's) and their one-step outcomes, and a leader's acknowledgement of an urgent report.
The world's objects are all in 东湖区 幸福社区 (DH-T1-V1), where demo_informant works."""

from __future__ import annotations

from test_authz_matrix import ALL_ROLES, POST_OK, STAFF, E

R = {"risk_id": "screening_risk"}
RD = {"round_id": "screening_round"}
RP = {"report_id": "screening_report"}
DEPT = {"dept_dispatcher", "handler", "leader"}  # 东湖区住建局: no jurisdiction over the villages
AREA = ALL_ROLES - DEPT - {"informant"}  # clerk, dispatcher, reviewer, supervisor, analyst, admin
NOT_INFORMANT = STAFF - {"informant"}
LEDGER = AREA - {"analyst"}  # who turns a report into a ledger item (the analyst reads only)

WEB = {
    "web:screening_risks": E(NOT_INFORMANT, deny=403),
    "web:screening_risk_new": E(NOT_INFORMANT, deny=403),
    "web:screening_risk": E(AREA, fill=R, scoped=True),
    "web:screening_rounds": E(NOT_INFORMANT, deny=403),
    "web:screening_round": E(AREA | {"informant"}, fill=RD, scoped=True),  # the informant: their unit's round
    "web:screening_schedule": E({"admin"}, deny=403, city={"demo_city_leader": 403, "demo_city_dispatcher": 403}),
    "web:screening_report_new": E({"informant"}, deny=403,
                                  city={"demo_city_leader": 403, "demo_city_dispatcher": 403}),
    "web:screening_reports": E(STAFF),
    "web:screening_report": E(AREA | {"informant"}, fill=RP, scoped=True),
    # an empty form: the report becomes a ledger item with the defaults (back to the item's page); the
    # analyst and the informant see the report but may not (403), a department does not see it (404)
    "web:screening_report_to_risk": E(LEDGER, fill=RP, method="POST", scoped=True, ok=POST_OK,
                                      city={"demo_analyst": 403, "demo_informant": 403}),
    # an empty form: registered as an anonymous visit by a clerk covering the village; the others who see
    # the report 403, a department 404
    "web:screening_report_register": E({"clerk"}, fill=RP, method="POST", scoped=True, ok=POST_OK,
                                       city={**{f"demo_{r}": 403 for r in AREA - {"clerk"} | {"informant"}},
                                             "demo_city_leader": 403, "demo_city_dispatcher": POST_OK}),
    # the urgent report reached demo_reviewer (the district government's leader), not the city
    "web:screening_alert_ack": E({"reviewer"}, fill=RP, method="POST", scoped=True, ok=POST_OK,
                                 city={"demo_city_leader": 404, "demo_city_dispatcher": 404}),
}

API = {
    ("GET", "/risks"): E(NOT_INFORMANT, deny=403),
    ("POST", "/informant-reports"): E({"informant"}, method="POST", ok=422, deny=403, body="informant_report",
                                      city={"demo_city_leader": 403, "demo_city_dispatcher": 403}),
    ("GET", "/informant-reports"): E(STAFF),
}

BODIES = {
    "informant_report": lambda world, username: {"title": "测试报告", "content": "测试内容", "urgent": True},
}


def build(world) -> None:
    """A screening round of 幸福社区, a ledger item found in it, and an urgent report of demo_informant."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from xinfang.org.models import Unit
    from xinfang.oversight.screening.models import ScreeningRound
    from xinfang.oversight.screening.services import report_create, risk_create

    User = get_user_model()
    village = Unit.objects.get(code="DH-T1-V1")
    today = timezone.localdate()
    rnd = ScreeningRound.objects.create(unit=village, level="village", cadence="weekly", period_start=today,
                                        due=today + dt.timedelta(days=6), opened_at=timezone.now())
    world.other["screening_round"] = rnd
    world.other["screening_risk"] = risk_create(
        actor=User.objects.get(username="demo_clerk"), round_id=rnd.pk,
        data={"title": "幸福社区物业纠纷", "unit": "DH-T1-V1", "level": "medium"})
    world.other["screening_report"] = report_create(
        actor=User.objects.get(username="demo_informant"), title="业主计划集体上访", content="约三十名业主商议集体上访。",
        urgent=True)
