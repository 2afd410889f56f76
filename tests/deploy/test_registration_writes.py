"""Registration's write path (issue 13): the reads happen before the write transaction and every row is
written once, so the stored deadlines summary and facts are computed in memory; these tests hold them
to what the workflow's own recomputation (`refresh_current_due`, `facts_refresh`) says from the rows,
and hold the tracking numbers to one per registration, consecutive per unit and year."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinfang.petitions.models import NumberSequence, Petition
from xinfang.petitions.services import PetitionerInput, next_number
from xinfang.workflow import deadlines as dl
from xinfang.workflow.facts import FACT_FIELDS, facts_refresh
from xinfang.workflow.models import Deadline, DeadlinePolicy

pytestmark = pytest.mark.django_db


def _stored_agrees(petition: Petition) -> None:
    fresh = Petition.objects.get(pk=petition.pk)
    assert dl.refresh_current_due(fresh) == [], "the current deadline stored at registration is not the rows'"
    assert facts_refresh(fresh) == [], {k: getattr(fresh, k) for k in FACT_FIELDS}
    assert fresh.first_contact_id is not None


def test_stored_summary_and_facts_match_the_rows(register):
    petition, _code = register()
    assert sorted(Deadline.objects.filter(petition=petition).values_list("kind", flat=True)) == ["accept", "route"]
    fresh = Petition.objects.get(pk=petition.pk)
    assert fresh.due_kind == "route" and fresh.fact_accept == 1 and fresh.fact_reply is None
    _stored_agrees(petition)


def test_a_registration_received_last_year(register):
    received = timezone.now() - dt.timedelta(days=400)
    petition, _code = register(received_at=received)
    assert petition.year == timezone.localtime(received).year
    _stored_agrees(petition)


def test_a_hotline_call_with_its_limit(register):
    DeadlinePolicy.objects.update_or_create(key="hotline_consult", unit=None,
                                            defaults={"days": 2, "working_days": True, "is_active": True})
    dl.invalidate_policies()
    petition, _code = register(channel="hotline", demand_type="consult")
    kinds = sorted(Deadline.objects.filter(petition=petition).values_list("kind", flat=True))
    assert kinds == ["accept", "hotline", "route"]
    fresh = Petition.objects.get(pk=petition.pk)
    assert fresh.fact_reply == 1 and fresh.fact_reply_open_due is not None
    _stored_agrees(petition)


def test_first_contact_of_a_returning_petitioner(register, users):
    first, _ = register()
    again, _ = register(actor=users["demo_clerk"])
    assert again.first_contact_id == first.first_contact_id == users["demo_clerk"].pk
    anonymous, _ = register(petitioners=[], is_anonymous=True)
    assert anonymous.first_contact_id == users["demo_clerk"].pk
    for p in (first, again, anonymous):
        _stored_agrees(p)


def test_numbers_are_consecutive_per_unit_and_year(register, users):
    received_last_year = timezone.now() - dt.timedelta(days=400)
    made = [register(petitioners=[PetitionerInput(name=f"甲{i}")])[0] for i in range(3)]
    made += [register(petitioners=[PetitionerInput(name=f"乙{i}")], received_at=received_last_year)[0]
             for i in range(2)]
    made += [register(actor=users["demo_clerk2"], petitioners=[PetitionerInput(name=f"丙{i}")])[0] for i in range(2)]
    by_key: dict[tuple[int, int], list[int]] = {}
    for p in made:
        by_key.setdefault((p.receiving_unit_id, p.year), []).append(p.seq)
        assert p.number.endswith(f"-{p.year}-{p.seq:06d}")
    assert sorted(len(v) for v in by_key.values()) == [2, 2, 3]
    for (unit, year), seqs in by_key.items():
        assert seqs == list(range(1, len(seqs) + 1))
        assert NumberSequence.objects.get(unit_id=unit, year=year).last == len(seqs)


def test_a_rolled_back_registration_returns_its_number(org):
    from django.db import transaction

    unit = org.units["DH-XF"]
    with transaction.atomic():
        assert next_number(unit, 2031)[1] == 1
    try:
        with transaction.atomic():
            assert next_number(unit, 2031)[1] == 2
            raise RuntimeError("the registration failed after its number was drawn")
    except RuntimeError:
        pass
    with transaction.atomic():
        assert next_number(unit, 2031)[1] == 2  # not skipped


def test_the_write_transaction_holds_only_writes(register):
    register()  # warm the per-process caches (policies, calendar)
    with CaptureQueriesContext(connection) as q:
        register(petitioners=[PetitionerInput(name="新来的人", phone="13900139000")])
    sql = [x["sql"] for x in q.captured_queries]
    # the transaction of the registration: from its first write to its last
    first = next(i for i, s in enumerate(sql) if s.startswith(("INSERT", "UPDATE")))
    inside = sql[first:]
    reads = [s for s in inside if s.startswith("SELECT") and "FOR UPDATE" not in s
             and "audit_audithead" not in s and "petitions_petitioner" not in s
             and "insight_similarity" not in s]
    assert not reads, reads  # category, units, policies and the calendar were read before
    assert sum(1 for s in inside if "petitions_numbersequence" in s) == 1
    updates = [s for s in inside if s.startswith('UPDATE "petitions_petition" ')]
    # written once, and then only its tracking number (drawn last, see petition_store)
    assert len(updates) == 1 and '"number"' in updates[0] and '"first_contact_id"' not in updates[0], updates
    assert inside.index(next(s for s in inside if "petitions_numbersequence" in s)) > inside.index(
        next(s for s in inside if s.startswith('INSERT INTO "workflow_deadline"'))), "the number was drawn early"
