"""The citizen portal shows a session only the case it proved (issue 11, must show): a session that
tracked one ordinary petition by its number and code walks every portal URL, and asks for every document
of the world's accusation and acts on it by naming it in the forms: nothing of the accusation comes back
(not its accuser, title, number or documents), nothing of it changes, and every answer is 4xx or a
redirect, never a 500. The matrix (authz_areas/portal.py) tries the same URLs for every account."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from security_helpers import ACCUSER_CLEAR, body_text, response_bytes

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def portal_routes() -> list[tuple[str, str]]:
    out = []

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if route.startswith("portal/"):
                    walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and route.startswith("portal/"):
                out.append((route, p.name))

    walk(get_resolver().url_patterns, "")
    return out


@pytest.fixture
def tracked(world):
    """A session that proved world.closed (an ordinary petition; its code reissued at the counter)."""
    from xinfang.petitions.services import query_code_reissue

    petition, code = query_code_reissue(actor=world.org.users["demo_clerk"], petition_id=world.closed.pk)
    client = Client(REMOTE_ADDR="203.0.113.9")
    r = client.post("/portal/track/", {"number": petition.number, "code": code})
    assert r.status_code == 302 and r["Location"] == "/portal/track/case/"
    return client


def _secrets(world) -> tuple[str, ...]:
    p = world.petition
    return (*ACCUSER_CLEAR, p.number, p.title[:12])


def _state(world):
    from xinfang.petitions.models import Petition
    from xinfang.workflow.models import Delivery, Evaluation

    p = Petition.objects.get(pk=world.petition.pk)
    return (p.status, p.version, p.review_unit_id, Delivery.objects.filter(petition=p).count(),
            Evaluation.objects.filter(petition=p).count())


def test_a_session_sees_only_the_case_it_proved(world, tracked):
    from xinfang.reports.models import IssuedDocument

    own = world.closed
    secrets = _secrets(world)
    before = _state(world)
    case = tracked.get("/portal/track/case/")
    assert case.status_code == 200 and own.number in case.content.decode()
    foreign_docs = list(IssuedDocument.objects.filter(petition=world.petition).values_list("pk", flat=True))
    assert foreign_docs, "the accusation has issued documents to ask for"
    own_doc = IssuedDocument.objects.filter(petition=own).values_list("pk", flat=True).first()
    for route, name in portal_routes():
        ids = foreign_docs if "<int:document_id>" in route else [None]
        for doc_id in ids:
            url = "/" + re.sub(r"<int:document_id>", str(doc_id), route)
            url = re.sub(r"<int:slot_id>", "999999", url)
            for method in ("get", "post"):
                data = {"case": world.petition.pk, "version": world.petition.version, "level": "satisfied",
                        "unit": "DH-ZF", "reason": "x", "number": world.petition.number, "code": "AAAAAAAA"}
                r = getattr(tracked, method)(url, data if method == "post" else None)
                assert r.status_code < 500, f"{method} {url}: {r.status_code}"
                if doc_id is not None:
                    assert r.status_code in (302, 404, 405), f"{method} {url}: {r.status_code}"
                text = body_text(response_bytes(r), r.get("Content-Type", ""))
                # the tracking form echoes the number the visitor typed, and only that
                shown = [x for x in secrets if not (name == "track" and x == world.petition.number)]
                for secret in shown:
                    assert secret not in text, f"{method} {url} ({name}) shows {secret!r}"
            # the wrong code above counted as a failed attempt: reprove the session's case for the next URL
            tracked.get("/portal/track/case/")
    assert _state(world) == before
    if own_doc is not None:  # the session's own documents do open
        assert tracked.post(f"/portal/track/document/{own_doc}/").status_code in (200, 302)


def test_forms_naming_another_case_act_on_nothing(world, tracked):
    before = _state(world)
    for path, data in (("/portal/track/evaluate/", {"level": "dissatisfied", "reason": "不满意"}),
                       ("/portal/track/review/", {"unit": "DH-ZF", "reason": "申请复查"})):
        r = tracked.post(path, {"case": world.petition.pk, "version": world.petition.version, **data})
        assert r.status_code in (302, 400, 404, 409)
        text = body_text(response_bytes(r), r.get("Content-Type", ""))
        assert not any(s in text for s in _secrets(world))
    assert _state(world) == before
