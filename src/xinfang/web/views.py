"""Minimal staff pages: the scoped petition list and a petition with its timeline."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from xinfang.common.errors import NotFound
from xinfang.org.jurisdiction import memberships
from xinfang.petitions import selectors as petition_selectors
from xinfang.petitions.choices import Status
from xinfang.petitions.selectors import in_handling_chain
from xinfang.workflow.selectors import petition_events
from xinfang.workflow.services import allowed_actions
from xinfang.workflow.transitions import TABLE


@login_required
def petition_list_view(request):
    status = request.GET.get("status") or None
    q = request.GET.get("q") or None
    qs = petition_selectors.petition_list(request.user, status=status if status in Status.values else None, q=q)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "web/petition_list.html", {
        "page": page, "statuses": Status.choices, "status": status or "", "q": q or "",
        "memberships": memberships(request.user)})


@login_required
def petition_detail_view(request, petition_id):
    try:
        petition = petition_selectors.petition_get(request.user, petition_id)
    except NotFound:
        raise Http404 from None
    links = [] if (petition.nature == "accusation" and not in_handling_chain(request.user, petition)) else list(
        petition.petitioner_links.select_related("petitioner"))
    actions = [TABLE[a] for a in allowed_actions(request.user, petition)]
    return render(request, "web/petition_detail.html", {
        "p": petition, "links": links, "events": petition_events(petition), "actions": actions,
        "deadlines": petition.deadlines.exclude(cancelled=True).order_by("start", "id"),
        "memberships": memberships(request.user)})

