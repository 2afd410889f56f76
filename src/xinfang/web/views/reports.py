"""报表: the statistics dashboard, the bulletin with its downloads, the annual report, and the list of
petitions behind any figure. Every figure comes from `xinfang.reports.statistics`."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError
from xinfang.common.http import attachment
from xinfang.common.replica import replica_reads
from xinfang.insight.hotspots import selectors as hotspot_selectors
from xinfang.org.jurisdiction import visible_units
from xinfang.org.models import Region, Unit
from xinfang.petitions.choices import Channel, Nature, VisitKind
from xinfang.petitions.models import Category
from xinfang.reports import bulletin, charts
from xinfang.reports import statistics as st
from xinfang.reports.access import may_see_reports
from xinfang.reports.dashboard import dashboard_figures, dashboard_spots, dashboard_spots_period
from xinfang.reports.exports import RATE_FORMAT, Sheet, petitions_xlsx, tables_xlsx

from .common import SORTS, export_requested, table_context, xlsx_download


def _require(user) -> None:
    """Statistics are for leaders, analysts, supervisors and administrators; others see no such page
    (the API's rule too: `reports.access.may_see_reports`)."""
    if not may_see_reports(user):
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
                "numerator": k["numerator"], "denominator": k["denominator"],
                "colour": st.threshold_colour(k["value"], d), "definition": d.definition}
        if d.numerator:
            cell["num_q"] = _query(period, unit_code, dim=dim, key=key, measure=d.numerator)
            cell["den_q"] = _query(period, unit_code, dim=dim, key=key, measure=d.denominator)
        if k.get("yoy") and k["yoy"]["change"] is not None:
            cell["yoy"] = k["yoy"]["change"]
        cells.append(cell)
    return cells


@login_required
@replica_reads()
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
        r["cells"] = _kpi_cells(r["kpis"], period, unit_code, "unit", r["key"])
    ctx.update({"data": data, "period": period, "qs": qs, "date_from": period.start.isoformat(),
                "date_to": period.end.isoformat(), "kpi_cells": _kpi_cells(data["kpis"], period, unit_code),
                "kpi_heads": [k["label"] for k in data["kpis"]],
                "volume_rows": bulletin._volume_rows(data),
                "overdue_q": {"acc": _query(period, unit_code, measure="acc_overdue"),
                              "rep": _query(period, unit_code, measure="rep_overdue")}})
    if export_requested(request) and not ctx["errors"]:  # never a workbook of other figures than asked for
        title = _("统计报表")
        made = tables_xlsx(request.user, title=title, sheets=_bulletin_sheets(data), criteria=_bulletin_criteria(data),
                           notes=_bulletin_notes(data))
        return xlsx_download(request, made, title=title, action="report.export",
                             data={"report": "bulletin", "query": qs})
    return render(request, "web/reports/index.html", ctx)


# ---- the tables as spreadsheets ------------------------------------------------------------------

def _kpi_header(label: str, kind: str) -> str:
    """A KPI's column header saying what its numbers are: 及时受理率（%）, 平均办理时长（天）."""
    if kind == "rate":
        return _("%(label)s（%%）") % {"label": label}
    if kind == "mean":
        return _("%(label)s（天）") % {"label": label}
    return label


def _number(value):
    """A rate or mean as the number it is (one decimal), or a dash when there is none."""
    return "—" if value is None else value


def _kpi_unit(kind: str) -> str:
    return {"rate": "%", "mean": _("天")}.get(kind, "")


def _bulletin_criteria(data: dict) -> list[tuple[str, str]]:
    p = data["period"]
    return [(_("统计期间"), f"{p['label']}（{p['from']} — {p['to']}）"),
            (_("单位"), data["unit"]["name"] if data["unit"] else _("全部（本人管辖范围）"))]


def _bulletin_notes(data: dict) -> list[str]:
    notes = [*data["notes"], *[d["definition"] for d in data["definitions"]]]
    if data["tables"]["overdue_truncated"]:
        notes.append(_("超期清单仅列出前%(n)d件。") % {"n": bulletin.OVERDUE_LIST_MAX})
    return notes


def _bulletin_sheets(data: dict) -> list[Sheet]:
    """Every table of the 统计报表 page, rates and shares as numbers with one decimal."""
    t = data["tables"]
    return [
        Sheet(_("关键指标"), [(_("指标"), 18), (_("本期"), 10, RATE_FORMAT), (_("计量单位"), 8), (_("分子"), 10),
                           (_("分母"), 10), (_("去年同期"), 10, RATE_FORMAT), (_("同比变化"), 10, RATE_FORMAT)],
              [[k["label"], _number(k["value"]), _kpi_unit(k["kind"]), k["numerator"], k["denominator"],
                _number((k.get("yoy") or {}).get("previous")), _number((k.get("yoy") or {}).get("change"))]
               for k in data["kpis"]]),
        Sheet(_("表1 信访总量"), [(_("项目"), 22), (_("本期"), 10), (_("去年同期"), 10), (_("同比"), 20)],
              bulletin._volume_rows(data)),
        Sheet(_("表2 反映问题分类（按件次排序）"),
              [(_("排名"), 6), (_("内容分类"), 24), (_("件次"), 8), (_("%(label)s（%%）") % {"label": _("占比")}, 10,
                                                                   RATE_FORMAT),
               (_("去年同期"), 10), (_("同比"), 20)],
              [[r["rank"], r["label"], r["items"], _number(r["share"]), r["previous_items"], r["yoy_text"]]
               for r in t["by_category"] if r["items"] or r["previous_items"]]),
        Sheet(_("表3 问题属地"), [(_("属地"), 20), (_("件次"), 8), (_("来访批次"), 10), (_("来访人次"), 10),
                              (_("去年同期"), 10), (_("同比"), 20)],
              [[r["label"], r["items"], r["batches"], r["persons"], r["previous_items"], r["yoy_text"]]
               for r in t["by_region"] if r["items"] or r["previous_items"]]),
        Sheet(_("表4 承办单位办理情况"),
              [(_("承办单位"), 26), (_("件次"), 8), *[(_kpi_header(k["label"], k["kind"]), 12, RATE_FORMAT) for k in data["kpis"]],
               (_("超期件"), 8)],
              [[r["label"], r["items"], *[_number(k["value"]) for k in r["kpis"]], r["overdue"]]
               for r in t["by_unit"]]),
        Sheet(_("表6 超期清单"), [(_("类别"), 12), (_("信访件编号"), 22), (_("标题"), 36), (_("承办单位"), 22),
                              (_("收到日期"), 12), (_("到期日"), 12), (_("超期天数"), 8), (_("状态"), 10)],
              [[r["kind"], r["number"], r["title"], r["unit"], dt.date.fromisoformat(r["received"]),
                dt.date.fromisoformat(r["due"]) if r["due"] else "—",
                "—" if r["days_overdue"] is None else r["days_overdue"], r["status"]] for r in t["overdue"]]),
    ]


@login_required
@replica_reads()
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
    audit_record(actor=request.user, action="report.download", data={"report": "bulletin", "format": fmt, **values})
    return attachment(content, content_type, name)


@login_required
@replica_reads()
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
    audit_record(actor=request.user, action="report.download", data={
        "report": "annual", "format": fmt, "year": request.GET.get("year", "")[:8],
        "unit_code": (request.GET.get("unit") or "").strip()[:64] or None})
    return attachment(content, content_type, name)


def _unit_kpi_cells(r: st.Row, period: st.Period, unit_code: str | None) -> list[dict]:
    """The rates of the dashboard's unit table (the repeat rate left out)."""
    return [c for c in _kpi_cells(st.kpi_values(r.counts), period, unit_code, "unit", r.key)
            if c["kind"] == "rate" and c["key"] != "repeat_rate"]


def _dashboard_question(request, now) -> tuple[st.Period, Unit | None, list[str]]:
    """The dashboard's period and unit from the query string; a bad date or unit gives the default
    question and its message (the page and its hot spots panel ask the same question)."""
    values, errors = _filters(request)
    try:
        period = st.make_period(values["date_from"], values["date_to"], as_of=now)
        unit = st.resolve_unit(request.user, values["unit_code"])
    except ApplicationError as exc:
        errors.append(exc.message)
        period, unit = st.make_period(None, None, as_of=now), None
    return period, unit, errors


@login_required
@replica_reads()
def dashboard_view(request):
    """统计看板: KPI tiles coloured by the thresholds, the monthly trend, bars by category, region and
    unit, and the hot issues; charts are SVG rendered here (no script or style from anywhere else)."""
    _require(request.user)
    user = request.user
    now = timezone.now()
    period, unit, errors = _dashboard_question(request, now)
    unit_code = unit.code if unit else None
    exporting = export_requested(request) and not errors
    f = dashboard_figures(user, period, unit, now, wait_for_spots=exporting)
    if exporting:
        title = _("统计看板")
        made = tables_xlsx(user, title=title, sheets=_dashboard_sheets(user, f, period, unit, now),
                           criteria=[(_("统计期间"), f"{period.label()}（{period.start} — {period.end}）"),
                                     (_("单位"), unit.name if unit else _("全部（本人管辖范围）")),
                                     (_("统计截至"), timezone.localtime(now))],
                           notes=[*st.general_notes(),
                                  _("“反映较多的事项”统计期间：%(p)s") % {"p": f["recent"].label()},
                                  *[k.definition for k in st.kpi_definitions()]])
        return xlsx_download(request, made, title=title, action="report.export",
                             data={"report": "dashboard", "query": _query(period, unit_code)})
    cur, old, trend, tables = f["cur"], f["old"], f["trend"], f["tables"]
    tiles = _kpi_cells(st.kpi_values(cur), period, unit_code)
    volume = []
    for key, label in _volume_labels():
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
        "hot_titles": f["hot_titles"], "recent": f["recent"],
        **_spots_context(user, f["hot_spots"], f["spots_period"], period),
        "spots_url": reverse("web:report_dashboard_hotspots") + "?" + _query(period, unit_code),
        "thresholds": (low, high), "as_of": timezone.localtime(now),
        "unit_rows": [{"label": r.label, "items": r.counts["items"],
                       "q": _query(period, unit_code, dim="unit", key=r.key, measure="items"),
                       "cells": _unit_kpi_cells(r, period, unit_code)}
                      for r in tables["unit"][:15]],
    }
    return render(request, "web/reports/dashboard.html", ctx)


def _spots_context(user, spots: list | None, spots_period: st.Period, period: st.Period) -> dict:
    return {"hot_spots": spots, "spots_period": spots_period, "period": period,
            "spots_q": urlencode({"from": spots_period.start.isoformat(), "to": spots_period.end.isoformat()}),
            "spots_link": hotspot_selectors.may_see(user)}


@login_required
@replica_reads()
def dashboard_hotspots_view(request):
    """The dashboard's 热点问题 panel on its own (the page asks for it when the hot spots of its question
    are not kept from an earlier request: grouping a year's petitions takes seconds at a million)."""
    _require(request.user)
    period, unit, _errors = _dashboard_question(request, timezone.now())
    spots = dashboard_spots(request.user, period, unit)
    return render(request, "web/reports/_dashboard_hotspots.html",
                  _spots_context(request.user, spots, dashboard_spots_period(period), period))


def _volume_labels() -> list[tuple[str, str]]:
    return [("items", _("信访总件次")), ("batches", _("来访批次")), ("persons", _("来访人次"))]


def _point_change(delta: float | None, kind: str, basis: str) -> str:
    """The change of a rate (in percentage points) or a mean (in days) against its baseline."""
    if delta is None:
        return "—"
    if delta == 0:
        return _("%(b)s持平") % {"b": basis}
    n = f"{abs(delta):.1f}"
    if kind == "mean":
        return (_("%(b)s增加%(n)s天") if delta > 0 else _("%(b)s减少%(n)s天")) % {"b": basis, "n": n}
    return (_("%(b)s上升%(n)s个百分点") if delta > 0 else _("%(b)s下降%(n)s个百分点")) % {"b": basis, "n": n}


def _dashboard_sheets(user, f: dict, period: st.Period, unit: Unit | None, now: dt.datetime) -> list[Sheet]:
    """The dashboard as tables: the tiles with their 同比 and 环比, the trend, the three breakdowns, the
    units' rates and the hot issues."""
    # the tiles' comparisons: the KPI report's (the same cut-off interval before the comparison periods' ends)
    rep = st.kpi_report(user, date_from=period.start, date_to=period.end, unit_code=unit.code if unit else None,
                        as_of=now)
    yoy_basis, mom_basis = _("同比"), _("环比")
    tiles = []
    for key, label in _volume_labels():
        cur, old, prior = rep.total[key], rep.total_previous[key], rep.total_prior[key]
        tiles.append([label, cur, "", old, st.change_text(st.change(cur, old), basis=yoy_basis), prior,
                      st.change_text(st.change(cur, prior), basis=mom_basis)])
    for k in st.kpi_values(rep.total, rep.total_previous, rep.total_prior):
        tiles.append([k["label"], _number(k["value"]), _kpi_unit(k["kind"]), _number(k["yoy"]["previous"]),
                      _point_change(k["yoy"]["change"], k["kind"], yoy_basis), _number(k["mom"]["previous"]),
                      _point_change(k["mom"]["change"], k["kind"], mom_basis)])
    tables = f["tables"]
    rates = [k for k in st.kpi_definitions() if k.kind == "rate" and k.key != "repeat_rate"]
    return [
        Sheet(_("关键指标"), [(_("指标"), 18), (_("本期"), 10, RATE_FORMAT), (_("计量单位"), 8),
                           (_("去年同期"), 10, RATE_FORMAT), (_("同比"), 24), (_("上期"), 10, RATE_FORMAT),
                           (_("环比"), 24)], tiles),
        Sheet(_("近12个月信访件次"), [(_("月份"), 10), (_("件次"), 8), (_("上年同月"), 10)], f["trend"]),
        Sheet(_("按内容分类"), [(_("内容分类"), 24), (_("件次"), 8), (_("来访人次"), 10)],
              [[r.label, r.counts["items"], r.counts["persons"]] for r in tables["category"]]),
        Sheet(_("按问题属地"), [(_("属地"), 20), (_("件次"), 8), (_("来访人次"), 10)],
              [[r.label, r.counts["items"], r.counts["persons"]] for r in tables["region"]]),
        Sheet(_("承办单位指标"), [(_("承办单位"), 26), (_("件次"), 8),
                              *[(_kpi_header(k.label, k.kind), 12, RATE_FORMAT) for k in rates], (_("超期未答复"), 10)],
              [[r.label, r.counts["items"], *[_number(k["value"]) for k in st.kpi_values(r.counts)
                                              if k["kind"] == "rate" and k["key"] != "repeat_rate"],
                r.counts["rep_overdue"]] for r in tables["unit"]]),
        Sheet(_("热点问题"), [(_("排名"), 6), (_("热点"), 48), (_("热度"), 8, RATE_FORMAT), (_("件次"), 8), (_("人次"), 8)],
              [[s.rank, s.title, s.score, s.items, s.person_times] for s in f["hot_spots"]]),
        Sheet(_("反映较多的事项"), [(_("排名"), 6), (_("标题"), 48), (_("件次"), 8)],
              [[i, t, n] for i, (t, n) in enumerate(f["hot_titles"], start=1)]),
    ]


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
@replica_reads()
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
    if export_requested(request):
        criteria = [(_("统计期间"), f"{period.label()}（{period.start} — {period.end}）"),
                    (_("单位"), _key_label("unit", values["unit_code"]) if values["unit_code"]
                     else _("全部（本人管辖范围）"))]
        if dim:
            criteria.append((st.dimension_labels()[dim], _key_label(dim, key)))
        criteria.append((_("统计项目"), st.measure_label(measure)))
        sort = request.GET.get("sort")
        qs = qs.order_by(sort if sort in SORTS else "-received_at", "-id")
        title = _("统计明细")
        return xlsx_download(request, petitions_xlsx(request.user, qs, criteria=criteria, title=title), title=title,
                             action="petition.export", data={"report": "drill", "query": request.GET.urlencode()[:1000]})
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
