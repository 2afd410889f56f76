"""Authorization-matrix entries of repeat and duplicate decisions (issue 12): staff who see the petition
and act on it (clerk, dispatcher, handler, leader) may confirm or reject a candidate; the body names the
world's closed petition as the candidate."""

from __future__ import annotations

from test_authz_matrix import SEE, E

API = {
    ("POST", "/petitions/{petition_id}/similar/decisions"): E(SEE, fill={"petition_id": "petition"}, method="POST",
                                                              scoped=True, ok=422, body="similar_decision"),
}

# the refused are sent a valid decision about the world's closed petition: refused before anything happens
BODIES = {
    "similar_decision": lambda world, username: {"candidate_id": world.closed.pk, "kind": "repeat",
                                                 "decision": "rejected"},
}
