"""信访人: look-up by ID number, phone or name; one page per petitioner with all their petitions;
an audited reveal of their personal data (DESIGN §5)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from xinfang.common import crypto
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.petitions import lookup
from xinfang.petitions.choices import PetitionerKind
from xinfang.petitions.services import petitioner_reveal
from xinfang.reports.exports import table_xlsx

from .common import export_requested, xlsx_download

PAGE_SIZE = 30


@login_required
def petitioner_list_view(request):
    """Recent petitioners (GET), or a search (POST, so ID numbers and phones stay out of URLs,
    browser history and access logs)."""
    data = request.POST if request.method == "POST" else request.GET
    q = (data.get("q") or "").strip()
    how, people = lookup.petitioner_search(request.user, q)
    if export_requested(request):
        return _export(request, how, q, people)
    page = Paginator(people, PAGE_SIZE).get_page(data.get("page"))
    return render(request, "web/petitioners/list.html", {"active": "petitioners", "q": q, "how": how, "page": page})


def _export(request, how: str, q: str, people):
    """The list as xlsx: names, ID numbers and phones masked as on the page; the query itself (it may
    be an ID number or a phone) masked too."""
    kinds = {value: str(label) for value, label in PetitionerKind.choices}
    hows = {"id_number": (_("按身份证号精确查询"), crypto.mask_id_number),
            "phone": (_("按电话号码精确查询"), crypto.mask_phone), "name": (_("按姓名查询"), crypto.mask_name)}
    label, mask = hows.get(how, (_("最近有信访记录的信访人"), None))
    criteria = [(_("查询方式"), label)] + ([(_("查询内容"), mask(q))] if mask and q else [])
    title = _("信访人")
    made = table_xlsx(
        request.user, title=title,
        headers=[(_("姓名"), 12), (_("类型"), 10), (_("身份证号"), 22), (_("联系电话"), 16), (_("信访件"), 8),
                 (_("未办结"), 8), (_("最近信访"), 18)],
        rows=([p.masked_name, kinds.get(p.kind, p.kind), p.masked_id_number, p.masked_phone, p.n_petitions or 0,
               p.n_open or 0, p.last_received] for p in people.iterator(chunk_size=500)),
        criteria=criteria, notes=[_("信访人姓名、身份证号和联系电话均已脱敏。")])
    return xlsx_download(request, made, title=title, action="petitioner.export", data={"how": how})


def _history_or_404(request, petitioner_id):
    try:
        return lookup.petitioner_history(request.user, petitioner_id)
    except NotFound:
        raise Http404 from None


@login_required
def petitioner_view(request, petitioner_id):
    history = _history_or_404(request, petitioner_id)
    return render(request, "web/petitioners/detail.html", {"active": "petitioners", "h": history,
                                                           "person": history.petitioner})


@never_cache
@login_required
@require_POST
def petitioner_reveal_view(request, petitioner_id):
    """查看完整信息: requires a reason, audited by the service; the clear values are shown once."""
    history = _history_or_404(request, petitioner_id)
    reason = request.POST.get("reason", "")
    template = "web/petitioners/_reveal.html" if request.htmx else "web/petitioners/detail.html"
    ctx = {"active": "petitioners", "h": history, "person": history.petitioner, "reason": reason}
    try:
        ctx["revealed"] = petitioner_reveal(actor=request.user, petitioner_id=history.petitioner.pk, reason=reason)
    except ApplicationError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        ctx["error"] = exc
        return render(request, template, ctx, status=exc.status)
    return render(request, template, ctx)
