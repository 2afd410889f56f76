"""Writes of 矛盾纠纷排查: the rounds' sweep and their completion, the risk ledger, informant reports
(an urgent one alerts the leaders of the informant's town and district in the same transaction), and a
report turned into a ledger item or a registered petition in one step.

Each write validates first and raises `ApplicationError` (nothing changes on refusal), runs in one
transaction and records an audit entry. Outside the actor's jurisdiction: not found (404)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError, Forbidden, NotFound
from xinfang.common.text import clean_text
from xinfang.notifications.selectors import unit_members
from xinfang.notifications.services import notify
from xinfang.org.choices import Level, Role, UnitKind
from xinfang.org.models import Region, Unit

from . import selectors
from .models import (
    OPEN_RISK_STATES,
    Cadence,
    InformantReport,
    ReportStatus,
    RiskItem,
    RiskLevel,
    RiskSource,
    RiskStatus,
    RoundLevel,
    RoundStatus,
    ScreeningRound,
    ScreeningSchedule,
    UrgentAlert,
)

TITLE_MAX = 200
TEXT_MAX = 20_000
PEOPLE_MAX = 500
PEOPLE_COUNT_MAX = 1_000_000

# the defaults of DESIGN §1 / issue 10: 村/社区 weekly, 乡镇/街道 every two weeks, 县/区 monthly
DEFAULT_CADENCE = {RoundLevel.VILLAGE: Cadence.WEEKLY, RoundLevel.TOWN: Cadence.BIWEEKLY,
                   RoundLevel.COUNTY: Cadence.MONTHLY}
# which units screen at each level by default: village committees, towns/streets, and the county's
# petition office (which convenes the district's screening)
LEVEL_UNITS = {RoundLevel.VILLAGE: (UnitKind.VILLAGE, Level.VILLAGE), RoundLevel.TOWN: (UnitKind.TOWN, Level.TOWN),
               RoundLevel.COUNTY: (UnitKind.PETITION_OFFICE, Level.COUNTY)}
# two-week periods count from this Monday
BIWEEKLY_EPOCH = dt.date(2024, 1, 1)




# ---- input -------------------------------------------------------------------------------------

def _text(value, field: str, label: str, *, required: bool = False, max_len: int = TEXT_MAX) -> str:
    return clean_text(value, field, label, required=required, max_len=max_len)


def _choice(value, choices, field: str, label: str, default=None) -> str:
    if value in (None, "") and default is not None:
        return default
    if not isinstance(value, str) or value not in choices.values:
        raise ApplicationError(_("%(label)s无效。") % {"label": label}, "invalid", field)
    return value


def _int(value, field: str, label: str, *, lo: int = 0, hi: int = PEOPLE_COUNT_MAX) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, bool):
        raise ApplicationError(_("%(label)s应为整数。") % {"label": label}, "invalid", field)
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise ApplicationError(_("%(label)s应为整数。") % {"label": label}, "invalid", field) from None
    if not lo <= n <= hi:
        raise ApplicationError(_("%(label)s应在%(lo)d到%(hi)d之间。") % {"label": label, "lo": lo, "hi": hi},
                               "invalid", field)
    return n


def _date(value, field: str, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        d = dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ApplicationError(_("%(label)s不是有效日期（应为 YYYY-MM-DD）。") % {"label": label}, "invalid",
                               field) from None
    if not 2000 <= d.year <= 2100:
        raise ApplicationError(_("%(label)s超出范围。") % {"label": label}, "invalid", field)
    return d


def _region(value, field: str = "region") -> Region | None:
    if isinstance(value, Region):
        return value
    code = _text(value, field, _("发生地"), max_len=32)
    if not code:
        return None
    found = Region.objects.filter(code=code).first()
    if found is None:
        raise ApplicationError(_("行政区划不存在：%(code)s") % {"code": code}, "invalid", field)
    return found


def _owner(value, unit: Unit):
    """The responsible person: a username (or user) of a staff member whose unit covers the item's unit
    or lies within it."""
    if value in (None, ""):
        return None
    User = get_user_model()
    if isinstance(value, User):
        user = value
    else:
        name = _text(value, "owner", _("责任人"), max_len=150)
        user = User.objects.filter(username=name, is_active=True).first()
    ok = user is not None and user.is_active and any(
        m.role != Role.INFORMANT and (unit.path.startswith(m.unit.path) or m.unit.path.startswith(unit.path))
        for m in user.memberships.select_related("unit"))
    if not ok:
        raise ApplicationError(_("责任人须为责任单位或其上级单位的工作人员。"), "invalid", "owner")
    return user


# ---- rounds ------------------------------------------------------------------------------------

def cadence_of(unit: Unit, level: str) -> str:
    """The unit's own schedule row, else its level's row, else the default."""
    rows = {(r.unit_id, r.level): r.cadence for r in ScreeningSchedule.objects.filter(level=level)}
    return rows.get((unit.pk, level)) or rows.get((None, level)) or DEFAULT_CADENCE[level]


def period_of(cadence: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the period holding `day`."""
    if cadence == Cadence.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if cadence == Cadence.BIWEEKLY:
        start = day - dt.timedelta(days=(day - BIWEEKLY_EPOCH).days % 14)
        return start, start + dt.timedelta(days=13)
    start = day.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, nxt - dt.timedelta(days=1)


def _level_units(level: str):
    """The units that screen at `level`: those of its kind, and any unit given a schedule of this level
    (a unit given a schedule of another level screens at that level only)."""
    from django.db.models import Q

    kind, unit_level = LEVEL_UNITS[level]
    rows = ScreeningSchedule.objects.filter(unit__isnull=False)
    here = list(rows.filter(level=level).values_list("unit_id", flat=True))
    elsewhere = list(rows.exclude(level=level).values_list("unit_id", flat=True))
    return Unit.objects.filter(is_active=True).filter(
        (Q(kind=kind, level=unit_level) & ~Q(pk__in=elsewhere)) | Q(pk__in=here))


def rounds_sweep(now: dt.datetime) -> int:
    """Open the round of the current period of every screening unit that has none yet, and tell the
    unit's people (kind "screening_round", once per round). Safe to run again: returns rounds opened.
    Reads the schedule and the current rounds once per level (it runs every minute)."""
    today = timezone.localdate(now)
    opened = 0
    for level in RoundLevel.values:
        rows = {r.unit_id: r.cadence for r in ScreeningSchedule.objects.filter(level=level)}
        default = rows.get(None) or DEFAULT_CADENCE[level]
        due: list[tuple[Unit, str, dt.date, dt.date]] = []
        for unit in _level_units(level):
            cadence = rows.get(unit.pk) or default
            if cadence != Cadence.OFF:
                due.append((unit, cadence, *period_of(cadence, today)))
        existing = set(ScreeningRound.objects.filter(
            unit_id__in=[u.pk for u, *_rest in due], period_start__in={start for _u, _c, start, _e in due})
            .values_list("unit_id", "cadence", "period_start"))
        for unit, cadence, start, end in due:
            if (unit.pk, cadence, start) in existing:
                continue
            try:
                with transaction.atomic():
                    rnd = ScreeningRound.objects.create(unit=unit, level=level, cadence=cadence, period_start=start,
                                                        due=end, opened_at=now)
                    notify(recipients=unit_members(unit), kind="screening_round",
                           title=_("%(unit)s 矛盾纠纷排查（%(start)s 至 %(end)s）") % {
                               "unit": unit.name, "start": start.isoformat(), "end": end.isoformat()},
                           body=_("请在 %(end)s 前完成本期排查，发现的矛盾纠纷录入台账或报告。") % {"end": end.isoformat()},
                           link=reverse("web:screening_round", args=[rnd.pk]),
                           dedupe_key=f"screening_round:{rnd.pk}", at=now)
            except IntegrityError:  # another worker opened it first
                continue
            opened += 1
    return opened


def risks_due_sweep(now: dt.datetime) -> int:
    """Tell the owner (or the unit's leaders) of each open ledger item whose due date has passed, once
    per item and due date (kind "risk_due")."""
    today = timezone.localdate(now)
    sent = 0
    for item in RiskItem.objects.filter(status__in=OPEN_RISK_STATES, due__lt=today).select_related("unit", "owner"):
        recipients = [item.owner] if item.owner_id else unit_members(item.unit, [Role.LEADER])
        with transaction.atomic():
            sent += len(notify(recipients=recipients, kind="risk_due",
                               title=_("台账事项已到化解期限：%(t)s") % {"t": item.title[:80]},
                               link=reverse("web:screening_risk", args=[item.pk]),
                               dedupe_key=f"risk_due:{item.pk}:{item.due.isoformat()}", at=now))
    return sent


def screening_sweep(now: dt.datetime) -> dict:
    return {"rounds": rounds_sweep(now), "risk_due": risks_due_sweep(now)}


def round_close(*, actor, round_id, findings: str) -> ScreeningRound:
    """Complete a round with its findings (by ledger staff of a unit covering the round's unit)."""
    findings = _text(findings, "findings", _("排查情况"), required=True)
    with transaction.atomic():
        rnd = selectors.round_get(actor, round_id)
        if not selectors.covers_as(actor, rnd.unit):
            raise Forbidden(_("您没有完成该排查的权限。"))
        rnd = ScreeningRound.objects.select_for_update().get(pk=rnd.pk)
        if rnd.status != RoundStatus.OPEN:
            raise ApplicationError(_("该排查已完成。"), "conflict")
        rnd.status, rnd.findings = RoundStatus.CLOSED, findings
        rnd.closed_by, rnd.closed_at = actor, timezone.now()
        rnd.save(update_fields=["status", "findings", "closed_by", "closed_at"])
        audit_record(actor=actor, action="screening.round_close", obj=rnd,
                     data={"unit": rnd.unit.code, "period_start": rnd.period_start.isoformat()})
    return rnd


# ---- the ledger --------------------------------------------------------------------------------

RISK_FIELDS = ("title", "description", "region", "people_count", "people", "level", "owner", "measures", "due",
               "status", "outcome", "petition")


def _petition(actor, value):
    """A petition the actor sees, by its number ("" for none)."""
    from xinfang.petitions.selectors import petitions_visible

    number = _text(value, "petition", _("信访件编号"), max_len=64)
    if not number:
        return None
    found = petitions_visible(actor).filter(number=number).first()
    if found is None:
        raise ApplicationError(_("信访件不存在：%(n)s") % {"n": number}, "invalid", "petition")
    return found


def _risk_values(data: dict, unit: Unit, *, partial: bool, actor=None) -> dict:
    out: dict = {}

    def has(name):
        return not partial or name in data

    if has("title"):
        out["title"] = _text(data.get("title"), "title", _("矛盾纠纷事项"), required=True, max_len=TITLE_MAX)
    if has("description"):
        out["description"] = _text(data.get("description"), "description", _("基本情况"))
    if has("region"):
        out["region"] = _region(data.get("region"))
    if has("people_count"):
        out["people_count"] = _int(data.get("people_count"), "people_count", _("涉及人数"))
    if has("people"):
        out["people"] = _text(data.get("people"), "people", _("涉及人员"), max_len=PEOPLE_MAX)
    if has("level"):
        out["level"] = _choice(data.get("level"), RiskLevel, "level", _("风险等级"), default=RiskLevel.LOW)
    if has("owner"):
        out["owner"] = _owner(data.get("owner"), unit)
    if has("measures"):
        out["measures"] = _text(data.get("measures"), "measures", _("化解稳控措施"))
    if has("due"):
        out["due"] = _date(data.get("due"), "due", _("化解期限"))
    if has("status"):
        out["status"] = _choice(data.get("status"), RiskStatus, "status", _("状态"), default=RiskStatus.OPEN)
    if has("outcome"):
        out["outcome"] = _text(data.get("outcome"), "outcome", _("化解结果"))
    if "petition" in data and actor is not None:
        out["petition"] = _petition(actor, data.get("petition"))
    if out.get("status") == RiskStatus.RESOLVED and not out.get("outcome", "x"):
        raise ApplicationError(_("已化解的事项请填写化解结果。"), "invalid", "outcome")
    return out


def _ledger_unit(actor, value) -> Unit:
    """The responsible unit by code (or object), within the actor's ledger jurisdiction; default: the
    actor's first ledger unit."""
    if value in (None, ""):
        units = selectors.staff_units(actor, selectors.LEDGER_ROLES)
        if not units:
            raise Forbidden(_("您没有登记矛盾纠纷台账的权限。"))
        return units[0]
    if isinstance(value, Unit):
        unit = value
    else:
        code = _text(value, "unit", _("责任单位"), max_len=32)
        unit = Unit.objects.filter(code=code, is_active=True).select_related("region").first()
    if unit is None or not selectors.covers_as(actor, unit, selectors.READ_ROLES):
        raise ApplicationError(_("责任单位不存在或不在您的管辖范围内。"), "invalid", "unit")
    if not selectors.covers_as(actor, unit):
        raise Forbidden(_("您没有登记矛盾纠纷台账的权限。"), "unit")
    return unit


def risk_create(*, actor, data: dict, source: str = RiskSource.MANUAL, round_id=None, report=None,
                at: dt.datetime | None = None) -> RiskItem:
    """A new ledger item. `data`: title, description, region (code), unit (code), people_count, people,
    level, owner (username), measures, due (date), status, outcome, petition (a number the actor sees:
    the petition it became); `round_id`: the round it was found in."""
    if not selectors.is_staff_reader(actor) or not selectors.staff_units(actor, selectors.LEDGER_ROLES) \
            and not getattr(actor, "is_superuser", False):
        raise Forbidden(_("您没有登记矛盾纠纷台账的权限。"))
    unit = _ledger_unit(actor, data.get("unit"))
    values = _risk_values(data, unit, partial=False, actor=actor)
    rnd = None
    if round_id not in (None, ""):
        try:
            rnd = selectors.round_get(actor, round_id)
        except NotFound:
            raise ApplicationError(_("排查轮次不存在。"), "invalid", "round") from None
        source = RiskSource.ROUND
    at = at or timezone.now()
    with transaction.atomic():
        item = RiskItem.objects.create(unit=unit, source=source, round=rnd, created_by=actor, created_at=at,
                                       updated_at=at, **values)
        audit_record(actor=actor, action="screening.risk_create", obj=item,
                     data={"unit": unit.code, "level": item.level, "source": source,
                           **({"report": report.pk} if report is not None else {})})
    return item


def risk_update(*, actor, risk_id, data: dict) -> RiskItem:
    """Change the given fields of a ledger item (the responsible unit stays)."""
    item = selectors.risk_get(actor, risk_id)
    if not selectors.covers_as(actor, item.unit):
        raise Forbidden(_("您没有修改该台账事项的权限。"))
    values = _risk_values({k: v for k, v in data.items() if k in RISK_FIELDS}, item.unit, partial=True, actor=actor)
    if values.get("status", item.status) == RiskStatus.RESOLVED and not values.get("outcome", item.outcome):
        raise ApplicationError(_("已化解的事项请填写化解结果。"), "invalid", "outcome")
    with transaction.atomic():
        item = RiskItem.objects.select_for_update().get(pk=item.pk)
        changed = {k: v for k, v in values.items() if getattr(item, k) != v}
        for k, v in changed.items():
            setattr(item, k, v)
        item.updated_at = timezone.now()
        item.save()
        audit_record(actor=actor, action="screening.risk_update", obj=item,
                     data={"fields": sorted(changed), **({"status": item.status} if "status" in changed else {})})
    return item


# ---- informant reports -------------------------------------------------------------------------

def alert_units(unit: Unit) -> list[Unit]:
    """The units whose leaders hear of an urgent report from `unit`: the town (乡镇/街道) at or above
    it, and the county-level government and its petition office above that."""
    chain, node = [], unit
    while node is not None:
        chain.append(node)
        node = node.parent if node.parent_id else None
    out: list[Unit] = []
    town = next((u for u in chain if u.kind == UnitKind.TOWN), None)
    if town is not None:
        out.append(town)
    county = next((u for u in chain if u.level == Level.COUNTY and u.kind == UnitKind.GOVERNMENT), None)
    if county is not None:
        out.append(county)
        out += list(Unit.objects.filter(is_active=True, kind=UnitKind.PETITION_OFFICE, level=Level.COUNTY,
                                        region_id=county.region_id))
    return [u for u in out if u.is_active]


def report_create(*, actor, title, content, region=None, people_involved="", urgent: bool = False,
                  at: dt.datetime | None = None) -> InformantReport:
    """An informant files a report; an urgent one notifies (kind "informant_urgent") and alerts the
    leaders of the town and district above at once, in this transaction."""
    unit = selectors.informant_unit(actor)
    if unit is None:
        raise Forbidden(_("只有信息员可以报告矛盾纠纷信息。"))
    title = _text(title, "title", _("标题"), required=True, max_len=TITLE_MAX)
    content = _text(content, "content", _("情况"), required=True)
    people_involved = _text(people_involved, "people_involved", _("涉及人员"), max_len=PEOPLE_MAX)
    region_obj = _region(region) if region not in (None, "") else unit.region
    if not isinstance(urgent, bool):
        raise ApplicationError(_("“紧急”应为是或否。"), "invalid", "urgent")
    at = at or timezone.now()
    with transaction.atomic():
        report = InformantReport.objects.create(title=title, content=content, region=region_obj,
                                                people_involved=people_involved, urgent=urgent, reporter=actor,
                                                unit=unit, created_at=at)
        leaders = 0
        if urgent:
            link = reverse("web:screening_report", args=[report.pk])
            for leader_unit in alert_units(unit):
                for leader in unit_members(leader_unit, [Role.LEADER]):
                    _alert, made = UrgentAlert.objects.get_or_create(report=report, user=leader,
                                                                defaults={"unit": leader_unit, "created_at": at})
                    leaders += made
                    notify(recipients=[leader], kind="informant_urgent",
                           title=_("紧急信息：%(t)s") % {"t": title[:150]},
                           body=_("%(unit)s 信息员报告：%(c)s") % {"unit": unit.name, "c": content[:500]},
                           link=link, dedupe_key=f"informant_urgent:{report.pk}", at=at)
        else:
            notify(recipients=unit_members([u for u in alert_units(unit) if u.kind == UnitKind.TOWN], [Role.LEADER]),
                   kind="informant_report", title=_("信息员报告：%(t)s") % {"t": title[:150]},
                   link=reverse("web:screening_report", args=[report.pk]),
                   dedupe_key=f"informant_report:{report.pk}", at=at)
        audit_record(actor=actor, action="screening.report_create", obj=report,
                     data={"unit": unit.code, "urgent": urgent, "alerted": leaders})
    return report


def alert_acknowledge(*, actor, report_id) -> UrgentAlert:
    """The leader has taken note of an urgent report: it leaves their home page (audited)."""
    pk = selectors._pk(report_id)
    alert = UrgentAlert.objects.filter(report_id=pk, user_id=getattr(actor, "pk", None)).first() if pk else None
    if alert is None:
        raise NotFound(_("紧急信息不存在。"))
    with transaction.atomic():
        alert = UrgentAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.acknowledged_at is None:
            alert.acknowledged_at = timezone.now()
            alert.save(update_fields=["acknowledged_at"])
            audit_record(actor=actor, action="screening.alert_ack", obj=alert.report, data={"alert": alert.pk})
    return alert


def _lock_new_report(actor, report_id, roles) -> InformantReport:
    report = selectors.report_get(actor, report_id)
    if not selectors.covers_as(actor, report.unit, roles):
        raise Forbidden(_("您没有处理该报告的权限。"))
    report = InformantReport.objects.select_for_update(of=("self",)).select_related("unit", "region").get(pk=report.pk)
    if report.status != ReportStatus.NEW:
        raise ApplicationError(_("该报告已处理。"), "conflict")
    return report


def report_to_risk(*, actor, report_id, level: str = "", owner=None, due=None, measures: str = "") -> RiskItem:
    """One step: the report becomes a ledger item of the informant's unit (its text, region, people)."""
    with transaction.atomic():
        report = _lock_new_report(actor, report_id, selectors.LEDGER_ROLES)
        data = {"title": report.title, "description": report.content, "region": report.region,
                "people": report.people_involved, "unit": report.unit,
                "level": level or (RiskLevel.HIGH if report.urgent else RiskLevel.MEDIUM),
                "owner": owner, "due": due, "measures": measures}
        item = risk_create(actor=actor, data=data, source=RiskSource.REPORT, report=report)
        report.status, report.risk = ReportStatus.RISK, item
        report.handled_by, report.handled_at = actor, timezone.now()
        report.save(update_fields=["status", "risk", "handled_by", "handled_at"])
        audit_record(actor=actor, action="screening.report_to_risk", obj=report, data={"risk": item.pk})
    return item


REGISTER_CHANNELS = ("visit", "transfer_in")


def report_register(*, actor, report_id, channel: str = "visit", petitioner_name: str = "",
                    petitioner_phone: str = ""):
    """One step: a clerk of a petition office (or unit) covering the informant's unit registers the
    report as a petition (its text, region; urgent stays urgent); the report links to it."""
    from xinfang.petitions.services import PetitionerInput
    from xinfang.workflow.rules import register_units
    from xinfang.workflow.services import petition_register

    if channel not in REGISTER_CHANNELS:
        raise ApplicationError(_("信访形式无效。"), "invalid", "channel")
    name = _text(petitioner_name, "petitioner_name", _("信访人姓名"), max_len=64)
    phone = _text(petitioner_phone, "petitioner_phone", _("联系电话"), max_len=32)
    with transaction.atomic():
        report = selectors.report_get(actor, report_id)
        units = [u for u in register_units(actor) if selectors.unit_covers(u, report.unit)]
        if not units:
            raise Forbidden(_("只有管辖该地的登记员可以将报告登记为信访件。"))
        report = _lock_new_report(actor, report.pk, selectors.READ_ROLES | {Role.CLERK})
        petitioners = [PetitionerInput(name=name, phone=phone)] if name else []
        petition, _code = petition_register(
            actor=actor, unit=units[0], channel=channel, received_at=timezone.now(), title=report.title,
            content=report.content + (f"\n\n{_('涉及人员')}：{report.people_involved}" if report.people_involved else ""),
            problem_region=report.region.code if report.region_id else None, petitioners=petitioners,
            is_anonymous=not petitioners, is_urgent=report.urgent)
        report.status, report.petition = ReportStatus.PETITION, petition
        report.handled_by, report.handled_at = actor, timezone.now()
        report.save(update_fields=["status", "petition", "handled_by", "handled_at"])
        audit_record(actor=actor, action="screening.report_register", obj=report, data={"petition": petition.pk})
    return petition


# ---- the schedule ------------------------------------------------------------------------------

def schedule_set(*, actor, level: str, unit=None, cadence: str, note: str = "") -> ScreeningSchedule | None:
    """Set how often a level (superusers: every unit of the level) or one unit (an administrator whose
    jurisdiction holds it) screens; `cadence=""` removes a unit's own setting (the level's applies)."""
    level = _choice(level, RoundLevel, "level", _("层级"))
    note = _text(note, "note", _("说明"), max_len=200)
    unit_obj = None
    if unit not in (None, ""):
        code = unit.code if isinstance(unit, Unit) else _text(unit, "unit", _("单位"), max_len=32)
        unit_obj = Unit.objects.filter(code=code, is_active=True).select_related("region").first()
        if unit_obj is None or not selectors.covers_as(actor, unit_obj, selectors.READ_ROLES | {Role.ADMIN}):
            raise ApplicationError(_("单位不存在或不在您的管辖范围内。"), "invalid", "unit")
    if unit_obj is None and not getattr(actor, "is_superuser", False):
        raise Forbidden(_("只有超级管理员可以修改整个层级的排查周期；请选择单位。"), "unit")
    if unit_obj is not None and not selectors.covers_as(actor, unit_obj, {Role.ADMIN}):
        raise Forbidden(_("只有系统管理员可以修改排查周期。"))
    if cadence == "" and unit_obj is not None:
        with transaction.atomic():
            ScreeningSchedule.objects.filter(unit=unit_obj).delete()
            audit_record(actor=actor, action="screening.schedule_set", obj=unit_obj,
                         data={"level": level, "cadence": "default"})
        return None
    cadence = _choice(cadence, Cadence, "cadence", _("排查周期"))
    with transaction.atomic():
        if unit_obj is None:
            row, _created = ScreeningSchedule.objects.update_or_create(
                level=level, unit=None, defaults={"cadence": cadence, "note": note})
        else:
            row, _created = ScreeningSchedule.objects.update_or_create(
                unit=unit_obj, defaults={"level": level, "cadence": cadence, "note": note})
        audit_record(actor=actor, action="screening.schedule_set", obj=row,
                     data={"level": level, "unit": unit_obj.code if unit_obj else "", "cadence": cadence})
    return row
