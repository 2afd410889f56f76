"""督办 and 批示 on the workbench: the lists (督办件, 批示件), the supervision board (督办公示栏), and the
forms of the petition page's panel (report, accept / send back, close). Thin: parse, call one service or
selector, render. Orders outside the user's jurisdiction answer 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from xinfang.common.errors import ApplicationError, NotFound
from xinfang.org.choices import Role
from xinfang.org.jurisdiction import all_roles
from xinfang.oversight.supervision import selectors, services
from xinfang.petitions.selectors import petition_texts

from ..petitions import _detail_context, _petition_or_404

SUPERVISION_TABS = (("todo", gettext_lazy("待本单位反馈")), ("decide", gettext_lazy("待我审核")),
                    ("overdue", gettext_lazy("已超期")), ("all", gettext_lazy("全部")))
INSTRUCTION_TABS = (("mine", gettext_lazy("我的批示")), ("todo", gettext_lazy("待本单位反馈")),
                    ("all", gettext_lazy("全部")))


def default_supervision_tab(roles: set[str]) -> str:
    return "decide" if roles & {Role.SUPERVISOR} else "todo"


def rows(user, orders) -> list[dict]:
    """Each order with its texts as the user may see them (an accuser's identifiers masked outside the
    handling chain) and its overdue mark."""
    today = timezone.localdate()
    out, texts = [], {}
    for o in orders:
        t = texts.get(o.petition_id) or texts.setdefault(o.petition_id, petition_texts(user, o.petition))
        out.append({"o": o, "title": t.title, "text": t.mask(getattr(o, "requirement", None) or o.text),
                    "overdue": selectors.is_overdue(o, today)})
    return out


def _page(request, qs):
    return Paginator(qs, 30).get_page(request.GET.get("page"))


@login_required
@require_GET
def supervision_list_view(request):
    roles = all_roles(request.user)
    tab = request.GET.get("tab") or default_supervision_tab(roles)
    if tab not in dict(SUPERVISION_TABS):
        tab = "todo"
    user = request.user
    qs = {"todo": lambda: selectors.supervisions_todo(user), "decide": lambda: selectors.supervisions_to_decide(user),
          "overdue": lambda: selectors.supervisions_overdue(user),
          "all": lambda: selectors.supervisions_visible(user)}[tab]()
    page = _page(request, qs)
    return render(request, "web/supervision/list.html", {
        "active": "supervision", "tab": tab, "tabs": SUPERVISION_TABS, "page": page,
        "rows": rows(user, page.object_list), "page_qs": f"tab={tab}&"})


@login_required
@require_GET
def supervision_board_view(request):
    closed = request.GET.get("closed") == "1"
    user = request.user
    qs = selectors.supervision_board(user, closed=closed)
    page = _page(request, qs)
    return render(request, "web/supervision/board.html", {
        "active": "supervision_board", "closed": closed, "page": page, "rows": rows(user, page.object_list),
        "today": timezone.localdate(), "page_qs": "closed=1&" if closed else ""})


@login_required
@require_GET
def instruction_list_view(request):
    roles = all_roles(request.user)
    tab = request.GET.get("tab") or ("mine" if Role.LEADER in roles else "todo")
    if tab not in dict(INSTRUCTION_TABS):
        tab = "todo"
    user = request.user
    qs = {"mine": lambda: selectors.instructions_filter(user, mine=True),
          "todo": lambda: selectors.instructions_todo(user),
          "all": lambda: selectors.instructions_visible(user)}[tab]()
    page = _page(request, qs)
    return render(request, "web/supervision/instructions.html", {
        "active": "instructions", "tab": tab, "tabs": INSTRUCTION_TABS, "page": page,
        "rows": rows(user, page.object_list), "page_qs": f"tab={tab}&"})


# ---- the petition page's forms -----------------------------------------------------------------------


def _submit(request, get, call, form: str, done: str, anchor: str):
    try:
        order = get()
    except NotFound:
        raise Http404 from None
    try:
        call(order)
    except ApplicationError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        request.supervision_error = {"form": form, "id": order.pk, "error": exc, "values": request.POST}
        petition = _petition_or_404(request, order.petition_id)
        return render(request, "web/petition_detail.html", _detail_context(request, petition), status=exc.status)
    messages.success(request, done)
    return redirect(reverse("web:petition", args=[order.petition_id]) + f"#{anchor}")


@login_required
@require_POST
def supervision_report_view(request, supervision_id):
    data = request.POST
    return _submit(request, lambda: selectors.supervision_get(request.user, supervision_id),
                   lambda o: services.supervision_report(actor=request.user, supervision=o.pk,
                                                         kind=data.get("kind", ""), text=data.get("text", "")),
                   "report", _("已报告督办办理情况。"), "supervision")


@login_required
@require_POST
def supervision_accept_view(request, supervision_id):
    return _submit(request, lambda: selectors.supervision_get(request.user, supervision_id),
                   lambda o: services.supervision_accept(actor=request.user, supervision=o.pk,
                                                         note=request.POST.get("note", "")),
                   "accept", _("督办件已销号。"), "supervision")


@login_required
@require_POST
def supervision_return_view(request, supervision_id):
    return _submit(request, lambda: selectors.supervision_get(request.user, supervision_id),
                   lambda o: services.supervision_return(actor=request.user, supervision=o.pk,
                                                         note=request.POST.get("note", "")),
                   "return", _("已退回督办反馈。"), "supervision")


@login_required
@require_POST
def instruction_report_view(request, instruction_id):
    return _submit(request, lambda: selectors.instruction_get(request.user, instruction_id),
                   lambda o: services.instruction_report(actor=request.user, instruction=o.pk,
                                                         text=request.POST.get("text", "")),
                   "ireport", _("已反馈批示办理情况。"), "instructions")


@login_required
@require_POST
def instruction_close_view(request, instruction_id):
    return _submit(request, lambda: selectors.instruction_get(request.user, instruction_id),
                   lambda o: services.instruction_close(actor=request.user, instruction=o.pk,
                                                        note=request.POST.get("note", "")),
                   "close", _("批示件已办结。"), "instructions")


