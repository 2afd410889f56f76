"""Reply assistance on the reply forms (issue 12): similar answered petitions, and the draft check."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from xinfang.common.errors import NotFound
from xinfang.insight.replies.selectors import (
    answered_similar,
    may_use_reply_aid,
    pending_draft_check,
    petition_draft_check,
)
from xinfang.petitions.selectors import petition_get


def _petition(request, petition_id):
    try:
        petition = petition_get(request.user, petition_id)
    except NotFound:
        raise Http404 from None
    if not may_use_reply_aid(request.user, petition):
        raise PermissionDenied
    return petition


def _page(request, fragment: str, ctx: dict):
    """The fragment alone for htmx, inside a page without JavaScript."""
    ctx["fragment"] = fragment
    return render(request, fragment if request.htmx else "web/reply_aid/page.html", ctx)


@login_required
@require_GET
def reply_aid_panel_view(request, petition_id):
    """Similar answered petitions (the drafting forms) and, with ?approve=1, the pending draft's check."""
    petition = _petition(request, petition_id)
    ctx = {"p": petition, "matches": answered_similar(request.user, petition)}
    if request.GET.get("approve") == "1":
        ctx["draft"], ctx["flags"] = pending_draft_check(request.user, petition)
        ctx["checked"] = True
    return _page(request, "web/reply_aid/_panel_body.html", ctx)


@login_required
@require_POST
def reply_check_view(request, petition_id):
    """The check of the draft being typed (the drafting form's 检查草稿 button)."""
    petition = _petition(request, petition_id)
    flags = petition_draft_check(request.user, petition, outcome=request.POST.get("outcome", ""),
                                 text=request.POST.get("text", ""), basis=request.POST.get("basis", ""))
    return _page(request, "web/reply_aid/_flags.html", {"p": petition, "flags": flags, "checked": True})
