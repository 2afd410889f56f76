"""Authorization-matrix entries of reply assistance (issue 12): the similar answered petitions and the draft
check on the reply forms, and POST /petitions/{id}/reply-check. For the handlers and leaders of the
petition's units (the world's accusation: handled at 东湖区住建局); inside the jurisdiction without that
role 403, outside 404. Nothing is saved."""

from __future__ import annotations

from test_authz_matrix import E

P = {"petition_id": "petition"}
AID = {"handler", "leader"}
NO = {"demo_informant": 404}  # the informant does not see the petition

WEB = {
    "web:reply_aid": E(AID, fill=P, scoped=True, deny=403, city=NO | {"demo_city_leader": 403,
                                                                     "demo_city_dispatcher": 403}),
    "web:reply_check": E(AID, fill=P, method="POST", scoped=True, deny=403,
                         city=NO | {"demo_city_leader": 403, "demo_city_dispatcher": 403}),
}

API = {
    ("POST", "/petitions/{petition_id}/reply-check"): E(AID, fill=P, method="POST", scoped=True, ok=200, deny=403,
                                                        body="reply_check",
                                                        city=NO | {"demo_city_leader": 403,
                                                                   "demo_city_dispatcher": 403}),
}

# the allowed are sent an empty draft: its check (every flag raised; nothing is saved)
BODIES = {"reply_check": lambda world, username: {"outcome": "support", "text": "经核实，情况属实。", "basis": "《条例》"}}
