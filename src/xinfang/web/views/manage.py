"""系统管理. Placeholder until the management module is built."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def manage_view(request):
    return render(request, "web/todo.html", {"active": "manage"})
