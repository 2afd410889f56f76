"""工作台 (home) and 待办 (queues)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from xinfang.petitions.selectors import petitions_visible
from xinfang.workflow.queues import QUEUES, queue

from .common import table_context


@login_required
def home(request):
    ctx = table_context(request, petitions_visible(request.user), per_page=15)
    ctx["active"] = "home"
    return render(request, "web/home.html", ctx)


@login_required
def queue_view(request, key):
    labels = dict(QUEUES)
    if key == "all":
        wanted = Q(pk__in=[])
        for k in labels:
            if k != "overdue":
                wanted |= Q(pk__in=queue(request.user, k).values("pk"))
        qs, title, active = petitions_visible(request.user).filter(wanted), _("全部待办"), "queue"
    elif key in labels:
        qs, title, active = queue(request.user, key), labels[key], f"queue:{key}"
    else:
        raise Http404
    ctx = table_context(request, qs, default_sort="due_on")
    ctx.update({"title": title, "active": active})
    return render(request, "web/queue.html", ctx)
