"""Authorization-matrix entries of 考核排名, 超期通报 and 问责记录 (issue 10): the report roles' rule
(reports.access.may_see_reports: 404 for everyone else) on the pages, downloads and the API; recording a
decision is for leaders and supervisors (403 for the other roles over the API, 404 for the form page).
The record of the world cites the accusation, so every answer is also checked for its accuser."""

from __future__ import annotations

from test_authz_matrix import CITY_REPORTS, REPORTS, E

R = {"record_id": "accountability"}
DECIDERS = {"leader", "reviewer", "supervisor"}

WEB = {
    "web:scorecard": E(REPORTS, city=CITY_REPORTS),
    "web:overdue_league": E(REPORTS, city=CITY_REPORTS),
    "web:overdue_league_print": E(REPORTS, city=CITY_REPORTS),
    "web:overdue_league_pdf": E(REPORTS, city=CITY_REPORTS),
    "web:accountability_list": E(REPORTS, city=CITY_REPORTS),
    "web:accountability_new": E(DECIDERS, city=CITY_REPORTS),
    "web:accountability_detail": E(REPORTS, fill=R, scoped=True, city=CITY_REPORTS),
}

API = {
    ("GET", "/reports/scorecard"): E(REPORTS, city=CITY_REPORTS),
    ("GET", "/reports/overdue-league"): E(REPORTS, city=CITY_REPORTS),
    ("GET", "/accountability"): E(REPORTS, city=CITY_REPORTS),
    ("GET", "/accountability/{record_id}"): E(REPORTS, fill=R, scoped=True, city=CITY_REPORTS),
    # the deciders are sent an invalid body (422); everyone else a valid one, refused for the role (403)
    ("POST", "/accountability"): E(DECIDERS, method="POST", ok=422, deny=403, body="accountability",
                                   city={"demo_city_leader": 422, "demo_city_dispatcher": 403}),
}

BODIES = {
    "accountability": lambda world, username: {
        "kind": "interview", "unit": "DH-ZJ", "reason": "测试事由", "decision": "测试决定",
        "petitions": [world.petition.pk]},
}


def build(world) -> None:
    """An accountability record (demo_supervisor about 东湖区住建局) citing the world's accusation."""
    from django.contrib.auth import get_user_model

    from xinfang.org.models import Unit
    from xinfang.oversight.scorecards.services import accountability_create

    User = get_user_model()
    zj = Unit.objects.get(code="DH-ZJ")
    world.other["accountability"] = accountability_create(
        actor=User.objects.get(username="demo_supervisor"), kind="criticism", unit=zj, people="测试人员",
        reason="超期未办结", decision="通报批评", document_no="东信督〔2026〕1号", petitions=[world.petition.pk])
