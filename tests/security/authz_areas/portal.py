"""Authorization-matrix entries of the citizen portal (issue 11): every page is public (no account), so
everyone, signed in or not, gets the same answer, and a staff session gives no more than an anonymous
one. Pages that need a case proved by number and code in the session (case, documents, evaluate,
review) send a session without one back to the tracking form (302); an empty POST changes nothing
(forms answer their errors). The matrix checks no answer shows the hidden accuser; what a session that
proved one case sees of another is tried in tests/security/test_portal_privacy.py."""

from __future__ import annotations

import datetime as dt

from test_authz_matrix import E

TRACK = 302  # no case proved in this session: back to the tracking form
OUTSIDE_CHAIN = {"demo_reviewer": 404, "demo_informant": 404, "demo_city_leader": 404, "demo_city_dispatcher": 404}

WEB = {
    "portal:home": E(public=True),
    "portal:book": E(public=True, fill={"slot_id": "portal_slot"}),
    "portal:booked": E(public=True),  # nothing booked in this session: says so
    "portal:submit": E(public=True),
    "portal:suggest": E(public=True, method="POST"),
    "portal:submit_done": E(public=True),
    "portal:track": E(public=True),
    "portal:case": E(public=True, ok=TRACK, anon=TRACK),
    # a document of a case this session did not prove does not exist for it
    "portal:document": E(public=True, fill={"document_id": "document"}, ok=404, anon=404),
    "portal:document_pdf": E(public=True, fill={"document_id": "document"}, ok=404, anon=404),
    "portal:evaluate": E(public=True, method="POST", ok=TRACK, anon=TRACK),
    "portal:review": E(public=True, method="POST", ok=TRACK, anon=TRACK),
    "portal:leave": E(public=True, method="POST", ok=TRACK, anon=TRACK),
    "portal:summary": E(public=True),
    # the counter: a new query code for the petition (its receiving unit's clerk or dispatcher); the
    # petition is an accusation, so those outside its handling chain do not find it (404)
    "web:query_code_reissue": E({"clerk", "dispatcher"}, fill={"petition_id": "petition"}, method="POST",
                                scoped=True, ok=302, deny=403, city=OUTSIDE_CHAIN),
}

API = {
    ("POST", "/petitions/{petition_id}/query-code"): E({"clerk", "dispatcher"}, fill={"petition_id": "petition"},
                                                       method="POST", scoped=True, ok=200, deny=403,
                                                       body="empty", city=OUTSIDE_CHAIN),
}


def build(world) -> None:
    """A published reception day of demo_leader (东湖区住建局) the day after tomorrow with a free slot."""
    from django.utils import timezone

    from xinfang.oversight.leadership import services

    leader = world.org.users["demo_leader"]
    day = services.reception_day_create(
        actor=leader, leader="demo_leader", unit="DH-ZJ",
        date=(timezone.localdate() + dt.timedelta(days=2)).isoformat(), start_time="09:00", end_time="10:00",
        place="东湖区人民来访接待中心", slots=[{"start_time": "09:00", "capacity": 3}], published=True)
    world.other["portal_slot"] = day.slots.get()
