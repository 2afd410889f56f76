"""The sweep rules of 催办与时限提醒 (issue 10), one function each, run on every scheduled sweep after
the workflow has refreshed the stored warning levels (`sweep_register("urging", sweep, order=50)`).

Every rule fires once per fact: a notice carries a dedupe key naming the fact (the petition and its
deadline, the opinion, the period), an automatic urge is a unique row; so the sweep may run every
minute. Each rule reads the policy of the responsible unit (policy.Policies).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.calendar import current_calendar, working_days_between
from xinfang.notifications.models import Notification
from xinfang.notifications.selectors import unit_members
from xinfang.notifications.services import notify
from xinfang.org.choices import Role, UnitKind
from xinfang.petitions.choices import OPEN_STATES, Status, WarningLevel
from xinfang.petitions.models import Petition
from xinfang.workflow.choices import CURRENT_OPINION_KINDS, DeadlineKind
from xinfang.workflow.deadlines import local_date
from xinfang.workflow.models import Deadline, Delivery, Evaluation, Reply

from .models import Contact, Urge
from .policy import Policies
from .services import petition_link, responsible_unit, urge_auto

logger = logging.getLogger("xinfang.worker")

HANDLING_STATES = (Status.ACCEPTED, Status.IN_HANDLING, Status.REPLY_PENDING)
# deadlines that wait on the petitioner or run an objection, not on the unit's work: no reminder or urge
NOT_WORK = (DeadlineKind.REVIEW_REQUEST, DeadlineKind.REREVIEW_REQUEST, DeadlineKind.OBJECT)
_RELATED = ("receiving_unit__parent", "handling_unit__parent", "handler")


def _sent(keys) -> set[str]:
    """The dedupe keys already sent to someone (a rule skips those facts without asking per recipient)."""
    keys = list(keys)
    found: set[str] = set()
    for i in range(0, len(keys), 500):
        found |= set(Notification.objects.filter(dedupe_key__in=keys[i:i + 500]).values_list("dedupe_key", flat=True))
    return found


def _handler_or(petition: Petition, unit, roles) -> list:
    """The case's handler, else the unit's members of `roles`."""
    if petition.handler_id and petition.handler.is_active:
        return [petition.handler]
    return unit_members(unit, roles)


def _kind_label(kind: str) -> str:
    try:
        return str(DeadlineKind(kind).label)
    except ValueError:
        return kind


def _due_label(petition: Petition) -> str:
    return _kind_label(petition.due_kind)


def _send(key: str, recipients, kind: str, title: str, body: str, petition, now, anchor: str = "") -> int:
    with transaction.atomic():
        return len(notify(recipients=recipients, kind=kind, title=title, body=body, petition=petition,
                          link=petition_link(petition, anchor), dedupe_key=key, at=now))


# ---- the rules -----------------------------------------------------------------------------------

def rule_warning_reminders(now: dt.datetime, policies: Policies | None = None) -> int:
    """预警 / 严重警告: remind the handler (the competent unit's dispatchers when none), once per level
    and deadline. A petition first seen at 警告 gets the 预警 reminder."""
    policies = policies or Policies()
    qs = (Petition.objects.filter(status__in=OPEN_STATES, due_on__isnull=False,
                                  warning_level__in=(WarningLevel.NOTICE, WarningLevel.WARNING, WarningLevel.SEVERE))
          .exclude(due_kind__in=NOT_WORK).select_related(*_RELATED))
    facts = []
    for p in qs.iterator(chunk_size=1000):
        level = "severe" if p.warning_level == WarningLevel.SEVERE else "notice"
        facts.append((f"urging:{level}:{p.pk}:{p.due_kind}:{p.due_on}", level, p))
    sent, count = _sent(k for k, _l, _p in facts), 0
    for key, level, p in facts:
        if key in sent:
            continue
        unit = responsible_unit(p)
        pol = policies.for_unit(unit)
        if not (pol.remind_severe if level == "severe" else pol.remind_notice):
            continue
        values = {"n": p.number, "d": _due_label(p), "on": p.due_on}
        if level == "severe":
            kind, title = "deadline_serious", _("严重警告：%(n)s 的%(d)s时限将于%(on)s届满") % values
        else:
            kind, title = "deadline_warning", _("时限预警：%(n)s 的%(d)s时限将于%(on)s届满") % values
        count += _send(key, _handler_or(p, unit, [Role.DISPATCHER]), kind, title,
                       _("请在到期日前办理，避免超期。"), p, now)
    return count


def _overdue(today: dt.date) -> list[tuple[Petition, str, dt.date]]:
    """Open petitions with a work deadline (not the petitioner's request windows nor an objection's)
    that passed before `today`: each once, with its earliest such deadline. Read from the stored
    deadlines, not the petition's current one, which may be an objection window running alongside."""
    rows = (Deadline.objects.filter(met_at__isnull=True, cancelled=False, due__lt=today,
                                    petition__status__in=OPEN_STATES).exclude(kind__in=NOT_WORK)
            .order_by("petition_id", "due", "id").values_list("petition_id", "kind", "due"))
    first: dict[int, tuple[str, dt.date]] = {}
    for pk, kind, due in rows:
        first.setdefault(pk, (kind, due))
    out = []
    ids = list(first)
    for i in range(0, len(ids), 500):
        for p in Petition.objects.filter(pk__in=ids[i:i + 500]).select_related(*_RELATED):
            out.append((p, *first[p.pk]))
    return out


def rule_auto_urge(now: dt.datetime, policies: Policies | None = None) -> int:
    """The day after a deadline passed: an automatic 催办 (an Urge row, an `urge` timeline event, a
    notice to the responsible unit), once per petition and due day."""
    policies = policies or Policies()
    today = timezone.localdate(now)
    facts = _overdue(today)
    done = set(Urge.objects.filter(auto=True, petition_id__in=[p.pk for p, _k, _d in facts])
               .values_list("petition_id", "due_on"))
    count = 0
    for p, kind, due in facts:
        if (p.pk, due) in done or not policies.for_unit(responsible_unit(p)).auto_urge:
            continue
        if urge_auto(petition=p, at=now, due_kind=kind, due_on=due) is not None:
            count += 1
    return count


def supervisors_for(unit) -> list:
    """The supervisors of the petition office of the unit's region: walking up from the unit, the
    first level whose petition office (the unit itself or a child of the node) has any."""
    from xinfang.org.models import Unit

    node = unit
    while node is not None:
        offices = [node] if node.kind == UnitKind.PETITION_OFFICE else list(
            Unit.objects.filter(parent=node, kind=UnitKind.PETITION_OFFICE, is_active=True))
        people = unit_members(offices, [Role.SUPERVISOR]) if offices else []
        if people:
            return people
        node = node.parent if node.parent_id else None
    return []


def rule_escalation(now: dt.datetime, policies: Policies | None = None) -> int:
    """N working days overdue: tell the supervisors of the region's petition office and the responsible
    unit's leaders, once per deadline."""
    policies = policies or Policies()
    today = timezone.localdate(now)
    facts = [(f"urging:escalate:{p.pk}:{due}", p, kind, due) for p, kind, due in _overdue(today)]
    sent, count, cal = _sent(f[0] for f in facts), 0, current_calendar()
    for key, p, kind, due in facts:
        if key in sent:
            continue
        unit = responsible_unit(p)
        n = policies.for_unit(unit).escalate_after
        late = working_days_between(due, today, cal)
        if not n or late < n:
            continue
        recipients = supervisors_for(unit) + unit_members(unit, [Role.LEADER])
        title = _("超期升级：%(n)s 已超期%(d)d个工作日") % {"n": p.number, "d": late}
        body = _("%(u)s承办的信访件%(d)s已于%(on)s届满，至今未办结，请督促。") % {
            "u": unit.name, "d": _kind_label(kind), "on": due}
        count += _send(key, recipients, "escalation", title, body, p, now, "#urging")
    return count


def _current_opinions():
    current = Q(pk__in=[])
    for status, kinds in CURRENT_OPINION_KINDS.items():
        current |= Q(kind__in=kinds, petition__status=status)
    return Reply.objects.filter(current, approved_at__isnull=False, returned_at__isnull=True)


def rule_delivery_reminders(now: dt.datetime, policies: Policies | None = None) -> int:
    """An opinion issued N days ago and still not recorded as delivered: remind the handler and the
    receiving unit's clerks, once per opinion."""
    policies = policies or Policies()
    today = timezone.localdate(now)
    undelivered = _current_opinions().exclude(Exists(Delivery.objects.filter(reply=OuterRef("pk"))))
    rows = list(undelivered.select_related("petition__receiving_unit__parent", "petition__handling_unit__parent",
                                           "petition__handler"))
    sent, count = _sent(f"urging:delivery:{r.pk}" for r in rows), 0
    for r in rows:
        key, p = f"urging:delivery:{r.pk}", r.petition
        n = policies.for_unit(responsible_unit(p)).delivery_after
        if key in sent or not n or (today - local_date(r.approved_at)).days < n:
            continue
        recipients = ([p.handler] if p.handler_id else []) + unit_members(p.receiving_unit, [Role.CLERK])
        title = _("待送达：%(n)s 的%(k)s已出具%(d)d日，尚未登记送达") % {
            "n": p.number, "k": r.get_kind_display(), "d": (today - local_date(r.approved_at)).days}
        count += _send(key, recipients, "delivery_due", title, _("请尽快送达信访人并登记送达情况。"), p, now)
    return count


def rule_evaluation_reminders(now: dt.datetime, policies: Policies | None = None) -> int:
    """An opinion issued (or delivered) N days ago, its evaluation window still open and no evaluation
    collected: remind the receiving unit's clerks (回访), once per opinion."""
    policies = policies or Policies()
    today = timezone.localdate(now)
    window = settings.XINFANG["EVALUATION_WINDOW_DAYS"]
    evaluated = Evaluation.objects.filter(reply=OuterRef("pk"), counted=True)
    first_delivery = Delivery.objects.filter(reply=OuterRef("pk")).order_by("delivered_at", "id").values(
        "delivered_at")[:1]
    # opinions issued within the window (and a margin for a late delivery); older ones cannot be judged
    rows = list(Reply.objects.filter(approved_at__isnull=False, returned_at__isnull=True,
                                     approved_at__gte=now - dt.timedelta(days=window + 90))
                .exclude(Exists(evaluated)).exclude(petition__status=Status.MERGED)
                .annotate(delivered_on=Subquery(first_delivery))
                .select_related("petition__receiving_unit__parent", "petition__handling_unit__parent")
                .order_by("petition_id", "-approved_at", "-id"))
    latest: dict[int, Reply] = {}
    for r in rows:  # only the latest opinion of each petition may be evaluated
        latest.setdefault(r.petition_id, r)
    sent, count = _sent(f"urging:evaluation:{r.pk}" for r in latest.values()), 0
    for r in latest.values():
        key, p = f"urging:evaluation:{r.pk}", r.petition
        if key in sent:
            continue
        start = r.delivered_on or local_date(r.approved_at)
        n = policies.for_unit(responsible_unit(p)).evaluation_after
        if not n or (today - start).days < n or (today - start).days > window:
            continue
        title = _("待评价：%(n)s 的%(k)s尚未回访评价") % {"n": p.number, "k": r.get_kind_display()}
        body = _("评价期限为出具（送达）后%(w)d日，请及时回访信访人。") % {"w": window}
        count += _send(key, unit_members(p.receiving_unit, [Role.CLERK]), "evaluation_due", title, body, p, now)
    return count


def rule_review_window(now: dt.datetime, policies: Policies | None = None) -> int:
    """A 复查/复核 request window closing within N days: tell the handler and the competent unit's
    dispatchers (the case closes by itself when it passes), once per window."""
    policies = policies or Policies()
    today = timezone.localdate(now)
    rows = list(Deadline.objects.filter(kind__in=(DeadlineKind.REVIEW_REQUEST, DeadlineKind.REREVIEW_REQUEST),
                                         met_at__isnull=True, cancelled=False, due__gte=today,
                                         petition__status__in=(Status.REPLIED, Status.REVIEWED))
                .select_related("petition__receiving_unit__parent", "petition__handling_unit__parent",
                                "petition__handler"))
    sent, count = _sent(f"urging:review_window:{d.pk}" for d in rows), 0
    for d in rows:
        key, p = f"urging:review_window:{d.pk}", d.petition
        unit = responsible_unit(p)
        n = policies.for_unit(unit).review_window_before
        if key in sent or not n or (d.due - today).days > n:
            continue
        recipients = ([p.handler] if p.handler_id else []) + unit_members(unit, [Role.DISPATCHER])
        title = _("%(k)s期限将于%(on)s届满：%(n)s") % {"k": d.get_kind_display(), "on": d.due, "n": p.number}
        body = _("期限届满未申请的，信访件将自动办结；请确认已送达并完成回访。")
        count += _send(key, recipients, "review_window", title, body, p, now)
    return count


def rule_contact_due(now: dt.datetime, policies: Policies | None = None) -> int:
    """一周反馈: no contact with the petitioner within N days of acceptance: remind the handler (the
    competent unit's dispatchers when none), once per acceptance."""
    policies = policies or Policies()
    today = timezone.localdate(now)
    contacted = Contact.objects.filter(petition=OuterRef("pk"), at__gte=OuterRef("accepted_at"))
    qs = (Petition.objects.filter(status__in=HANDLING_STATES, accepted_at__isnull=False, is_anonymous=False)
          .exclude(Exists(contacted)).select_related(*_RELATED))
    facts = [(f"urging:contact:{p.pk}:{local_date(p.accepted_at)}", p) for p in qs.iterator(chunk_size=1000)]
    sent, count = _sent(k for k, _p in facts), 0
    for key, p in facts:
        unit = responsible_unit(p)
        n = policies.for_unit(unit).contact_within
        if key in sent or not n or today < local_date(p.accepted_at) + dt.timedelta(days=n):
            continue
        title = _("请联系信访人：%(n)s 受理已满%(d)d日，尚无联系记录") % {"n": p.number, "d": n}
        body = _("按“一周反馈”的要求，请联系信访人告知办理进展，并在信访件页面登记联系记录。")
        count += _send(key, _handler_or(p, unit, [Role.DISPATCHER]), "contact_due", title, body, p, now, "#contacts")
    return count


def rule_progress_due(now: dt.datetime, policies: Policies | None = None) -> int:
    """一月联系: on a case in handling, every N days after acceptance, a period without any contact with
    the petitioner: remind the handler, once per period."""
    policies = policies or Policies()
    today = timezone.localdate(now)
    last = Contact.objects.filter(petition=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
    qs = (Petition.objects.filter(status__in=HANDLING_STATES, accepted_at__isnull=False, is_anonymous=False)
          .annotate(last_contact=Subquery(last)).select_related(*_RELATED))
    facts = []
    for p in qs.iterator(chunk_size=1000):
        n = policies.for_unit(responsible_unit(p)).progress_every
        if not n:
            continue
        period = (today - local_date(p.accepted_at)).days // n
        if period >= 1:
            facts.append((f"urging:progress:{p.pk}:{local_date(p.accepted_at)}:{period}", p, n, period))
    sent, count = _sent(f[0] for f in facts), 0
    for key, p, n, period in facts:
        if key in sent:
            continue
        start = local_date(p.accepted_at) + dt.timedelta(days=(period - 1) * n)
        if p.last_contact is not None and local_date(p.last_contact) > start:
            continue
        title = _("进展报告提醒：%(n)s 已%(d)d日未联系信访人") % {"n": p.number, "d": n}
        body = _("按“一月联系”的要求，办理期间每%(d)d日应向信访人报告一次进展，并登记联系记录。") % {"d": n}
        count += _send(key, _handler_or(p, responsible_unit(p), [Role.DISPATCHER]), "progress_due", title, body, p,
                       now, "#contacts")
    return count


RULES = (
    ("warning", rule_warning_reminders),
    ("auto_urge", rule_auto_urge),
    ("escalation", rule_escalation),
    ("delivery", rule_delivery_reminders),
    ("evaluation", rule_evaluation_reminders),
    ("review_window", rule_review_window),
    ("contact", rule_contact_due),
    ("progress", rule_progress_due),
)


def sweep(now: dt.datetime) -> dict[str, int | None]:
    """Run every rule once; a failing rule is logged and the others still run."""
    policies = Policies()
    results: dict[str, int | None] = {}
    for name, fn in RULES:
        try:
            results[name] = fn(now, policies)
        except Exception:
            logger.exception("urging rule %s failed", name)
            results[name] = None
    return results
