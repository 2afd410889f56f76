"""`xinfang demo`: every state, both districts, real events and audit rows, idempotent with --if-empty."""

from io import StringIO

from django.core.management import call_command

from xinfang.audit.models import AuditEntry
from xinfang.audit.services import audit_verify
from xinfang.common.validators import is_valid_id_number
from xinfang.org.demo import DEMO_PASSWORD
from xinfang.petitions.choices import Status
from xinfang.petitions.models import Petition, Petitioner
from xinfang.workflow.models import Extension, PetitionEvent


def _demo(*args) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_demo_builds_every_state_in_both_districts(db):
    output = _demo("--petitions", "45", "--seed", "7")
    petitions = Petition.objects.all()
    assert petitions.count() == 45
    assert set(petitions.values_list("status", flat=True)) == set(Status.values)
    regions = set(petitions.values_list("receiving_unit__region__code", flat=True))
    assert {"990102", "990103"} <= regions
    # both districts carry petitions in many states, not just one each
    for code in ("DH-XF", "XS-XF"):
        assert petitions.filter(receiving_unit__code=code).values("status").distinct().count() >= 5

    # made through the services: one register event per petition, an audit row per event, a sound chain
    assert PetitionEvent.objects.filter(action="register").count() == 45
    assert AuditEntry.objects.filter(action__startswith="petition.").count() == PetitionEvent.objects.count()
    assert audit_verify().ok

    # the special cases the demo promises
    refused = petitions.get(status=Status.REJECTED, repeat_of__status=Status.FINAL)
    assert refused.events.order_by("id").last().action == "refuse_again"
    assert set(refused.petitioners.values_list("pk", flat=True)) <= set(
        refused.repeat_of.petitioners.values_list("pk", flat=True))
    for merged in petitions.filter(status=Status.MERGED):
        assert merged.merged_into is not None and merged.merged_into.status not in (Status.MERGED, Status.CLOSED)
    assert petitions.filter(status=Status.REGISTERED, warning_level="overdue").exists()
    assert Extension.objects.filter(approved_at__isnull=True).exists()
    assert petitions.filter(due_on__isnull=False).exists()
    for p in Petitioner.objects.exclude(id_number_enc=""):
        assert is_valid_id_number(p.id_number) and p.id_number[:6] in ("990102", "990103")

    assert DEMO_PASSWORD in output and "demo_clerk2" in output and "demo_city_leader" in output


def test_demo_if_empty_is_idempotent(db):
    _demo("--petitions", "16", "--seed", "3")
    before = (Petition.objects.count(), PetitionEvent.objects.count(), AuditEntry.objects.count())
    output = _demo("--if-empty")
    assert (Petition.objects.count(), PetitionEvent.objects.count(), AuditEntry.objects.count()) == before
    assert "未生成" in output


def test_demo_if_empty_fills_an_empty_database(db):
    _demo("--if-empty", "--petitions", "15", "--seed", "11")
    assert set(Petition.objects.values_list("status", flat=True)) == set(Status.values)


def test_demo_same_seed_same_petitions(db):
    _demo("--petitions", "15", "--seed", "5")
    first = list(Petition.objects.order_by("id").values_list("title", "status", "channel", "headcount"))
    Petition.objects.update(repeat_of=None, merged_into=None)
    for p in Petition.objects.all():
        p.delete()
    _demo("--petitions", "15", "--seed", "5")
    second = list(Petition.objects.order_by("id").values_list("title", "status", "channel", "headcount"))
    assert first == second
