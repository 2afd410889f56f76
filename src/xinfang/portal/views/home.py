"""The portal's first page: the body's channels (S22 Art 18) and the 领导接待日 calendar with bookable slots."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..selectors.profile import profile_get
from ..selectors.reception import CALENDAR_DAYS, calendar


@require_GET
def index(request):
    return render(request, "portal/home.html", {
        "active": "home", "profile": profile_get(), "days": calendar(), "calendar_days": CALENDAR_DAYS})
