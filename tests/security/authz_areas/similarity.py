"""Authorization-matrix entries of repeat and duplicate decisions (issue 12): staff who see the petition
and act on it (clerk, dispatcher, handler, leader) may confirm or reject a candidate; the body names the
world's closed petition as the candidate."""

from __future__ import annotations

from test_authz_matrix import SEE, E

WEB = {
    # 智能提示 at intake: an empty form answers the (empty) panel; for those who may register
    "web:intake_insight": E({"clerk"}, fill={"channel": "=visit"}, method="POST", deny=403,
                            city={"demo_city_leader": 403, "demo_city_dispatcher": 200}),
    # 确认/排除 a candidate: an empty form is refused with a message, back to the petition, for everyone who
    # sees it (the role is checked once a decision is named: tests/web/test_intake_insight.py)
    "web:similar_decide": E(SEE, fill={"petition_id": "petition"}, method="POST", scoped=True, ok=302),
}

API = {
    ("GET", "/insight/acceptance"): E({"analyst", "admin"}, deny=403,
                                      city={"demo_city_leader": 403, "demo_city_dispatcher": 403}),
    ("POST", "/petitions/{petition_id}/similar/decisions"): E(SEE, fill={"petition_id": "petition"}, method="POST",
                                                              scoped=True, ok=422, body="similar_decision"),
}

# the refused are sent a valid decision about the world's closed petition: refused before anything happens
BODIES = {
    "similar_decision": lambda world, username: {"candidate_id": world.closed.pk, "kind": "repeat",
                                                 "decision": "rejected"},
}
