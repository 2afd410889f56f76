"""热点问题 and 预警 on the workbench: the ranked hot spots of a period, the alert inbox, one alert,
acknowledging it. Analysts, leaders and administrators only (others: 404, as the statistics pages).
Thin: parse the form, call one selector or service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.common.errors import ApplicationError
from xinfang.insight.hotspots import selectors, services

PER_PAGE = 30


def _require(request) -> None:
    if not selectors.may_see(request.user):
        raise Http404


def _date(request, name: str, errors: list[str]) -> dt.date | None:
    raw = (request.GET.get(name) or "").replace("\x00", "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        errors.append(_("日期格式无效：%(v)s（应为YYYY-MM-DD）") % {"v": raw[:20]})
        return None


def _top(request, errors: list[str]) -> int:
    raw = (request.GET.get("top") or "").strip()
    if not raw:
        return 20
    if not raw.isdigit() or not 1 <= int(raw) <= selectors.TOP_MAX:
        errors.append(_("显示条数应为1到%(n)d之间的整数。") % {"n": selectors.TOP_MAX})
        return 20
    return int(raw)


@login_required
def hotspots_view(request):
    _require(request)
    errors: list[str] = []
    date_from, date_to, top = _date(request, "from", errors), _date(request, "to", errors), _top(request, errors)
    try:
        (start, end), spots = selectors.hotspots_for(request.user, date_from=date_from, date_to=date_to, top=top)
    except ApplicationError as exc:
        errors.append(exc.message)
        (start, end), spots = selectors.hotspots_for(request.user, top=top)
    return render(request, "web/hotspots/list.html", {
        "active": "hotspots", "errors": errors, "spots": spots, "start": start, "end": end, "top": top})


@login_required
def alerts_view(request):
    _require(request)
    state = request.GET.get("state") or ""
    if state not in {"", "open", "acknowledged"}:
        state = ""
    page = Paginator(selectors.alerts_filtered(request.user, state=state), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "web/hotspots/alerts.html", {
        "active": "hotspots_alerts", "page": page, "state": state,
        "urgent": list(selectors.urgent_reports_pending(request.user)[:20])})


@login_required
def alert_view(request, alert_id: int):
    _require(request)
    try:
        alert = selectors.alert_get(request.user, alert_id)
    except ApplicationError:
        raise Http404 from None
    return render(request, "web/hotspots/alert.html", {
        "active": "hotspots_alerts", "alert": alert, "members": selectors.alert_members(request.user, alert)})


@login_required
@require_POST
def alert_ack_view(request, alert_id: int):
    _require(request)
    try:
        services.alert_acknowledge(actor=request.user, alert_id=alert_id)
    except ApplicationError:
        raise Http404 from None
    messages.success(request, _("已知悉。"))
    return redirect("web:hotspots_alert", alert_id=alert_id)
