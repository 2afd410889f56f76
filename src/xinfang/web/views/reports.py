"""报表: the statistics dashboard, the bulletin with its downloads, the annual report, and the list of
petitions behind any figure. Every figure comes from `xinfang.reports.statistics`."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.org.jurisdiction import all_roles, visible_units
from xinfang.org.models import Region, Unit
from xinfang.petitions.choices import Channel, Nature, VisitKind
from xinfang.petitions.models import Category
from xinfang.reports import bulletin, charts
from xinfang.reports import statistics as st

from ..navigation import REPORT_ROLES
from .common import table_context


def _require(user) -> None:
    """Statistics are for leaders, analysts, supervisors and administrators; others see no such page."""
    if not (all_roles(user) & REPORT_ROLES):
        raise Http404


def _date(request, name: str, errors: list[str]) -> dt.date | None:
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        errors.append(_("日期格式无效：%(v)s（应为YYYY-MM-DD）") % {"v": raw[:20]})
        return None


def _filters(request) -> tuple[dict, list[str]]:
    errors: list[str] = []
    values = {"date_from": _date(request, "from", errors), "date_to": _date(request, "to", errors),
              "unit_code": (request.GET.get("unit") or "").strip()[:64] or None}
    return values, errors


def _query(period: st.Period, unit_code: str | None, **extra) -> str:
    params = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if unit_code:
        params["unit"] = unit_code
    params.update({k: v for k, v in extra.items() if v is not None})
    return urlencode(params)


def _unit_options(user) -> list[Unit]:
    return list(visible_units(user).order_by("path")[:500])


def _kpi_cells(kpis: list[dict], period: st.Period, unit_code: str | None, dim: str | None = None,
               key: str | None = None) -> list[dict]:
    defs = {k.key: k for k in st.kpi_definitions()}
    cells = []
    for k in kpis:
        d = defs[k["key"]]
        cell = {"key": k["key"], "label": k["label"], "text": st.fmt_rate(k["value"], k["kind"]), "kind": k["kind"],
                "unit": _("天") if k["kind"] == "mean" and k["value"] is not None else "",
                "numerator": k["numerator"], "denominator": k["denominator"], "note": k.get("note", ""),
                "colour": st.threshold_colour(k["value"], d), "definition": d.definition}
        if d.numerator:
            cell["num_q"] = _query(period, unit_code, dim=dim, key=key, measure=d.numerator)
            cell["den_q"] = _query(period, unit_code, dim=dim, key=key, measure=d.denominator)
        if k.get("yoy") and k["yoy"]["change"] is not None:
            cell["yoy"] = k["yoy"]["change"]
        cells.append(cell)
    return cells


@login_required
def reports_view(request):
    """The bulletin for a period, its tables (every figure links to its petitions) and downloads."""
    _require(request.user)
    values, errors = _filters(request)
    ctx = {"active": "reports", "units": _unit_options(request.user), "errors": errors, "formats": bulletin.FORMATS,
           "annual_formats": bulletin.ANNUAL_FORMATS, "unit_code": values["unit_code"] or "",
           "year": timezone.localdate().year, "years": list(range(timezone.localdate().year, 2009, -1))}
    if errors:
        values["date_from"] = values["date_to"] = None
    try:
        data = bulletin.bulletin_build(request.user, **values)
    except ApplicationError as exc:
        ctx["errors"].append(exc.message)
        values["unit_code"] = None
        data = bulletin.bulletin_build(request.user)
    period = st.Period(dt.date.fromisoformat(data["period"]["from"]), dt.date.fromisoformat(data["period"]["to"]))
    unit_code = data["unit"]["code"] if data["unit"] else None
    qs = _query(period, unit_code)
    t = data["tables"]
    for r in t["by_category"]:
        r["q"] = _query(period, unit_code, dim="category", key=r["key"], measure="items")
    for r in t["by_region"]:
        r["q"] = _query(period, unit_code, dim="region", key=r["key"], measure="items")
    for r in t["by_unit"]:
        r["q"] = _query(period, unit_code, dim="unit", key=r["key"], measure="items")
        r["cells"] = [c for c in _kpi_cells(r["kpis"], period, unit_code, "unit", r["key"]) if c["kind"] != "na"]
    ctx.update({"data": data, "period": period, "qs": qs, "date_from": period.start.isoformat(),
                "date_to": period.end.isoformat(), "kpi_cells": _kpi_cells(data["kpis"], period, unit_code),
                "kpi_heads": [k["label"] for k in data["kpis"] if k["kind"] != "na"],
                "volume_rows": bulletin._volume_rows(data),
                "overdue_q": {"acc": _query(period, unit_code, measure="acc_overdue"),
                              "rep": _query(period, unit_code, measure="rep_overdue")}})
    return render(request, "web/reports/index.html", ctx)


@login_required
def bulletin_download_view(request, fmt: str):
    _require(request.user)
    values, errors = _filters(request)
    if errors or fmt not in bulletin.FORMATS:
        for e in errors or [_("不支持的格式：%(f)s") % {"f": fmt}]:
            messages.error(request, e)
        return redirect("web:reports")
    try:
        data = bulletin.bulletin_build(request.user, **values)
        content, content_type, name = bulletin.render(data, fmt)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("web:reports")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def annual_download_view(request, fmt: str):
    _require(request.user)
    try:
        if fmt not in bulletin.ANNUAL_FORMATS:
            raise ApplicationError(_("不支持的格式：%(f)s") % {"f": fmt}, "invalid", "format")
        report = bulletin.annual_build(request.user, year=request.GET.get("year") or 0,
                                       unit_code=(request.GET.get("unit") or "").strip()[:64] or None)
        content, content_type, name = bulletin.render_annual(report, fmt)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("web:reports")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def dashboard_view(request):
    """统计看板: KPI tiles coloured by the thresholds, the monthly trend, bars by category, region and
    unit, and the hot issues; charts are SVG rendered here (no script or style from anywhere else)."""
    _require(request.user)
    user = request.user
    values, errors = _filters(request)
    now = timezone.now()
    try:
        period = st.make_period(values["date_from"], values["date_to"], as_of=now)
        unit = st.resolve_unit(user, values["unit_code"])
    except ApplicationError as exc:
        errors.append(exc.message)
        period, unit = st.make_period(None, None, as_of=now), None
    unit_code = unit.code if unit else None
    prev = period.same_period_last_year()
    dims = ("unit", "category", "region")
    # two passes: the period's KPIs by unit, category and region; the counts of the last 24 months
    # (the trend and its year-earlier line) together with those of the same period last year
    cur_g = st.aggregate(user, period, unit=unit, group_by=dims, as_of=now)
    today = timezone.localtime(now).date()
    first = st.add_months(today.replace(day=1), -11)
    counted = st.aggregate_windows(user, {"trend": st.Period(st.add_months(first, -12), today), "yoy": prev},
                                   unit=unit, group_by=("month",), as_of=now)
    old = st._sum(counted["yoy"].values())
    cur = st._sum(cur_g.values())
    trend = []
    for m in st.Period(first, today).months():
        label, old_label = f"{m.start:%Y-%m}", f"{st.add_months(m.start, -12):%Y-%m}"
        trend.append((label, counted["trend"].get((label,), st.Counts())["items"],
                      counted["trend"].get((old_label,), st.Counts())["items"]))
    by_category: dict[int, int] = {}
    for (_u, cat, _r), counts in cur_g.items():
        if cat is not None:
            by_category[cat] = by_category.get(cat, 0) + counts["items"]
    top = sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
    cats = Category.objects.select_related("parent__parent").in_bulk([c for c, _n in top])
    recent = st.Period(max(period.start, period.end - dt.timedelta(days=29)), period.end)
    tables = {}
    for index, dim in enumerate(dims):
        rolled = st.Rollup(dim, st.anchor_region(user, unit) if dim == "region" else None)
        rolled.prepare({k[index] for k in cur_g})
        rows, _r = st.rollup(dim, cur_g, index=index, rolled=rolled)
        tables[dim] = sorted((r for r in rows.values() if r.counts["items"]),
                             key=lambda r: (-r.counts["items"], r.sort))
    tiles = _kpi_cells(st.kpi_values(cur), period, unit_code)
    volume = []
    for key, label in (("items", _("信访总件次")), ("batches", _("来访批次")), ("persons", _("来访人次"))):
        c = st.change(cur[key], old[key])
        volume.append({"label": label, "value": cur[key], "change": bulletin.one_change(c, old["items"] > 0),
                       "direction": c.direction, "q": _query(period, unit_code, measure=key)})
    svg = {
        "trend": charts.line_chart(_("近12个月信访件次"), [_("%(m)d月") % {"m": int(m[5:])} for m, _n, _o in trend],
                                   [(_("近12个月"), [n for _m, n, _o in trend]), (_("上年同月"), [o for _m, _n, o in trend])]),
        "category": charts.bar_chart(_("按内容分类（件次）"), [r.label for r in tables["category"][:10]],
                                     [(_("件次"), [r.counts["items"] for r in tables["category"][:10]])],
                                     horizontal=True, height=max(220, 34 * min(len(tables["category"]), 10) + 90)),
        "region": charts.bar_chart(_("按问题属地（件次）"), [r.label for r in tables["region"][:12]],
                                   [(_("件次"), [r.counts["items"] for r in tables["region"][:12]]),
                                    (_("来访人次"), [r.counts["persons"] for r in tables["region"][:12]])]),
        "unit": charts.bar_chart(_("按承办单位（件次）"), [r.label for r in tables["unit"][:10]],
                                 [(_("件次"), [r.counts["items"] for r in tables["unit"][:10]]),
                                  (_("超期未答复"), [r.counts["rep_overdue"] for r in tables["unit"][:10]])],
                                 horizontal=True, height=max(220, 40 * min(len(tables["unit"]), 10) + 90)),
    }
    low, high = st.conf("KPI_THRESHOLDS")
    ctx = {
        "active": "dashboard", "errors": errors, "period": period, "unit_code": unit_code or "",
        "date_from": period.start.isoformat(), "date_to": period.end.isoformat(), "units": _unit_options(user),
        "tiles": tiles, "volume": volume, "svg": {k: mark_safe(v) for k, v in svg.items()},  # SVG rendered here from escaped labels
        "hot_categories": [{"name": cats[c].full_name(), "n": n,
                            "q": _query(period, unit_code, dim="category", key=cats[c].code)}
                           for c, n in top if c in cats],
        "hot_titles": st.hot_titles(user, recent, unit=unit, limit=8), "recent": recent,
        "thresholds": (low, high), "as_of": timezone.localtime(now),
        "unit_rows": [{"label": r.label, "items": r.counts["items"],
                       "q": _query(period, unit_code, dim="unit", key=r.key, measure="items"),
                       "cells": [c for c in _kpi_cells(st.kpi_values(r.counts), period, unit_code, "unit", r.key)
                                 if c["kind"] == "rate" and c["key"] != "repeat_rate"]}
                      for r in tables["unit"][:15]],
    }
    return render(request, "web/reports/dashboard.html", ctx)


def _key_label(dim: str, key: str) -> str:
    if dim == "unit":
        u = Unit.objects.filter(code=key).first()
        return u.name if u else key
    if dim == "category":
        c = Category.objects.filter(code=key).first()
        return c.name if c else _("未分类")
    if dim == "region":
        r = Region.objects.filter(code=key.rstrip("=")).first()
        return (r.name + (_("（本级）") if key.endswith("=") else "")) if r else _("未填写")
    choices = {"channel": Channel, "visit_kind": VisitKind, "nature": Nature}.get(dim)
    if choices is not None:
        return str(choices(key).label) if key in choices.values else (_("非来访") if dim == "visit_kind" else key)
    return key


@login_required
def drill_view(request):
    """The petitions behind one figure: the same cohort, group and conditions as the figure."""
    _require(request.user)
    values, errors = _filters(request)
    if errors:
        raise Http404
    dim = request.GET.get("dim") or None
    key = request.GET.get("key") or ""
    measure = request.GET.get("measure") or "items"
    if dim is not None and dim not in st.DIMENSIONS:
        raise Http404
    try:
        qs = st.drill(request.user, dim=dim, key=key, measure=measure, **values)
        period = st.make_period(values["date_from"], values["date_to"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("web:reports")
    ctx = table_context(request, qs)
    crumbs = [period.label()]
    if values["unit_code"]:
        crumbs.append(_key_label("unit", values["unit_code"]))
    if dim:
        crumbs.append(f"{st.dimension_labels()[dim]}：{_key_label(dim, key)}")
    crumbs.append(st.measure_label(measure))
    ctx.update({"active": "reports", "crumbs": crumbs, "measure": measure,
                "weight": st.drill_weight(qs, measure) if st.MEASURES[measure].weight else None,
                "back_q": _query(period, values["unit_code"])})
    return render(request, "web/reports/drill.html", ctx)
