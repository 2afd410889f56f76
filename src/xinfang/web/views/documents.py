"""文书: downloads of the issued notices (PDF, DOCX), the case dossier (案卷), re-issuing a missing one,
and the 文书 panel alone, which the petition page polls while a notice is being generated.

Every file goes through these views (jurisdiction-scoped, audited); MEDIA_URL is never served.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xinfang.common.errors import NotFound
from xinfang.petitions.selectors import petition_get, petition_texts
from xinfang.reports.notices import access

from ..templatetags.documents_panel import panel_context


@login_required
@require_GET
def document_download_view(request, document_id, fmt):
    try:
        doc, _petition = access.document_get(request.user, document_id)
        return access.file_response(doc, fmt, actor=request.user)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def dossier_view(request, petition_id):
    try:
        petition = access.dossier_petition(request.user, petition_id)
    except NotFound:
        raise Http404 from None
    return access.dossier_response(request.user, petition)


@login_required
@require_POST
def documents_regenerate_view(request, petition_id):
    try:
        petition = petition_get(request.user, petition_id)
    except NotFound:
        raise Http404 from None
    if access.identity_protected(request.user, petition):
        raise Http404
    count = access.regenerate_missing(request.user, petition)
    if count:
        messages.success(request, _("已重新生成%(n)d份文书。") % {"n": count})
    else:
        messages.info(request, _("没有缺失的文书。"))
    return redirect("web:petition", petition_id=petition.pk)


@require_GET
def documents_panel_view(request, petition_id):
    """The petition page's 文书 panel (the card in its polling wrapper), for the page to swap in while a
    notice is being generated; the wrapper stops polling once none is. Jurisdiction-scoped (404)."""
    if not request.user.is_authenticated:  # a poll from a page whose session ended: nothing to swap in
        return HttpResponse(status=401)
    try:
        petition = petition_get(request.user, petition_id)
    except NotFound:
        raise Http404 from None
    try:
        polls = min(max(int(request.GET.get("poll", 0)), 0), 10_000)
    except ValueError:
        polls = 0
    # the replies on the card, as the petition page shows them to this user
    texts = petition_texts(request.user, petition)
    replies = [texts.reply(r) for r in petition.replies.select_related("unit", "drafted_by", "approved_by")]
    context = {"request": request, "replies": replies, "csrf_token": get_token(request)}
    # rendered without the request's context processors: the navigation is not part of the panel
    html = render_to_string("web/documents/_panel.html", panel_context(context, petition, polls=polls))
    return HttpResponse(html, headers={"Cache-Control": "no-store"})
