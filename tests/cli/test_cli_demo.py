"""`xinfang demo`: every state, both districts, real events and audit rows, idempotent with --if-empty;
a history replayed at plausible past instants, so its KPIs look like a real office's."""

import datetime as dt
import json
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from xinfang.audit.models import AuditEntry
from xinfang.audit.services import audit_verify
from xinfang.common.calendar import current_calendar
from xinfang.common.validators import is_valid_id_number
from xinfang.org.demo import DEMO_PASSWORD
from xinfang.petitions.choices import Status
from xinfang.petitions.models import Petition, Petitioner
from xinfang.workflow.models import Deadline, Delivery, Evaluation, Extension, PetitionEvent, Reply


def _replayed():
    """The demo's replayed petitions, without the one its 下访 seed registers from a matter heard."""
    from xinfang.oversight.leadership.models import FieldVisitMatter

    registered = FieldVisitMatter.objects.filter(petition__isnull=False).values("petition_id")
    return Petition.objects.exclude(pk__in=registered)


def _demo(*args) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_demo_builds_every_state_in_both_districts(db):
    output = _demo("--petitions", "45", "--seed", "7")
    petitions = _replayed()
    assert petitions.count() == 45
    assert Petition.objects.count() == 46  # and the 下访 matter registered by the leadership seed
    assert set(petitions.values_list("status", flat=True)) == set(Status.values)
    regions = set(petitions.values_list("receiving_unit__region__code", flat=True))
    assert {"990102", "990103"} <= regions
    # both districts carry petitions in many states, not just one each
    for code in ("DH-XF", "XS-XF"):
        assert petitions.filter(receiving_unit__code=code).values("status").distinct().count() >= 5

    # made through the services: one register event per petition, an audit row per event, a sound chain
    assert PetitionEvent.objects.filter(action="register").count() == Petition.objects.count() == 46
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
    _assert_plausible_history(petitions)


def _assert_plausible_history(petitions):
    """Every move in order after receipt, none in the future, staff moves in office hours on working
    days; opinions delivered (a few still waiting, 待送达), evaluations only after an opinion, early
    closes only on a written waiver, and the appeal windows of open petitions still open today."""
    from xinfang.workflow.transitions import OVERLAY_ACTIONS, TABLE

    # the replayed moves; the oversight areas' seeds (督办, 催办, 包案 plans, ...) act at the real now
    replayed = (set(TABLE) - OVERLAY_ACTIONS) | {"own", "own_end", "own_transfer"}
    now, cal = timezone.now(), current_calendar()
    for p in petitions:
        events = [e for e in p.events.order_by("id") if e.action in replayed]
        assert events[0].action == "register" and events[0].at == p.received_at < now
        for before, after in zip(events, events[1:], strict=False):
            assert before.at <= after.at < now, (p.number, before.action, after.action)
            local = timezone.localtime(after.at)
            assert cal.is_workday(local.date()) and dt.time(8, 30) <= local.time() <= dt.time(17, 30), (
                p.number, after.action, local)
    replied = petitions.filter(status=Status.REPLIED)
    assert replied.filter(deliveries__isnull=True).exists()  # 待送达
    assert Delivery.objects.filter(method="post").exists() and Delivery.objects.filter(method="in_person").exists()
    for d in Delivery.objects.select_related("reply"):
        assert d.delivered_at >= timezone.localtime(d.reply.approved_at).date()
    for e in Evaluation.objects.select_related("reply"):
        assert e.reply is not None and e.counted and e.at > e.reply.approved_at
    early = PetitionEvent.objects.filter(action="close", data__waiver=True)
    assert early.exists() and PetitionEvent.objects.filter(action="close", data__waiver=False).exists()
    assert all(e.note for e in early)
    # the worker closes a replied petition once its window has passed: the demo's are still open
    today = timezone.localdate()
    assert not Deadline.objects.filter(kind__in=("review_request", "rereview_request"), met_at__isnull=True,
                                       cancelled=False, due__lt=today,
                                       petition__status__in=(Status.REPLIED, Status.REVIEWED)).exists()


def _bulletin(date_from: dt.date, date_to: dt.date) -> dict:
    out = StringIO()
    call_command("report_bulletin", "--from", date_from.isoformat(), "--to", date_to.isoformat(), "--format", "json",
                 stdout=out)
    return json.loads(out.getvalue())


def test_demo_kpis_look_like_a_real_office(db):
    """The last twelve whole months: acceptance and replies mostly on time (not all), and a volume
    within tens of percent of the same period last year (which the two years of history give)."""
    _demo("--petitions", "120", "--seed", "2026")
    last = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    first = (last.replace(day=1) - dt.timedelta(days=330)).replace(day=1)
    data = _bulletin(first, last)
    kpis = {k["key"]: k for k in data["kpis"]}
    for key in ("timely_acceptance", "on_time_reply"):
        kpi = kpis[key]
        assert kpi["denominator"] >= 15, kpi
        assert 60 <= kpi["value"] <= 100, kpi
        assert kpi["yoy"]["previous"] is not None, kpi  # last year has figures to compare with
    items = data["totals"]["yoy"]["items"]
    assert items["previous"] > 0 and -100 < items["change_pct"] < 100, items
    assert kpis["satisfaction"]["denominator"] > 0 and kpis["participation"]["denominator"] > 0
    assert 1 <= kpis["avg_handling_days"]["value"] <= 90
    assert Reply.objects.filter(returned_at__isnull=False).exists()  # 退回修改 happens too
    # not a perfect office either: over the two years some limits were missed
    whole = _bulletin(first - dt.timedelta(days=365), last)
    whole_kpis = {k["key"]: k for k in whole["kpis"]}
    assert whole_kpis["timely_acceptance"]["value"] < 100 and whole_kpis["on_time_reply"]["value"] < 100


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
    first = list(_replayed().order_by("id").values_list("title", "status", "channel", "headcount"))
    Petition.objects.update(repeat_of=None, merged_into=None)
    for p in Petition.objects.all():
        p.delete()
    _demo("--petitions", "15", "--seed", "5")
    second = list(_replayed().order_by("id").values_list("title", "status", "channel", "headcount"))
    assert first == second
