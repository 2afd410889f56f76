"""知识库. Placeholder until the knowledge module is built."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def knowledge_view(request):
    return render(request, "web/todo.html", {"active": "knowledge"})
