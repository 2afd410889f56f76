"""包案 on the workbench: the forms of the petition page's 包案领导 panel (arrange or take, end,
transfer) and a leader's own list (我的包案). Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from xinfang.common.errors import ApplicationError
from xinfang.oversight import selectors, services

from .petitions import _detail_context, _petition_or_404

STATE_TABS = (("active", gettext_lazy("在办")), ("resolved", gettext_lazy("已化解")), ("ended", gettext_lazy("已结束")),
              ("all", gettext_lazy("全部")))


def _posted(request, *names: str) -> dict:
    return {n: request.POST.get(n, "") for n in names}


def _submit(request, petition_id, form: str, call, done: str):
    petition = _petition_or_404(request, petition_id)
    try:
        call(petition)
    except ApplicationError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        ctx = _detail_context(request, _petition_or_404(request, petition_id))
        ctx.update({"ownership_error": exc, "ownership_failed": form, "ownership_values": request.POST})
        return render(request, "web/petition_detail.html", ctx, status=exc.status)
    messages.success(request, done)
    return redirect("web:petition", petition_id=petition.pk)


@login_required
@require_POST
def ownership_assign_view(request, petition_id):
    data = _posted(request, "leader", "note")
    return _submit(request, petition_id, "assign", lambda p: services.ownership_assign(
        actor=request.user, petition=p.pk, leader=data["leader"], note=data["note"]), _("已安排领导包案。"))


@login_required
@require_POST
def ownership_end_view(request, petition_id):
    data = _posted(request, "reason")
    return _submit(request, petition_id, "end", lambda p: services.ownership_end_current(
        actor=request.user, petition=p.pk, reason=data["reason"]), _("已解除包案。"))


@login_required
@require_POST
def ownership_transfer_view(request, petition_id):
    data = _posted(request, "leader", "reason", "note")
    return _submit(request, petition_id, "transfer", lambda p: services.ownership_transfer_current(
        actor=request.user, petition=p.pk, leader=data["leader"], reason=data["reason"], note=data["note"]),
        _("已转交包案。"))


def _active_pk(request, petition) -> int:
    own = selectors.ownership_active(request.user, petition)
    if own is None:
        raise ApplicationError(_("该信访件当前没有包案领导。"), "conflict")
    return own.pk


@login_required
@require_POST
def ownership_plan_view(request, petition_id):
    from xinfang.oversight.choices import STAGE_ORDER

    data = _posted(request, "plan", *(f"due_{st.value}" for st in STAGE_ORDER))
    dues = {st.value: data[f"due_{st.value}"] for st in STAGE_ORDER if f"due_{st.value}" in request.POST}
    return _submit(request, petition_id, "plan", lambda p: services.ownership_plan_set(
        actor=request.user, ownership=_active_pk(request, p), plan=data["plan"] if "plan" in request.POST else None,
        dues=dues), _("已保存包案方案。"))


@login_required
@require_POST
def ownership_stage_view(request, petition_id):
    data = _posted(request, "note", "stage")
    return _submit(request, petition_id, "stage", lambda p: services.ownership_stage_advance(
        actor=request.user, ownership=_active_pk(request, p), note=data["note"], stage=data["stage"] or None),
        _("已推进包案阶段。"))


@login_required
@require_GET
def my_ownerships_view(request):
    state = request.GET.get("state") or "active"
    if state not in selectors.STATES:
        state = "active"
    page = Paginator(selectors.ownerships_of_leader(request.user, state=state).prefetch_related("stages"), 30
                     ).get_page(request.GET.get("page"))
    for own in page:
        own.current_stage = selectors.ownership_current_stage(own)
    return render(request, "web/oversight/mine.html", {
        "active": "ownerships", "page": page, "state": state,
        "tabs": STATE_TABS, "page_qs": f"state={state}&"})
