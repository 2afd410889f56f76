"""催办 on the workbench: the list of urges in the user's jurisdiction, the petition page's contact-log
form, and the admins' page of reminder and urging rules. Thin: parse, call one service or selector,
render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.common.errors import ApplicationError
from xinfang.common.text import has_bad_characters
from xinfang.org.admin_scope import is_admin, is_global_admin, managed_units
from xinfang.oversight.urging import selectors, services
from xinfang.oversight.urging.models import SweepPolicy
from xinfang.oversight.urging.policy import FIELDS
from xinfang.petitions.selectors import petition_texts

from ..petitions import _petition_or_404

AUTO_TABS = (("", gettext_lazy("全部")), ("auto", gettext_lazy("自动催办")), ("manual", gettext_lazy("人工催办")))


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip()[:10]) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def urge_list_view(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in ("auto", "manual") else ""
    unit = (request.GET.get("unit") or "").strip()[:64]
    if has_bad_characters(unit):  # a NUL cannot even be compared on PostgreSQL
        unit = ""
    since, until = _day(request.GET.get("since", "")), _day(request.GET.get("until", ""))
    bad_dates = bool(request.GET.get("since") and since is None or request.GET.get("until") and until is None)
    qs = selectors.urges_visible(request.user, auto={"auto": True, "manual": False}.get(kind), unit=unit,
                                 since=since, until=until)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    rows = [(u, petition_texts(request.user, u.petition).title) for u in page]
    qs_base = "&".join(f"{k}={v}" for k, v in (("kind", kind), ("unit", unit), ("since", since or ""),
                                              ("until", until or "")) if v)
    return render(request, "web/urging/list.html", {
        "active": "urges", "page": page, "rows": rows, "kind": kind, "unit": unit, "since": since,
        "until": until, "tabs": [(k, str(label)) for k, label in AUTO_TABS], "bad_dates": bad_dates,
        "page_qs": f"{qs_base}&" if qs_base else "", "can_manage": is_admin(request.user)})


@login_required
@require_POST
def contact_add_view(request, petition_id):
    petition = _petition_or_404(request, petition_id)
    try:
        services.contact_add(actor=request.user, petition_id=petition.pk, method=request.POST.get("method", ""),
                             kind=request.POST.get("kind", ""), note=request.POST.get("note", ""),
                             at=request.POST.get("at") or None)
    except ApplicationError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已登记联系记录。"))
    return redirect(_petition_url(petition.pk))


def _petition_url(pk) -> str:
    from django.urls import reverse

    return reverse("web:petition", args=[pk]) + "#contacts"


def _admin_only(request):
    if not is_admin(request.user):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def policies_view(request):
    _admin_only(request)
    error, values = None, {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("unit", *FIELDS)}
        try:
            services.policy_save(actor=request.user, unit=values["unit"], values=values)
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise Http404 from None
            error = exc
        else:
            messages.success(request, _("已保存提醒与催办规则。"))
            return redirect("web:urging_policies")
    defaults = SweepPolicy()
    current = SweepPolicy.objects.filter(unit__isnull=True).first() or defaults
    return render(request, "web/urging/policies.html", {
        "active": "manage", "tab": "urging", "rows": selectors.policies_visible(request.user),
        "current_default": current,
        "fields": [(f, SweepPolicy._meta.get_field(f).verbose_name, getattr(current, f)) for f in FIELDS],
        "units": managed_units(request.user).filter(is_active=True).order_by("path")[:2000],
        "is_global_admin": is_global_admin(request.user), "error": error, "values": values,
    }, status=error.status if error else 200)


@login_required
@require_POST
def policy_delete_view(request, policy_id):
    _admin_only(request)
    try:
        services.policy_delete(actor=request.user, policy_id=policy_id)
    except ApplicationError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除该单位的规则，恢复使用上级或默认规则。"))
    return redirect("web:urging_policies")
