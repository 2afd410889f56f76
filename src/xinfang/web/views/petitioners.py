"""信访人: look-up by ID number, phone or name; one page per petitioner with all their petitions;
an audited reveal of their personal data (DESIGN §5)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from xinfang.common.errors import ApplicationError, NotFound
from xinfang.petitions import lookup
from xinfang.petitions.services import petitioner_reveal

PAGE_SIZE = 30


@login_required
def petitioner_list_view(request):
    """Recent petitioners (GET), or a search (POST, so ID numbers and phones stay out of URLs,
    browser history and access logs)."""
    data = request.POST if request.method == "POST" else request.GET
    q = (data.get("q") or "").strip()
    how, people = lookup.petitioner_search(request.user, q)
    page = Paginator(people, PAGE_SIZE).get_page(data.get("page"))
    return render(request, "web/petitioners/list.html", {"active": "petitioners", "q": q, "how": how, "page": page})


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
