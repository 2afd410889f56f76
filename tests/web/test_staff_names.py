"""Staff appear by their names, not their login names: on the petition page's timeline, in the API's
events, in the dossier and in exports."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from intake_helpers import logged_in
from openpyxl import load_workbook

from xinfang.org.models import StaffProfile
from xinfang.workflow.selectors import event_actor, petition_events, staff_name

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def routed(register, act):
    p, _ = register(title="小区停车收费")
    return act("demo_dispatcher", p, "assign", unit="DH-ZJ")


def timeline(html: str) -> str:
    start = html.find('<ol class="timeline events">')
    return html[start:html.find("</ol>", start)]


def test_the_name_rules(db):
    profiled = User.objects.create(username="wq", last_name="王", first_name="某")
    StaffProfile.objects.create(user=profiled, full_name="王强")
    assert staff_name(profiled) == "王强"  # the staff profile's name first
    assert staff_name(User.objects.create(username="lm", last_name="李", first_name="明")) == "李明"
    assert staff_name(User.objects.create(username="js", last_name="Smith", first_name="Jane")) == "Jane Smith"
    assert staff_name(User.objects.create(username="only_login")) == "only_login"
    assert staff_name(None) == ""


def test_the_petition_pages_timeline_names_staff(routed, users):
    html = logged_in(users["demo_clerk"]).get(f"/petitions/{routed.pk}/").content.decode()
    events = timeline(html)
    assert "东登记" in events and "东分办" in events  # registered by, routed by
    assert "demo_clerk" not in events and "demo_dispatcher" not in events


def test_the_api_events_name_staff(routed, users, client):
    from xinfang.api.tokens import token_create

    token = token_create(user=users["demo_clerk"])
    response = client.get(f"/api/v1/petitions/{routed.pk}/events", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert [e["actor"] for e in response.json()] == ["东登记", "东分办"]


def test_a_deleted_account_keeps_its_login_name_and_system_entries_stay_unnamed(routed, users):
    from xinfang.workflow.models import PetitionEvent

    PetitionEvent.objects.filter(petition=routed, action="assign").update(actor=None)  # as SET_NULL does
    PetitionEvent.objects.create(petition=routed, action="note", at=timezone.now() + dt.timedelta(minutes=1))
    actors = [event_actor(e) for e in petition_events(routed)]
    assert actors == ["东登记", "demo_dispatcher", ""]
    # event_actor also names an event that did not come through petition_events
    assert event_actor(PetitionEvent.objects.filter(petition=routed).order_by("at", "id").first()) == "东登记"


def test_exports_name_who_exported(routed, users):
    response = logged_in(users["demo_dispatcher"]).get("/queue/all/?export=xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    about = {row[0].value: row[1].value for row in wb.worksheets[-1].iter_rows() if row[0].value}
    assert about["导出人"] == "东分办"
    assert not any(re.fullmatch(r"demo_\w+", str(v)) for v in about.values())


def test_the_dossier_names_staff(routed, users, settings, tmp_path):
    import subprocess

    from xinfang.reports.dossier import dossier_build

    settings.MEDIA_ROOT = str(tmp_path)
    pdf = tmp_path / "dossier.pdf"
    pdf.write_bytes(dossier_build(routed, actor=users["demo_dispatcher"]))
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                                             capture_output=True, text=True).stdout)
    assert "东登记" in text and "东分办" in text  # the timeline and the 立卷人
    assert "demo_" not in text
