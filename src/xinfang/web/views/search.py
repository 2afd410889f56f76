"""查询 (search). Placeholder until the search module is built."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def search_view(request):
    return render(request, "web/todo.html", {"active": "search"})
