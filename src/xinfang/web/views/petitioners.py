"""信访人. Placeholder until the petitioner module is built."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def petitioner_list_view(request):
    return render(request, "web/todo.html", {"active": "petitioners"})


@login_required
def petitioner_view(request, petitioner_id):
    return render(request, "web/todo.html", {"active": "petitioners"})
