"""矛盾纠纷排查 on the workbench: the risk ledger (list with filters, xlsx export, create/edit), the
screening rounds, the informant's phone-friendly report form and their reports, a report turned into a
ledger item or a petition, and a leader's acknowledgement of an urgent report. Thin: parse the form,
call one service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinfang.common.errors import ApplicationError
from xinfang.oversight.screening import selectors, services
from xinfang.oversight.screening.models import (
    Cadence,
    ReportStatus,
    RiskLevel,
    RiskStatus,
    RoundLevel,
    RoundStatus,
)
from xinfang.reports.exports import table_xlsx
from xinfang.workflow.rules import register_units

from ..common import export_requested, xlsx_download

PER_PAGE = 30
FILTERS = ("status", "level", "unit", "due_before", "due_after", "overdue", "q")


def _staff_only(request):
    if not selectors.is_staff_reader(request.user):
        raise PermissionDenied


def _informant_only(request):
    if selectors.informant_unit(request.user) is None:
        raise PermissionDenied


def _refused(exc: ApplicationError):
    if exc.code == "not_found":
        raise Http404
    if exc.code == "forbidden":
        raise PermissionDenied


def _page(request, qs):
    return Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))


def _date_or_none(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _units(user):
    from xinfang.org.jurisdiction import visible_units

    return list(visible_units(user).order_by("path")[:500])


# ---- the ledger --------------------------------------------------------------------------------

def _ledger_filters(request) -> dict:
    g = request.GET
    f = {k: (g.get(k) or "").replace("\x00", "").strip()[:64] for k in FILTERS}  # PostgreSQL refuses NUL
    if f["status"] not in {"", "active", *RiskStatus.values}:
        f["status"] = ""
    if f["level"] not in {"", *RiskLevel.values}:
        f["level"] = ""
    for k in ("due_before", "due_after"):
        if _date_or_none(f[k]) is None:
            f[k] = ""
    return f


@login_required
def risks_view(request):
    _staff_only(request)
    f = _ledger_filters(request)
    qs = selectors.risks_filtered(request.user, status=f["status"], level=f["level"], unit=f["unit"],
                                  due_before=_date_or_none(f["due_before"]), due_after=_date_or_none(f["due_after"]),
                                  overdue=bool(f["overdue"]), q=f["q"]).order_by("due", "-id")
    if export_requested(request):
        return _risks_export(request, qs, f)
    keep = QueryDict(mutable=True)
    keep.update({k: v for k, v in f.items() if v})
    base = keep.urlencode()
    page = _page(request, qs)
    for r in page:
        r.owner_name = selectors.user_name(r.owner)
    return render(request, "web/screening/risks.html", {
        "active": "screening_risks", "page": page, "f": f, "units": _units(request.user),
        "statuses": RiskStatus.choices, "levels": RiskLevel.choices, "today": timezone.localdate(),
        "page_qs": base + "&" if base else "", "export_qs": "?" + (base + "&" if base else "") + "export=xlsx",
        "can_create": bool(selectors.staff_units(request.user, selectors.LEDGER_ROLES)) or request.user.is_superuser})


def _risks_export(request, qs, f):
    headers = [(_("矛盾纠纷事项"), 30), (_("责任单位"), 22), (_("所在区划"), 16), (_("涉及人数"), 8),
               (_("涉及人员"), 20), (_("风险等级"), 8), (_("责任人"), 10), (_("化解稳控措施"), 30),
               (_("化解期限"), 12), (_("状态"), 8), (_("化解结果"), 30), (_("来源"), 10), (_("信访件"), 18),
               (_("录入时间"), 18)]
    rows = ([r.title, r.unit.name, r.region.full_name() if r.region_id else "", r.people_count, r.people,
             r.get_level_display(), selectors.user_name(r.owner), r.measures, r.due, r.get_status_display(),
             r.outcome, r.get_source_display(), r.petition.number if r.petition_id else "", r.created_at]
            for r in qs.iterator(chunk_size=500))
    criteria = [(k, v) for k, v in f.items() if v]
    title = _("矛盾纠纷排查台账")
    return xlsx_download(request, table_xlsx(request.user, title=title, headers=headers, rows=rows,
                                             criteria=criteria), title=title, action="screening.risk_export",
                         data={"filters": dict(criteria)})


RISK_FORM_FIELDS = ("title", "description", "region", "unit", "people_count", "people", "level", "owner",
                    "measures", "due", "status", "outcome", "petition")


def _risk_form_context(request, values: dict, error=None, item=None) -> dict:
    from xinfang.org.models import Region

    return {"active": "screening_risks", "values": values, "error": error, "item": item,
            "units": [u for u in _units(request.user) if selectors.covers_as(request.user, u)],
            "regions": list(Region.objects.filter(level__in=["county", "town", "village"]).order_by("path")[:500]),
            "statuses": RiskStatus.choices, "levels": RiskLevel.choices}


@login_required
@require_http_methods(["GET", "POST"])
def risk_new_view(request):
    _staff_only(request)
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in RISK_FORM_FIELDS}
        try:
            item = services.risk_create(actor=request.user, data=data, round_id=request.POST.get("round") or None)
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise Http404 from None
            ctx = _risk_form_context(request, {**data, "round": request.POST.get("round", "")}, exc)
            return render(request, "web/screening/risk_form.html", ctx, status=exc.status)
        messages.success(request, _("已录入台账。"))
        return redirect("web:screening_risk", risk_id=item.pk)
    values = {"round": request.GET.get("round", "")[:20], "level": RiskLevel.LOW, "status": RiskStatus.OPEN}
    return render(request, "web/screening/risk_form.html", _risk_form_context(request, values))


@login_required
@require_http_methods(["GET", "POST"])
def risk_view(request, risk_id):
    try:
        item = selectors.risk_get(request.user, risk_id)
    except ApplicationError:
        raise Http404 from None
    can_edit = selectors.covers_as(request.user, item.unit)
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in RISK_FORM_FIELDS if k != "unit"}
        try:
            services.risk_update(actor=request.user, risk_id=item.pk, data=data)
        except ApplicationError as exc:
            _refused(exc)
            ctx = _risk_form_context(request, data, exc, item)
            ctx.update({"can_edit": can_edit, "reports": list(item.reports.all())})
            return render(request, "web/screening/risk.html", ctx, status=exc.status)
        messages.success(request, _("已保存。"))
        return redirect("web:screening_risk", risk_id=item.pk)
    values = {"title": item.title, "description": item.description, "region": item.region.code if item.region_id else "",
              "people_count": item.people_count, "people": item.people, "level": item.level,
              "owner": item.owner.username if item.owner_id else "", "measures": item.measures,
              "due": item.due.isoformat() if item.due else "", "status": item.status, "outcome": item.outcome,
              "petition": item.petition.number if item.petition_id else ""}
    ctx = _risk_form_context(request, values, None, item)
    ctx.update({"can_edit": can_edit, "reports": list(item.reports.all())})
    return render(request, "web/screening/risk.html", ctx)


# ---- rounds ------------------------------------------------------------------------------------

@login_required
def rounds_view(request):
    _staff_only(request)
    state = request.GET.get("state") or "open"
    qs = selectors.rounds_visible(request.user)
    if state in RoundStatus.values:
        qs = qs.filter(status=state)
    else:
        state = "all"
    schedule = [(label, Cadence(services.DEFAULT_CADENCE[level]).label) for level, label in RoundLevel.choices]
    return render(request, "web/screening/rounds.html", {
        "active": "screening_rounds", "page": _page(request, qs.order_by("status", "due", "unit__path")),
        "state": state, "page_qs": f"state={state}&", "today": timezone.localdate(),
        "cadences": dict(Cadence.choices), "schedule": schedule, "statuses": RoundStatus.choices,
        "can_schedule": request.user.is_superuser or bool(selectors.staff_units(request.user, {"admin"}))})


@login_required
@require_http_methods(["GET", "POST"])
def round_view(request, round_id):
    try:
        rnd = selectors.round_get(request.user, round_id)
    except ApplicationError:
        raise Http404 from None
    error = None
    if request.method == "POST":
        try:
            services.round_close(actor=request.user, round_id=rnd.pk, findings=request.POST.get("findings", ""))
        except ApplicationError as exc:
            _refused(exc)
            error = exc
        else:
            messages.success(request, _("本期排查已完成。"))
            return redirect("web:screening_round", round_id=rnd.pk)
    return render(request, "web/screening/round.html", {
        "active": "screening_rounds", "round": rnd, "error": error, "closed_by_name": selectors.user_name(rnd.closed_by), "findings": request.POST.get("findings", ""),
        "risks": list(selectors.risks_visible(request.user).filter(round=rnd)),
        "can_close": rnd.status == RoundStatus.OPEN and selectors.covers_as(request.user, rnd.unit)},
        status=error.status if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_view(request):
    """排查周期: the level defaults and the units' own settings; administrators change them."""
    from xinfang.org.choices import Role
    from xinfang.oversight.screening.models import ScreeningSchedule

    user = request.user
    is_admin = user.is_superuser or bool(selectors.staff_units(user, {Role.ADMIN}))
    if not is_admin:
        raise PermissionDenied
    error, values = None, {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("level", "unit", "cadence", "note")}
        try:
            services.schedule_set(actor=user, **values)
        except ApplicationError as exc:
            _refused(exc)
            error = exc
        else:
            messages.success(request, _("排查周期已保存。"))
            return redirect("web:screening_schedule")
    rows = {r.level: r for r in ScreeningSchedule.objects.filter(unit__isnull=True)}
    levels = [(key, label, Cadence(rows[key].cadence).label if key in rows
               else Cadence(services.DEFAULT_CADENCE[key]).label) for key, label in RoundLevel.choices]
    units = [u for u in _units(user) if selectors.covers_as(user, u, {Role.ADMIN})]
    overrides = ScreeningSchedule.objects.filter(unit__in=units).select_related("unit").order_by("unit__path")
    return render(request, "web/screening/schedule.html", {
        "active": "screening_rounds", "levels": levels, "overrides": overrides, "units": units,
        "level_choices": RoundLevel.choices, "cadences": Cadence.choices, "error": error, "values": values,
        "superuser": user.is_superuser}, status=error.status if error else 200)


# ---- informant reports -------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def report_new_view(request):
    """The informant's phone form: one column, large inputs."""
    _informant_only(request)
    unit = selectors.informant_unit(request.user)
    values = {"title": "", "content": "", "region": unit.region.code, "people_involved": "", "urgent": ""}
    error = None
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            report = services.report_create(actor=request.user, title=values["title"], content=values["content"],
                                            region=values["region"], people_involved=values["people_involved"],
                                            urgent=bool(values["urgent"]))
        except ApplicationError as exc:
            _refused(exc)
            error = exc
        else:
            messages.success(request, _("紧急信息已报告，已通知街道（乡镇）和区（县）领导。") if report.urgent
                             else _("已报告，谢谢。"))
            return redirect("web:screening_reports")
    from xinfang.org.models import Region

    regions = list(Region.objects.filter(path__startswith=unit.region.parent.path if unit.region.parent_id
                                         else unit.region.path).order_by("path")[:200])
    return render(request, "web/screening/report_form.html", {
        "active": "screening_report_new", "values": values, "error": error, "regions": regions, "unit": unit},
        status=error.status if error else 200)


@login_required
def reports_view(request):
    if not selectors.is_staff_reader(request.user) and selectors.informant_unit(request.user) is None:
        raise PermissionDenied
    qs = selectors.reports_visible(request.user)
    state = request.GET.get("state") or ""
    if state in ReportStatus.values:
        qs = qs.filter(status=state)
    else:
        state = ""
    return render(request, "web/screening/reports.html", {
        "active": "screening_reports", "page": _page(request, qs), "state": state, "statuses": ReportStatus.choices,
        "page_qs": f"state={state}&", "is_informant": selectors.informant_unit(request.user) is not None,
        "staff": selectors.is_staff_reader(request.user)})


@login_required
def report_view(request, report_id):
    try:
        report = selectors.report_get(request.user, report_id)
    except ApplicationError:
        raise Http404 from None
    return render(request, "web/screening/report.html", _report_context(request, report))


def _report_context(request, report, **extra) -> dict:
    user = request.user
    is_new = report.status == ReportStatus.NEW
    return {"active": "screening_reports", "report": report, "levels": RiskLevel.choices,
            "can_risk": is_new and selectors.covers_as(user, report.unit),
            "can_register": is_new and any(selectors.unit_covers(u, report.unit) for u in register_units(user)),
            "alert": report.alerts.filter(user_id=user.pk).first(),
            "alerts": _named(report.alerts.select_related("user", "unit")) if selectors.is_staff_reader(user) else [],
            "staff": selectors.is_staff_reader(user),
            "values": request.POST if request.method == "POST" else {}, **extra}


def _named(alerts) -> list:
    out = list(alerts)
    for a in out:
        a.user_name = selectors.user_name(a.user)
    return out


def _report_action(request, report_id, call, done: str, goto):
    try:
        report = selectors.report_get(request.user, report_id)
    except ApplicationError:
        raise Http404 from None
    try:
        result = call(report)
    except ApplicationError as exc:
        _refused(exc)
        return render(request, "web/screening/report.html",
                      _report_context(request, selectors.report_get(request.user, report.pk), error=exc),
                      status=exc.status)
    messages.success(request, done)
    return goto(result)


@login_required
@require_POST
def report_to_risk_view(request, report_id):
    p = request.POST
    return _report_action(request, report_id, lambda r: services.report_to_risk(
        actor=request.user, report_id=r.pk, level=p.get("level", ""), owner=p.get("owner", ""), due=p.get("due", ""),
        measures=p.get("measures", "")), _("已转入矛盾纠纷台账。"),
        lambda item: redirect("web:screening_risk", risk_id=item.pk))


@login_required
@require_POST
def report_register_view(request, report_id):
    p = request.POST
    return _report_action(request, report_id, lambda r: services.report_register(
        actor=request.user, report_id=r.pk, channel=p.get("channel") or "visit",
        petitioner_name=p.get("petitioner_name", ""), petitioner_phone=p.get("petitioner_phone", "")),
        _("已登记为信访件。"), lambda petition: redirect("web:petition", petition_id=petition.pk))


@login_required
@require_POST
def alert_ack_view(request, report_id):
    try:
        services.alert_acknowledge(actor=request.user, report_id=report_id)
    except ApplicationError:
        raise Http404 from None
    messages.success(request, _("已知悉。"))
    return redirect("web:home")
