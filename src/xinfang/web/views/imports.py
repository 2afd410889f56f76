"""批量导入. Placeholder until the import module is built."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def import_view(request):
    return render(request, "web/todo.html", {"active": "imports"})
