"""工作台 (home) and 待办 (queues)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from xinfang.petitions.selectors import petitions_visible
from xinfang.reports.exports import petitions_xlsx
from xinfang.workflow.queues import ALL, QUEUES, queue, with_undelivered_since

from ..navigation import home_panels
from .common import SORTS, export_requested, table_context, xlsx_download
from .search import paged_context


@login_required
def home(request):
    if export_requested(request):
        return _export(request, petitions_visible(request.user), _("最近的信访件"), default_sort="-received_at",
                       audit={"list": "home"})
    # the whole jurisdiction (half a million petitions for a district office): read the page's rows
    # only, and count up to selectors.COUNT_CAP
    ctx = paged_context(request, petitions_visible(request.user), per_page=15)
    ctx["active"] = "home"
    ctx["home_panels"] = home_panels(request)
    return render(request, "web/home.html", ctx)


@login_required
def queue_view(request, key):
    labels = dict(QUEUES)
    if key == ALL:  # the union of the queues, each petition once (as the navigation counts it)
        qs, title, active = queue(request.user, ALL), _("全部待办"), "queue"
    elif key in labels:
        qs, title, active = queue(request.user, key), labels[key], f"queue:{key}"
        if key == "deliver":
            qs = with_undelivered_since(qs)
    else:
        raise Http404
    if export_requested(request):
        return _export(request, qs, title)
    ctx = table_context(request, qs, default_sort="due_on")
    ctx.update({"title": title, "active": active, "export_qs": f"?export=xlsx&sort={ctx['sort']}"})
    return render(request, "web/queue.html", ctx)


def _export(request, qs, title, *, default_sort: str = "due_on", audit: dict | None = None):
    """The list as xlsx: Chinese headers, scoped, petitioners masked, formulas neutralised."""
    sort = request.GET.get("sort")
    qs = qs.order_by(sort if sort in SORTS else default_sort, "-id")
    return xlsx_download(request, petitions_xlsx(request.user, qs, title=title), title=title,
                         action="petition.export", data=audit or {"queue": str(title)})
