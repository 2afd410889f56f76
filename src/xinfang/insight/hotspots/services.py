"""Writes of the early warning: the sweep that stores and notifies alerts, acknowledging an alert,
and the public support of imported petitions."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError
from xinfang.org.choices import Role, UnitKind
from xinfang.org.models import Region, Unit
from xinfang.petitions.choices import VisitKind
from xinfang.petitions.models import Category, Petition, PetitionAccess

from . import alerts as aw
from . import engine, selectors
from .models import Alert, AlertKind, PetitionSupport

logger = logging.getLogger("xinfang.insight")

NOTIFY_KIND = "early_warning"
RECIPIENT_ROLES = (Role.ANALYST, Role.LEADER)


# ---- recipients ----------------------------------------------------------------------------------

def covering_units(unit_ids) -> list[Unit]:
    """The units whose jurisdiction holds any of `unit_ids`: the unit, those above it, and the petition
    offices of its region and the regions above (org.jurisdiction.unit_covers)."""
    units = list(Unit.objects.filter(pk__in=list(unit_ids)).select_related("region"))
    if not units:
        return []
    q = Q(pk__in=[])
    for u in units:
        prefixes = _prefixes(u.path)
        q |= Q(path__in=prefixes)
        q |= Q(kind=UnitKind.PETITION_OFFICE, region__path__in=_prefixes(u.region.path))
    return list(Unit.objects.filter(q, is_active=True))


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def recipients_for(petition_ids) -> list:
    from xinfang.notifications.selectors import unit_members

    unit_ids = set(PetitionAccess.objects.filter(petition_id__in=list(petition_ids)).values_list("unit_id", flat=True))
    units = covering_units(unit_ids)
    return unit_members(units, roles=RECIPIENT_ROLES) if units else []


# ---- storing an alert ----------------------------------------------------------------------------

def alert_fire(*, kind: str, key: str, title: str, why: str, week: dt.date, members, now: dt.datetime,
               count: int = 0, baseline: float | None = None, p_value: float | None = None) -> Alert | None:
    """Store the alert unless one with `key` exists, and notify the analysts and leaders whose
    jurisdiction covers its petitions. Returns the new alert, or None when it had fired already."""
    member_ids = [getattr(m, "pk", m) for m in members]
    if not member_ids or Alert.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            alert = Alert.objects.create(kind=kind, key=key[:200], title=title[:200], why=why, fired_at=now,
                                         week=week, count=count, baseline=baseline, p_value=p_value)
            alert.members.set(member_ids)
    except IntegrityError:  # a concurrent sweep stored it first
        return None
    from xinfang.notifications.services import notify

    notify(recipients=recipients_for(member_ids), kind=NOTIFY_KIND,
           title=_("预警：%(t)s") % {"t": title}, body=why,
           link=reverse("web:hotspots_alert", args=[alert.pk]), dedupe_key=f"alert:{alert.key}"[:200], at=now)
    return alert


def _p(p: float) -> str:
    return f"{p:.2g}" if p >= 0.0001 else "<0.0001"


def _rise_why(what: str, r: aw.Rise) -> str:
    return _("%(what)s本周%(n)d件，前%(w)d周平均每周%(b)s件；按泊松分布（基线λ=%(l)s），本周达到%(n)d件及以上的概率"
             "p=%(p)s，低于%(a)s，判定为异常上升。") % {
        "what": what, "n": r.count, "w": aw.BASELINE_WEEKS, "b": f"{r.baseline:.2f}", "l": f"{r.lam:.2f}",
        "p": _p(r.p), "a": aw.ALPHA}


# ---- the sweep -----------------------------------------------------------------------------------

def alerts_sweep(now: dt.datetime) -> dict:
    """Every alert of the week holding `now`: hot-spot, region and category rises, collective visits,
    converging petitioners. Each fires once (its key names the week); returns counts by kind."""
    today = timezone.localdate(now)
    week = engine.week_start(today)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(week - dt.timedelta(weeks=aw.BASELINE_WEEKS), dt.time.min, tzinfo=tz)
    end = now + dt.timedelta(seconds=1)
    petitions = list(selectors.petitions_between(Petition.objects.all(), start, end)[:selectors.MAX_PETITIONS])
    fired = {k: 0 for k in AlertKind.values}
    if not petitions:
        return fired
    # the newest MAX_PETITIONS only: at a hotline's volume they may not reach back to `start`, and the
    # weeks before the oldest one read are then not counted (alerts.week_firings)
    covered_from = None
    if len(petitions) == selectors.MAX_PETITIONS:
        covered_from = timezone.localdate(petitions[-1].received_at) + dt.timedelta(days=1)
        logger.info("early warning: the newest %d petitions reach back to %s only", len(petitions), covered_from)
    docs = selectors.petition_docs(petitions)
    for f in aw.week_firings(docs, week, as_of=now, covered_from=covered_from):
        ps = [docs[m].extra["petition"] for m in f.members]
        if f.kind == "hotspot":
            alert = alert_fire(kind=AlertKind.HOTSPOT, key=f"hotspot:{f.spot.key}:{week}", title=f.spot.title,
                               why=_rise_why(_("热点“%(t)s”") % {"t": f.spot.title}, f.rise), week=week, members=ps,
                               now=now, count=f.rise.count, baseline=f.rise.baseline, p_value=f.rise.p)
        else:
            why = _("%(d)d天内有%(n)d名不同的信访人反映同一事项“%(t)s”（%(k)d件），可能形成集体访。") % {
                "d": aw.CONVERGING_DAYS, "n": f.persons, "t": f.spot.title, "k": len(ps)}
            alert = alert_fire(kind=AlertKind.CONVERGING, key=f"converging:{f.spot.key}:{week}", title=f.spot.title,
                               why=why, week=week, members=ps, now=now, count=len(ps))
        fired[AlertKind.HOTSPOT if f.kind == "hotspot" else AlertKind.CONVERGING] += alert is not None
    del petitions, docs
    fired[AlertKind.REGION] += _group_rises(week, start, end, now, "region")
    fired[AlertKind.CATEGORY] += _group_rises(week, start, end, now, "category")
    fired[AlertKind.COLLECTIVE] += _collective(now, week)
    return fired


def _in_window(start: dt.datetime, end: dt.datetime):
    return Petition.objects.filter(received_at__gte=start, received_at__lt=end, merged_into__isnull=True)


def _group_rises(week: dt.date, start: dt.datetime, end: dt.datetime, now: dt.datetime, dim: str) -> int:
    """Rises of a region (the problem's place and every region above it) or a first-level category,
    counted in the database (every petition of the weeks, however many): items per day and region or
    category, summed per week and per code of the path."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    field = "problem_region__path" if dim == "region" else "category__path"
    tz = timezone.get_current_timezone()
    rows = (_in_window(start, end).filter(**{f"{field}__isnull": False})
            .annotate(day=TruncDate("received_at", tzinfo=tz)).values(field, "day").annotate(n=Count("id"))
            .order_by())
    weekly: dict[str, list[int]] = {}  # code: [this week, 1 week before, …, BASELINE_WEEKS before]
    for row in rows:
        path, day = row[field], row["day"]
        if isinstance(day, dt.datetime):
            day = day.date()
        elif isinstance(day, str):
            day = dt.date.fromisoformat(day[:10])
        age = (week - engine.week_start(day)).days // 7  # 0: this week
        if not 0 <= age <= aw.BASELINE_WEEKS:
            continue
        codes = [c for c in path.strip("/").split("/") if c]
        for code in codes if dim == "region" else codes[:1]:
            weekly.setdefault(code, [0] * (aw.BASELINE_WEEKS + 1))[age] += row["n"]
    fired = 0
    this_week_start = dt.datetime.combine(week, dt.time.min, tzinfo=tz)
    for code, counts in weekly.items():
        r = aw.rise(counts[0], counts[1:])
        if not r.fired:
            continue
        members = list(_in_window(this_week_start, end).filter(**{f"{field}__contains": f"/{code}/"})
                       .order_by("-received_at", "-pk"))
        model = Region if dim == "region" else Category
        name = model.objects.filter(code=code).values_list("name", flat=True).first() or code
        what = (_("属地“%(n)s”的信访件") if dim == "region" else _("内容分类“%(n)s”的信访件")) % {"n": name}
        title = (_("属地上升：%(n)s") if dim == "region" else _("分类上升：%(n)s")) % {"n": name}
        kind = AlertKind.REGION if dim == "region" else AlertKind.CATEGORY
        fired += alert_fire(kind=kind, key=f"{dim}:{code}:{week}", title=title, why=_rise_why(what, r), week=week,
                            members=members, now=now, count=r.count, baseline=r.baseline, p_value=r.p) is not None
    return fired


def _collective(now: dt.datetime, week: dt.date) -> int:
    """Collective visits (集体访, or COLLECTIVE_HEADCOUNT persons or more) received in the last 7 days."""
    fired = 0
    since = now - dt.timedelta(days=7)
    found = (_in_window(since, now + dt.timedelta(seconds=1))
             .filter(Q(visit_kind=VisitKind.COLLECTIVE) | Q(headcount__gte=aw.COLLECTIVE_HEADCOUNT))
             .order_by("received_at", "pk"))
    for p in found:
        why = _("%(at)s登记%(kind)s（%(n)d人），信访件%(num)s。") % {
            "at": timezone.localtime(p.received_at).strftime("%Y-%m-%d %H:%M"),
            "kind": VisitKind(p.visit_kind).label if p.visit_kind else _("来访"), "n": p.headcount or 1,
            "num": p.number}
        fired += alert_fire(kind=AlertKind.COLLECTIVE, key=f"collective:{p.pk}", title=_("集体访：%(n)s") % {
            "n": p.number}, why=why, week=week, members=[p], now=now, count=p.headcount or 1) is not None
    return fired


# ---- acknowledging -------------------------------------------------------------------------------

def alert_acknowledge(*, actor, alert_id) -> Alert:
    """知悉: the first analyst or leader who acknowledges marks the alert for everyone."""
    alert = selectors.alert_get(actor, alert_id)
    with transaction.atomic():
        updated = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_by=actor, acknowledged_at=timezone.now())
        if updated:
            audit_record(actor=actor, action="insight.alert_acknowledge", obj=alert, data={"key": alert.key})
    alert.refresh_from_db()
    return alert


# ---- public support ------------------------------------------------------------------------------

def support_set(*, petition, likes: int = 0, dislikes: int = 0) -> PetitionSupport:
    """Store a petition's public support (an imported message's 点赞数/反对数)."""
    if not isinstance(likes, int) or not isinstance(dislikes, int) or likes < 0 or dislikes < 0:
        raise ApplicationError(_("点赞数和反对数应为非负整数。"), "invalid", "likes")
    row, _created = PetitionSupport.objects.update_or_create(petition=petition,
                                                             defaults={"likes": likes, "dislikes": dislikes})
    return row


def support_from_csv(path) -> int:
    """Store the public support (点赞数, 反对数) of the petitions imported from a message-board CSV: each
    row's 留言编号 is matched to a petition's `external_id`. Returns the petitions updated. (imports ranks
    below insight and cannot call this itself: the insight command or the operator runs it after an
    import.)"""
    import csv

    from . import csvdata

    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = {(r.get(csvdata.COLUMNS["id"]) or "").strip(): r for r in csv.DictReader(fh)}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ApplicationError(_("无法读取CSV文件：%(e)s") % {"e": exc}, "invalid", "csv") from None
    rows.pop("", None)
    done = 0
    for petition in Petition.objects.filter(external_id__in=list(rows)).only("pk", "external_id"):
        row = rows[petition.external_id]
        support_set(petition=petition, likes=csvdata._int(row.get("点赞数")), dislikes=csvdata._int(row.get("反对数")))
        done += 1
    return done
