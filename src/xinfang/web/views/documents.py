"""文书: downloads of the issued notices (PDF, DOCX), the case dossier (案卷), and re-issuing a missing one.

Every file goes through these views (jurisdiction-scoped, audited); MEDIA_URL is never served.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xinfang.common.errors import NotFound
from xinfang.petitions.selectors import petition_get
from xinfang.reports.notices import access


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
