"""考核排名 (scorecard), 超期通报 (the overdue league table: page, print, PDF, xlsx) and 问责记录 (list,
detail, create). The figures come from `xinfang.reports.scorecard` and `xinfang.reports.league`; who may
see them is the reports' one rule (`reports.access.may_see_reports`, 404 for everyone else)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError
from xinfang.common.http import attachment
from xinfang.org.choices import Level
from xinfang.org.jurisdiction import visible_units
from xinfang.oversight.scorecards import selectors as acc_sel
from xinfang.oversight.scorecards import services as acc_svc
from xinfang.oversight.scorecards.models import AccountabilityKind
from xinfang.reports import league as lg
from xinfang.reports import scorecard as sc
from xinfang.reports import statistics as st
from xinfang.reports.access import may_see_reports
from xinfang.reports.exports import table_xlsx

from ..common import export_requested, xlsx_download


def _require(user) -> None:
    if not may_see_reports(user):
        raise Http404


def _date(raw: str, errors: list[str]) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        errors.append(_("日期格式无效：%(v)s（应为YYYY-MM-DD）") % {"v": raw[:20]})
        return None


def _param(request, name: str, size: int) -> str:
    """A query parameter, stripped, at most `size` characters, without NUL (PostgreSQL cannot hold it)."""
    return (request.GET.get(name) or "").replace("\x00", "").strip()[:size]


def _filters(request) -> tuple[dict, list[str]]:
    errors: list[str] = []
    values = {"date_from": _date(request.GET.get("from", ""), errors),
              "date_to": _date(request.GET.get("to", ""), errors),
              "unit_code": _param(request, "unit", 64) or None,
              "level": _param(request, "level", 16)}
    return values, errors


def _build(request, build):
    """Run `build` with the request's filters; on a bad filter, the default report and the message."""
    values, errors = _filters(request)
    if errors:
        values["date_from"] = values["date_to"] = None
    try:
        return build(request.user, **values), errors
    except ApplicationError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        errors.append(exc.message)
        return build(request.user), errors


def _form_ctx(request, report, errors) -> dict:
    return {"errors": errors, "units": list(visible_units(request.user).order_by("path")[:500]),
            "unit_code": report.parent.code, "level": report.level, "date_from": report.period.start.isoformat(),
            "date_to": report.period.end.isoformat(),
            "levels": [("", _("下一级单位"))] + [(v, str(label)) for v, label in Level.choices],
            "query": urlencode({"from": report.period.start.isoformat(), "to": report.period.end.isoformat(),
                                "unit": report.parent.code, "level": report.level})}


@login_required
def scorecard_view(request):
    _require(request.user)
    card, errors = _build(request, sc.scorecard_build)
    if export_requested(request) and not errors:
        title = _("考核排名")
        return xlsx_download(request, sc.scorecard_xlsx(request.user, card), title=title, action="report.export",
                             data={"report": "scorecard", "unit": card.parent.code, "level": card.level,
                                   "from": card.period.start.isoformat(), "to": card.period.end.isoformat()})
    labels = sc.component_labels()
    kdefs = st.kpi_definitions()
    ctx = {"active": "scorecard", "card": card, "kpi_heads": [(k.key, k.label, k.kind) for k in kdefs],
           "weights": [(labels[k], sc._fmt(v)) for k, v in card.weights.items()], "formula": sc.formula_text(),
           "definitions": [k.definition for k in kdefs], "level_label": sc.level_label(card.level),
           "rows": [{"row": r, "kpis": [st.fmt_rate(r.kpis[k.key], k.kind) for k in kdefs],
                     "overdue_rate": st.fmt_rate(r.overdue_rate)} for r in card.rows],
           **_form_ctx(request, card, errors)}
    return render(request, "web/scorecards/scorecard.html", ctx)


@login_required
def league_view(request):
    _require(request.user)
    league, errors = _build(request, lg.league_build)
    if export_requested(request) and not errors:
        title = _("超期通报")
        return xlsx_download(request, lg.league_xlsx(request.user, league), title=title, action="report.export",
                             data={"report": "overdue_league", "unit": league.parent.code, "level": league.level,
                                   "from": league.period.start.isoformat(), "to": league.period.end.isoformat()})
    ctx = {"active": "league", "league": league, "title": lg.league_title(league), "notes": lg.league_notes(),
           "level_label": sc.level_label(league.level), **_form_ctx(request, league, errors)}
    return render(request, "web/scorecards/league.html", ctx)


@login_required
def league_print_view(request):
    _require(request.user)
    league, _errors = _build(request, lg.league_build)
    back = reverse("web:overdue_league") + "?" + _form_ctx(request, league, [])["query"]
    return HttpResponse(lg.league_html(league, back=back))


@login_required
def league_pdf_view(request):
    _require(request.user)
    league, _errors = _build(request, lg.league_build)
    audit_record(actor=request.user, action="report.download", data={
        "report": "overdue_league", "format": "pdf", "unit": league.parent.code, "level": league.level,
        "from": league.period.start.isoformat(), "to": league.period.end.isoformat()})
    return attachment(lg.league_pdf(league), "application/pdf",
                      f"{lg.league_title(league)}.pdf".replace("/", "-"))


# ---- 问责记录 --------------------------------------------------------------------------------------------

@login_required
def accountability_list_view(request):
    _require(request.user)
    errors: list[str] = []
    kind = request.GET.get("kind", "")
    kind = kind if kind in AccountabilityKind.values else ""
    unit_code = _param(request, "unit", 64)
    q = _param(request, "q", 100)
    date_from, date_to = _date(request.GET.get("from", ""), errors), _date(request.GET.get("to", ""), errors)
    qs = acc_sel.accountability_list(request.user, kind=kind, unit_code=unit_code, date_from=date_from,
                                     date_to=date_to, q=q)
    if export_requested(request):
        title = _("问责记录")
        kinds = dict(AccountabilityKind.choices)
        rows = ([r.decided_at, str(kinds.get(r.kind, r.kind)), r.unit.name, r.people, r.reason, r.decision,
                 r.document_no, r.issuing_unit.name,
                 "、".join(p.number for p in acc_sel.cited_petitions(request.user, r)[0])] for r in qs[:5000])
        made = table_xlsx(request.user, title=title, rows=rows, headers=[
            (_("决定时间"), 18), (_("类型"), 10), (_("被问责单位"), 26), (_("涉及人员"), 20), (_("事由"), 40),
            (_("处理决定"), 40), (_("文号"), 16), (_("决定单位"), 26), (_("相关信访件"), 30)],
            criteria=[(_("类型"), str(kinds.get(kind, _("全部")))), (_("单位"), unit_code or _("全部")),
                      (_("关键词"), q)])
        return xlsx_download(request, made, title=title, action="table.export", data={"table": "accountability"})
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    keep = {k: v for k, v in (("kind", kind), ("unit", unit_code), ("q", q),
                              ("from", request.GET.get("from", "")[:10]), ("to", request.GET.get("to", "")[:10])) if v}
    ctx = {"active": "accountability", "page": page, "kinds": AccountabilityKind.choices, "kind": kind,
           "unit_code": unit_code, "q": q, "date_from": keep.get("from", ""), "date_to": keep.get("to", ""),
           "errors": errors, "units": list(visible_units(request.user).order_by("path")[:500]),
           "page_qs": urlencode(keep) + ("&" if keep else ""), "may_record": acc_svc.may_record(request.user)}
    return render(request, "web/scorecards/accountability_list.html", ctx)


@login_required
def accountability_detail_view(request, record_id: int):
    _require(request.user)
    try:
        rec = acc_sel.accountability_get(request.user, record_id)
    except ApplicationError:
        raise Http404 from None
    cited, hidden = acc_sel.cited_petitions(request.user, rec)
    return render(request, "web/scorecards/accountability_detail.html",
                  {"active": "accountability", "rec": rec, "cited": cited, "hidden_count": hidden})


@login_required
@require_http_methods(["GET", "POST"])
def accountability_new_view(request):
    if not acc_svc.may_record(request.user):
        raise Http404
    form = {k: (request.POST.get(k) or "") for k in ("kind", "unit", "people", "reason", "decision", "document_no",
                                                     "decided_on", "petitions")}
    if request.method == "GET":
        form["unit"] = _param(request, "unit", 64)
        form["petitions"] = _param(request, "petitions", 2000)
    error = None
    if request.method == "POST":
        try:
            rec = acc_svc.accountability_create(actor=request.user, kind=form["kind"], unit=form["unit"],
                                                people=form["people"], reason=form["reason"],
                                                decision=form["decision"], document_no=form["document_no"],
                                                decided_on=form["decided_on"], petitions=form["petitions"])
        except ApplicationError as exc:
            error = exc
        else:
            messages.success(request, _("问责记录已保存，已通知被问责单位的领导。"))
            return redirect("web:accountability_detail", rec.pk)
    return render(request, "web/scorecards/accountability_new.html", {
        "active": "accountability", "form": form, "error": error, "kinds": AccountabilityKind.choices,
        "units": acc_svc.target_units(request.user)}, status=422 if error else 200)
