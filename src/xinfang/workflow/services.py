"""Transition services: each move is one call, in one transaction, that validates, changes state,
stamps the time, recomputes deadlines, appends a timeline event and an audit record (DESIGN §4)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common import calendar as bizcal
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.common.models import CalendarDay, CalendarYear
from xinfang.org.jurisdiction import memberships
from xinfang.org.models import Unit
from xinfang.petitions.choices import OPEN_STATES, Channel, Status
from xinfang.petitions.models import Petition, PetitionAccess
from xinfang.petitions.reach import reach_set_id
from xinfang.petitions.selectors import petitions_visible
from xinfang.petitions.services import (
    PetitionerInput,
    number_assign,
    petition_prepare,
    petition_store,
    write_turn,
)

from . import deadlines as dl
from .actions import EFFECTS, Ctx
from .facts import facts_refresh, repeat_recorded
from .guards import barred_paths, guard_person, guard_unit, person_barred, unit_barred
from .models import ActionGrant, Deadline, PetitionEvent
from .queues import queue_counts_forget
from .rules import acting_unit, roles_for
from .transitions import CITIZEN_ACTIONS, PASS_ON_ACTIONS, TABLE

HOTLINE_KEYS = {"consult": "hotline_consult", "help": "hotline_help", "suggest": "hotline_suggest",
                "complaint": "hotline_complaint", "report": "hotline_report"}


def event_add(*, petition: Petition, action: str, actor=None, unit: Unit | None = None, from_status: str = "",
              to_status: str = "", note: str = "", data: dict | None = None, at: dt.datetime | None = None):
    return PetitionEvent.objects.create(
        petition=petition, action=action, from_status=from_status, to_status=to_status, actor=actor,
        actor_name=getattr(actor, "username", "") if actor else "", unit=unit, at=at or timezone.now(),
        note=note, data=_jsonable(data or {}))


def _jsonable(data: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in data.items()}


def _registration_deadlines(petition_fields: dict, unit: Unit) -> list[Deadline]:
    """The limits a registration opens (unsaved, due days computed): 登记转送 and 受理告知, and the 12345
    limit of a hotline call whose demand type has an active policy."""
    received = dl.local_date(petition_fields["received_at"])
    plans = [("route", None), ("accept", None)]
    demand_type = petition_fields.get("demand_type")
    if petition_fields.get("channel") == Channel.HOTLINE and demand_type in HOTLINE_KEYS:
        key = HOTLINE_KEYS[demand_type]
        if dl.policy(key, unit)[2]:
            plans.append(("hotline", key))
    out = []
    for kind, key in plans:
        days, working, _active = dl.policy(key or kind, unit)
        due, provisional = dl.compute_due(received, days, working)
        out.append(Deadline(kind=kind, start=received, days=days, working_days=working, due=due,
                            provisional=provisional))
    return out


def _new_petition_facts(deadlines: list[Deadline]) -> dict:
    """The stored facts (workflow.facts) of a petition whose only rows are these new running limits: what
    `facts_refresh` would compute from them, without the query (tests/deploy check both agree)."""
    from .facts import _FLOOR, ACCEPT_KINDS, REPLY_KINDS, RUNNING

    def running(kinds):
        dues = [d.due for d in deadlines if d.kind in kinds]
        return (RUNNING, min(dues)) if dues else (None, None)

    accept, accept_due = running(ACCEPT_KINDS)
    reply, reply_due = running(REPLY_KINDS)
    starts = [d.start for d in deadlines]
    facts_at = timezone.make_aware(dt.datetime.combine(max(starts), dt.time.min)) if starts else _FLOOR
    return {"fact_accept": accept, "fact_accept_open_due": accept_due, "fact_reply": reply,
            "fact_reply_open_due": reply_due, "fact_review_at": None, "fact_evaluation": None,
            "facts_at": max(facts_at, _FLOOR), "fact_repeat_at": None}


def petition_register(*, actor, unit: Unit | None = None, petitioners: list[PetitionerInput] | None = None,
                      issue_receipt: bool = True, duplicate_reason: str = "", at: dt.datetime | None = None,
                      **fields) -> tuple[Petition, str]:
    """登记: the clerk's unit receives the petition; opens the 15-day route and acceptance limits.
    `issue_receipt=False` (imports of legacy ledgers) records no 登记回执 to issue. `duplicate_reason`:
    why the clerk registered it as new despite an open or final matter of the same petitioner in
    the same category (kept on the register event). `at` stamps the registration at a past instant
    (the demo's replay; never from user input).

    Everything that reads (validation, look-ups, encryption, the deadlines' due days) happens before
    the transaction; inside it only the writes, each row written once (on SQLite the transaction holds
    the database's write lock, so its length bounds the registrations per second)."""
    t = TABLE["register"]
    roles = roles_for(t)
    clerk_units = [m.unit for m in memberships(actor) if m.role in roles]
    if unit is None:
        unit = clerk_units[0] if clerk_units else None
    if unit is None or unit.pk not in {u.pk for u in clerk_units}:
        raise ApplicationError(_("您没有登记信访件的权限。"), "illegal_transition")
    prepared = petition_prepare(unit=unit, petitioners=petitioners, **fields)
    deadlines = _registration_deadlines(prepared.fields, unit)
    facts = _new_petition_facts(deadlines)
    today = timezone.localdate()
    current = min(enumerate(deadlines), key=lambda pair: (pair[1].due, pair[0]))[1]
    due = {"due_kind": current.kind, "due_start": current.start, "due_on": current.due,
           "due_provisional": current.provisional,
           "warning_level": dl.warning_for(current.start, current.due, today, current.working_days)}
    # the registering unit is the one unit it has reached (its access row follows in the transaction)
    reach = reach_set_id([unit.pk])

    def before_insert(petition: Petition, existing_people: list[int]) -> None:
        # 首问负责: the staff member who first received this petitioner stays their contact (only a
        # petitioner stored before can have an earlier petition)
        earlier = (Petition.objects.filter(petitioner_links__petitioner_id__in=existing_people,
                                           first_contact__is_active=True)
                   .order_by("received_at", "id").values_list("first_contact", flat=True).first()
                   ) if existing_people and not petition.is_anonymous else None
        if earlier:
            petition.first_contact_id = earlier
        else:
            petition.first_contact = actor  # the object, so the answer needs no query for it
        for name, value in {**due, **facts}.items():
            setattr(petition, name, value)
        petition.reach_set_id = reach

    with write_turn(), transaction.atomic():
        petition, code = petition_store(prepared, clerk=actor, before_insert=before_insert, number_later=True)
        PetitionAccess.objects.create(petition=petition, unit=unit, reason="register")
        for d in deadlines:
            d.petition = petition
        Deadline.objects.bulk_create(deadlines)
        repeat_recorded(petition)
        # the tracking number last: from here to the commit the unit's number row is locked (PostgreSQL)
        number_assign(petition, code)
        event_add(petition=petition, action="register", actor=actor, unit=unit, to_status=Status.REGISTERED,
                  data={"documents": ["登记回执"] if issue_receipt else [], "channel": petition.channel,
                        "headcount": petition.headcount, **({} if issue_receipt else {"imported": True}),
                        **({"duplicate_reason": duplicate_reason} if duplicate_reason else {})}, at=at)
        if petition.first_contact_id != actor.pk and issue_receipt:  # not for a legacy ledger's rows
            from django.urls import reverse

            from xinfang.notifications.services import notify

            notify(recipients=[petition.first_contact], kind="first_contact", petition=petition,
                   title=_("您首问接待的信访人再次来访：%(n)s") % {"n": petition.number},
                   body=_("%(clerk)s登记了您首问接待的信访人的新信访件，请跟进。") % {
                       "clerk": f"{actor.last_name}{actor.first_name}" or actor.username},
                   link=reverse("web:petition", args=[petition.pk]), dedupe_key=f"first_contact:{petition.pk}")
        audit_record(actor=actor, action="petition.register", obj=petition,
                     data={"number": petition.number, "unit": unit.code})
    return petition, code


def allowed_actions(user, petition: Petition) -> list[str]:
    """The moves `user` may take on `petition` now (for the UI); the services check again."""
    from .actions import current_opinion, evaluation_open, pending_objection

    barred_person = person_barred(petition, user) is not None
    barred = barred_paths(petition)  # once, not once per action
    granted: dict[str, set[str]] = {}  # the configured grants, read once (as `roles_for` reads them per action)
    for grant_action, role in ActionGrant.objects.values_list("action", "role"):
        granted.setdefault(grant_action, set()).add(role)
    result = []
    for action, t in TABLE.items():
        if action == "register":
            continue
        if t.sources and petition.status not in t.sources:
            continue
        unit = acting_unit(user, petition, t, roles=set(t.roles) | granted.get(action, set()))
        if unit is None:
            continue
        if action == "declare_conflict":
            if not petition.conflicts.filter(user=user).exists():
                result.append(action)
            continue
        if barred_person or (action not in PASS_ON_ACTIONS and unit_barred(petition, unit, barred)):
            continue
        if action in ("confirm_objection", "reject_objection") and pending_objection(petition) is None:
            continue
        if action == "object" and pending_objection(petition) is not None:
            continue
        if action == "deliver":
            opinion = current_opinion(petition)
            if opinion is None or opinion.deliveries.exists():
                continue
        if action == "evaluate" and not evaluation_open(petition):
            continue
        result.append(action)
    return result


def petition_act(*, actor, petition_id, action: str, version, params: dict | None = None,
                 citizen: bool = False, at: dt.datetime | None = None) -> Petition:
    """Take one move of the transition table. `citizen=True` is the portal's path (actor None; the
    caller has proved the query code). `at` stamps the move at a past instant (the demo's replay and
    ledger imports; never from user input): every clock then counts from that instant."""
    t = TABLE.get(action)
    if t is None or action == "register":
        raise NotFound(_("未知的操作：%(a)s") % {"a": action})
    if citizen and action not in CITIZEN_ACTIONS:
        raise ApplicationError(_("信访人不能执行此操作。"), "illegal_transition")
    if version is None or isinstance(version, bool) or not isinstance(version, int):
        raise ApplicationError(_("请提供信访件的版本号（version）。"), "invalid", "version")
    params = dict(params or {})
    with transaction.atomic():
        if citizen:
            petition = Petition.objects.select_for_update().filter(pk=petition_id).first()
            if petition is None:
                raise NotFound(_("信访件不存在。"))
        else:
            try:
                visible = petitions_visible(actor).filter(pk=int(petition_id)).exists()
            except (TypeError, ValueError):
                visible = False
            if not visible:  # jurisdiction: 404 outside it
                raise NotFound(_("信访件不存在。"))
            petition = Petition.objects.select_for_update(of=("self",)).select_related(
                "receiving_unit", "handling_unit", "review_unit", "accused_unit").get(pk=petition_id)
        if petition.version != version:
            raise ApplicationError(_("该信访件已被他人修改（当前版本%(v)d），请刷新后重试。") % {"v": petition.version},
                                   "stale_version", "version")
        if t.sources and petition.status not in t.sources:
            raise ApplicationError(_("信访件当前状态为“%(s)s”，不能执行“%(a)s”。") % {
                "s": petition.get_status_display(), "a": t.label}, "illegal_transition")
        unit = None
        if not citizen:
            unit = acting_unit(actor, petition, t)
            if unit is None:
                raise ApplicationError(_("您在当前环节无权执行“%(a)s”。") % {"a": t.label}, "illegal_transition")
            if action != "declare_conflict":  # 回避: every actor of every move
                guard_person(petition, actor)
            if action not in PASS_ON_ACTIONS:  # an accused unit may only pass an accusation on
                guard_unit(petition, unit, None)
        now = at or timezone.now()
        ctx = Ctx(petition=petition, actor=None if citizen else actor, unit=unit, now=now,
                  today=timezone.localdate(now), params=params)
        from_status = petition.status
        EFFECTS[action](ctx)
        if t.target and petition.status == from_status:
            petition.status = t.target
        petition.version += 1
        dl.refresh_current_due(petition, ctx.today)
        facts_refresh(petition)
        petition.save()
        event_add(petition=petition, action=action, actor=ctx.actor, unit=unit, from_status=from_status,
                  to_status=petition.status, note=ctx.note, data=ctx.data, at=now)
        audit_record(actor=ctx.actor or "citizen", action=f"petition.{action}", obj=petition,
                     data={"from": from_status, "to": petition.status, "version": petition.version})
        if ctx.actor is not None:
            actor_pk = ctx.actor.pk
            transaction.on_commit(lambda: queue_counts_forget([actor_pk]))
    return petition


# ---- sweeps (run by the worker) ------------------------------------------------------------------

def deadlines_sweep(today: dt.date | None = None) -> int:
    """Refresh the stored warning level of every open petition; returns how many changed."""
    today = today or timezone.localdate()
    changed = 0
    qs = Petition.objects.filter(status__in=OPEN_STATES, due_on__isnull=False).only(
        "id", "due_kind", "due_start", "due_on", "due_provisional", "warning_level")
    for petition in qs.iterator(chunk_size=2000):
        fields = dl.refresh_current_due(petition, today)
        if fields:
            petition.save(update_fields=fields)
            changed += 1
    return changed


def petitions_close_expired(today: dt.date | None = None) -> int:
    """办结 automatically when the 复查/复核 request window has passed unused."""
    today = today or timezone.localdate()
    expired = Deadline.objects.filter(kind__in=("review_request", "rereview_request"), met_at__isnull=True,
                                      cancelled=False, due__lt=today,
                                      petition__status__in=(Status.REPLIED, Status.REVIEWED))
    count = 0
    for petition_id in expired.values_list("petition_id", flat=True).distinct():
        with transaction.atomic():
            p = Petition.objects.select_for_update().get(pk=petition_id)
            if p.status not in (Status.REPLIED, Status.REVIEWED):
                continue
            from_status, now = p.status, timezone.now()
            dl.deadlines_cancel(p)
            p.status, p.closed_at, p.version = Status.CLOSED, now, p.version + 1
            dl.refresh_current_due(p, today)
            facts_refresh(p)
            p.save()
            event_add(petition=p, action="close", from_status=from_status, to_status=Status.CLOSED,
                      note=_("复查/复核申请期限届满，自动办结。"), data={"automatic": True}, at=now)
            audit_record(actor="system", action="petition.close", obj=p, data={"automatic": True})
            count += 1
    return count


# ---- calendar --------------------------------------------------------------------------------

def calendar_year_set(*, actor, year: int, days: list[tuple[dt.date, bool, str]]) -> int:
    """Enter (or correct) a year's State Council schedule (holidays and 调休 workdays); recompute the
    open deadlines that were provisional or whose period touches that year. Returns how many."""
    if not 2000 <= int(year) <= 2100:
        raise ApplicationError(_("年份无效。"), "invalid", "year")
    for day, _is_work, _name in days:
        if day.year != year:
            raise ApplicationError(_("日期%(d)s不属于%(y)d年。") % {"d": day, "y": year}, "invalid", "days")
    with transaction.atomic():
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create([CalendarDay(date=d, is_workday=w, name=n[:64]) for d, w, n in days])
        CalendarYear.objects.update_or_create(year=year, defaults={"source": CalendarYear.SOURCE_ADMIN})
        audit_record(actor=actor, action="calendar.year_set", object_type="calendar", object_id=str(year),
                     data={"days": len(days)})
        transaction.on_commit(bizcal.invalidate)
        bizcal.invalidate()
        return deadlines_recompute(provisional_only=True, year=int(year))


def deadlines_recompute(*, provisional_only: bool = True, year: int | None = None) -> int:
    """Recompute stored due dates (after a calendar change) and the petitions' current deadlines.
    With `provisional_only`, only the provisional ones and (given `year`) those whose period touches
    that year: a correction of a known year moves the deadlines running through it."""
    cal = bizcal.current_calendar()
    qs = Deadline.objects.filter(met_at__isnull=True, cancelled=False)
    if provisional_only:
        touched = Q(provisional=True)
        if year is not None:
            touched |= Q(start__year__lte=year, due__year__gte=year)
        qs = qs.filter(touched)
    petitions, count = set(), 0
    for d in qs.iterator(chunk_size=2000):
        due, provisional = dl.compute_due(d.start, d.days, d.working_days, d.extra_days, cal)
        if (due, provisional) != (d.due, d.provisional):
            d.due, d.provisional = due, provisional
            d.save(update_fields=["due", "provisional"])
        petitions.add(d.petition_id)
        count += 1
    for p in Petition.objects.filter(pk__in=petitions):
        fields = dl.refresh_current_due(p) + facts_refresh(p)
        if fields:
            p.save(update_fields=fields)
    return count
