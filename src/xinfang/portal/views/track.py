"""Tracking a case: the number + query code form (POST only; a code never travels in a URL), the case
page of the session's case, its documents (opening the written opinion records its delivery), and the
citizen's moves (满意度评价, 复查/复核). Thin: the reads are in selectors.tracking, the writes in
services.tracking."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError

from .. import access, throttle
from ..selectors import tracking as sel
from ..services import tracking as svc

ERROR_STATUS = {"locked": 429, "rate_limited": 429, "stale_version": 409, "illegal_transition": 409}


def _status(error: ApplicationError) -> int:
    return ERROR_STATUS.get(error.code, 400)


@require_http_methods(["GET", "POST"])
def find(request):
    """GET the form; POST number + code: the same answer for a wrong number and a wrong code."""
    context = {"active": "track", "number": "", "error": None}
    if request.method == "GET":
        return render(request, "portal/track.html", context)
    number = str(request.POST.get("number", ""))[:access.MAX_NUMBER + 1]
    context["number"] = number.strip()
    try:
        petition = access.petition_track(number=number, code=str(request.POST.get("code", "")),
                                         address=throttle.client_address(request))
    except ApplicationError as e:
        context["error"] = e
        return render(request, "portal/track.html", context, status=_status(e))
    access.session_grant(request, petition)
    return redirect("portal:case")


def _case_or_none(request, case_id=None):
    return access.session_petition(request, case_id) if case_id else access.session_petition(request)


def _render_case(request, petition, *, error=None, form=None, status=200):
    context = {"active": "track", **sel.case_view(petition), "error": error, "form": form or {}}
    return render(request, "portal/case.html", context, status=status)


@require_GET
def case(request):
    petition = _case_or_none(request)
    if petition is None:
        messages.info(request, _("请输入信访件编号和查询码查询办理进度。"))
        return redirect("portal:track")
    return _render_case(request, petition)


def _document(request, document_id):
    """The session's document `document_id` and its case; 404 for anything else."""
    from xinfang.reports.models import IssuedDocument

    try:
        petition_id = IssuedDocument.objects.filter(pk=int(document_id)).values_list("petition_id", flat=True).first()
    except (TypeError, ValueError):
        petition_id = None
    petition = access.session_petition(request, petition_id) if petition_id else None
    doc = sel.document_of(petition, document_id) if petition is not None else None
    if doc is None:
        raise Http404(_("文书不存在。"))
    return petition, doc


@require_http_methods(["GET", "POST"])
def document(request, document_id):
    petition, doc = _document(request, document_id)
    if request.method == "POST":
        try:
            svc.document_open(petition=petition, doc=doc, address=throttle.client_address(request))
        except ApplicationError as e:
            return _render_case(request, petition, error=e, status=_status(e))
        return redirect("portal:document", document_id=doc.pk)
    context = {"active": "track", **sel.document_view(petition, doc)}
    return render(request, "portal/document.html", context)


@require_GET
def document_pdf(request, document_id):
    petition, doc = _document(request, document_id)
    if sel.sealed(petition, doc):
        return redirect("portal:document", document_id=doc.pk)
    from xinfang.reports.notices.services import file_present

    if not file_present(doc.pdf):
        context = {"active": "track", "petition": petition, "doc": doc, "missing": True}
        return render(request, "portal/document.html", context, status=404)
    audit_record(actor="citizen", action="document.download", obj=doc,
                 data={"petition_id": doc.petition_id, "number": doc.number, "format": "pdf", "portal": True})
    response = FileResponse(doc.pdf.open("rb"), as_attachment=False, filename=f"{doc.number}.pdf".replace("/", "-"),
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _posted_case(request):
    petition = _case_or_none(request, request.POST.get("case") or None)
    if petition is None:
        messages.info(request, _("查询已过期，请重新输入信访件编号和查询码。"))
    return petition


@require_POST
def evaluate(request):
    petition = _posted_case(request)
    if petition is None:
        return redirect("portal:track")
    form = {"level": request.POST.get("level", ""), "reason": request.POST.get("reason", "")}
    try:
        svc.evaluate(petition=petition, level=form["level"], reason=form["reason"],
                     version=request.POST.get("version"), address=throttle.client_address(request))
    except ApplicationError as e:
        return _render_case(request, petition, error=e, form={"evaluate": form}, status=_status(e))
    messages.success(request, _("感谢您的评价，已记录。"))
    return redirect("portal:case")


@require_POST
def review(request):
    petition = _posted_case(request)
    if petition is None:
        return redirect("portal:track")
    form = {"unit": request.POST.get("unit", ""), "reason": request.POST.get("reason", "")}
    try:
        petition = svc.request_appeal(petition=petition, unit=form["unit"], reason=form["reason"],
                                      version=request.POST.get("version"), address=throttle.client_address(request))
    except ApplicationError as e:
        return _render_case(request, petition, error=e, form={"review": form}, status=_status(e))
    messages.success(request, _("申请已提交，%(unit)s将依法办理。") % {"unit": petition.review_unit.name})
    return redirect("portal:case")


@require_POST
def leave(request):
    access.session_forget(request)
    messages.info(request, _("已退出查询。"))
    return redirect(reverse("portal:track"))
