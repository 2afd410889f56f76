"""消息 on the workbench: the inbox (unread first, filter, mark one / all read, open a message's link
which marks it read) and the preferences page (which kinds also go by SMS / e-mail; phone and e-mail).
Thin: one selector or service per request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.common.errors import ApplicationError
from xinfang.notifications.kinds import KINDS, kind_label
from xinfang.notifications.selectors import notifications_of
from xinfang.notifications.services import (
    contact_phone_masked,
    notification_read,
    notifications_read_all,
    preferences_of,
    preferences_set,
)

TABS = (("all", gettext_lazy("全部")), ("unread", gettext_lazy("未读")), ("read", gettext_lazy("已读")))


@login_required
@require_GET
def inbox_view(request):
    show = request.GET.get("show") or "all"
    if show not in dict(TABS):
        show = "all"
    mine = notifications_of(request.user)
    qs = mine
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    elif show == "read":
        qs = qs.filter(read_at__isnull=False)
    unread_first = Case(When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    page = Paginator(qs.order_by(unread_first, "-created_at", "-id"), 30).get_page(request.GET.get("page"))
    for n in page:
        n.kind_label = kind_label(n.kind)
    return render(request, "web/notifications/inbox.html", {
        "active": "notifications", "page": page, "show": show, "tabs": TABS, "page_qs": f"show={show}&",
        "unread": mine.filter(read_at__isnull=True).count()})


def _back(request):
    nxt = request.POST.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return redirect(nxt)
    return redirect("web:notifications")


@login_required
@require_POST
def read_view(request, notification_id: int):
    try:
        notification_read(user=request.user, notification_id=notification_id)
    except ApplicationError:
        raise Http404 from None
    return _back(request)


@login_required
@require_POST
def read_all_view(request):
    n = notifications_read_all(user=request.user)
    messages.success(request, _("已将 %(n)d 条消息标为已读。") % {"n": n})
    return _back(request)


@login_required
@require_GET
def open_view(request, notification_id: int):
    """Follow a message's link (marking it read); a message without a (local) link opens the inbox."""
    try:
        row = notification_read(user=request.user, notification_id=notification_id)
    except ApplicationError:
        raise Http404 from None
    link = row.link or ""
    if link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("web:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def preferences_view(request):
    user = request.user
    error = None
    if request.method == "POST":
        choices = {kind: (f"sms_{kind}" in request.POST, f"email_{kind}" in request.POST) for kind in KINDS}
        phone = (request.POST.get("phone") or "").strip() or None  # empty: the number stays as it is
        if request.POST.get("phone_clear"):
            phone = ""
        try:
            preferences_set(user=user, choices=choices, phone=phone,
                            email=request.POST.get("email", user.email))
        except ApplicationError as exc:
            error = exc
        else:
            messages.success(request, _("消息接收设置已保存。"))
            return redirect("web:notification_preferences")
    rows = preferences_of(user)
    return render(request, "web/notifications/preferences.html", {
        "active": "notifications", "rows": rows, "phone_masked": contact_phone_masked(user),
        "email": request.POST.get("email", user.email) if error else user.email, "error": error},
        status=422 if error else 200)
