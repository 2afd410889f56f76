"""信息公开: the weekly public summary (no account; counts and rates only)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from xinfang.common.errors import ApplicationError

from ..selectors.summary import last_complete_week, week_links, week_pick, weekly_summary


@require_safe
def weekly(request):
    today = timezone.localdate()
    try:
        monday = week_pick(request.GET.get("week"), today=today)
    except ApplicationError as exc:
        return render(request, "portal/summary.html", {
            "active": "summary", "error": exc.message, "default_week": last_complete_week(today)}, status=400)
    return render(request, "portal/summary.html", {
        "active": "summary", "s": weekly_summary(monday), "links": week_links(monday, today=today),
        "default_week": last_complete_week(today)})
