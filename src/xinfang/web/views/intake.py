"""登记 (intake). Placeholder until the intake module is built."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def intake_view(request):
    return render(request, "web/todo.html", {"active": "intake"})


@login_required
def receipt_view(request, petition_id):
    return render(request, "web/todo.html", {})
