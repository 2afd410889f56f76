"""信访件详情: every field, the timeline, documents, and the forms of the actions allowed now."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.common.errors import ApplicationError, NotFound
from xinfang.insight.feedback.services import outcome_record
from xinfang.insight.similarity.selectors import petition_similar
from xinfang.insight.similarity.services import may_decide, similar_decide
from xinfang.org.selectors import units_all
from xinfang.oversight.selectors import ownership_panel
from xinfang.petitions import selectors as petition_selectors
from xinfang.petitions.selectors import accuser_hidden, petition_texts
from xinfang.workflow.selectors import petition_events
from xinfang.workflow.services import allowed_actions, petition_act
from xinfang.workflow.transitions import TABLE

from ..action_forms import CAUTION, FORMS, dynamic_choices, handler_choices, parse
from ..route_suggestions import ROUTE_ACTIONS, route_suggestions


def _petition_or_404(request, petition_id):
    try:
        return petition_selectors.petition_get(request.user, petition_id)
    except NotFound:
        raise Http404 from None


def _detail_context(request, petition, *, failed_action=None, error=None, values=None):
    hidden = accuser_hidden(request.user, petition)
    links = [] if hidden else list(petition.petitioner_links.select_related("petitioner"))
    # title, content, demands, timeline notes and replies as this user may see them (S22 Art 30)
    texts = petition_texts(request.user, petition)
    actions = []
    for name in allowed_actions(request.user, petition):
        actions.append({"name": name, "label": TABLE[name].label, "fields": FORMS.get(name, ()),
                        "caution": name in CAUTION, "failed": name == failed_action,
                        "values": values if name == failed_action else {},
                        "choices": dynamic_choices(name, petition)})
    needs_units = any(f.kind == "unit" for a in actions for f in a["fields"])
    needs_handlers = any(f.kind == "handler" for a in actions for f in a["fields"])
    return {
        "p": petition, "links": links, "hidden": hidden, "texts": texts,
        "events": texts.events(petition_events(petition)),
        "actions": actions, "error": error,
        "deadlines": petition.deadlines.exclude(cancelled=True).order_by("start", "id"),
        "replies": [texts.reply(r) for r in petition.replies.select_related("unit", "drafted_by", "approved_by")],
        "units": units_all() if needs_units else [],
        "handlers": handler_choices(petition) if needs_handlers else [],
        **_similar_panel(request, petition),
        "may_decide_similar": may_decide(request.user),
        "route_suggestions": route_suggestions(petition) if any(a["name"] in ROUTE_ACTIONS for a in actions) else [],
        "attachments": petition.attachments.all(),
        "ownership": ownership_panel(request.user, petition),
        "area_panels": _area_panels(request, petition),
        "active": "search",
    }


@login_required
def petition_detail_view(request, petition_id):
    petition = _petition_or_404(request, petition_id)
    return render(request, "web/petition_detail.html", _detail_context(request, petition))


def _similar_panel(request, petition) -> dict:
    """Repeat/duplicate candidates (issue 12) with 确认/排除, then the petitioner's other petitions
    that are not candidates (as before: masked where the accuser is hidden)."""
    candidates = petition_similar(request.user, petition.pk).candidates[:10]
    shown = {c.petition.pk for c in candidates}
    others = [s for s in petition_selectors.petitions_similar(request.user, petition, limit=10) if s.pk not in shown]
    return {"similar": candidates, "similar_others": others}


def _area_panels(request, petition) -> list[tuple[str, dict]]:
    """issue 10's areas' panels on the petition page (contact log, supervision orders, ...)."""
    from ..navigation import area_modules

    panels: list[tuple[str, dict]] = []
    for module in area_modules():
        hook = getattr(module, "petition_panels", None)
        if hook is not None:
            panels += hook(request, petition)
    return panels


@login_required
@require_POST
def petition_act_view(request, petition_id, action):
    petition = _petition_or_404(request, petition_id)
    if action not in TABLE:
        raise Http404
    post = request.POST
    params = parse(action, post)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        petition_act(actor=request.user, petition_id=petition.pk, action=action, version=version, params=params)
    except ApplicationError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        petition = _petition_or_404(request, petition_id)
        ctx = _detail_context(request, petition, failed_action=action, error=exc, values=request.POST)
        return render(request, "web/petition_detail.html", ctx, status=exc.status)
    if action in ROUTE_ACTIONS:  # whether the suggested unit was taken (issue 12)
        outcome_record(actor=request.user, petition=petition, kind="unit", suggested=post.get("suggested_unit", ""),
                       confidence=post.get("suggested_confidence", 0), chosen=post.get("unit", "").strip(),
                       method=post.get("suggested_method", ""))
    messages.success(request, _("已完成：%(a)s") % {"a": TABLE[action].label})
    return redirect("web:petition", petition_id=petition.pk)


@login_required
@require_POST
def petition_similar_decide_view(request, petition_id):
    """确认/排除 one repeat or duplicate candidate of the petition (404 outside jurisdiction, 403 without the role)."""
    petition = _petition_or_404(request, petition_id)
    try:
        candidate_id = int(request.POST.get("candidate", ""))
    except ValueError:
        candidate_id = 0
    if candidate_id <= 0:
        messages.error(request, _("请选择相似信访件。"))
        return redirect("web:petition", petition_id=petition.pk)
    try:
        similar_decide(actor=request.user, petition_id=petition.pk, candidate_id=candidate_id,
                       kind=request.POST.get("kind", ""), decision=request.POST.get("decision", ""))
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
        return redirect("web:petition", petition_id=petition.pk)
    messages.success(request, _("已记录相似件认定。"))
    return redirect("web:petition", petition_id=petition.pk)
