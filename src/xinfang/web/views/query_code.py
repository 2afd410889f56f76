"""重新生成查询码: a new query code for a petitioner who lost theirs, issued at the counter.

POST only, from the confirm button on the petition page. The old code stops working at once; the new
one is shown once, the way registration shows it (a flash message, and encrypted in the session until
the 登记回执 is printed, see `intake`), and the portal's lock-out of the case number is lifted.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.common import crypto
from xinfang.common.errors import ApplicationError
from xinfang.petitions.services import query_code_reissue
from xinfang.portal.throttle import attempts_clear

from .intake import SESSION_CODES


@login_required
@require_POST
def query_code_reissue_view(request, petition_id):
    try:
        petition, code = query_code_reissue(actor=request.user, petition_id=petition_id)
    except ApplicationError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        return render(request, "403.html", {"status": 403, "title": _("无权操作"), "message": exc.message,
                                            "back_url": reverse("web:petition", args=[petition_id])}, status=403)
    attempts_clear("track_number", petition.number)
    codes = dict(list(request.session.get(SESSION_CODES, {}).items())[-9:])
    codes[str(petition.pk)] = crypto.encrypt(code)
    request.session[SESSION_CODES] = codes
    text = format_html(_("已重新生成查询码，编号 {number}，新查询码 {code}（仅显示这一次，请告知信访人；原查询码已失效）。"),
                       number=format_html("<b>{}</b>", petition.number),
                       code=format_html('<b class="query-code">{}</b>', code))
    messages.success(request, format_html('{text} <a href="{receipt}" target="_blank" class="receipt-link">{print}</a>',
                                          text=text, receipt=reverse("web:receipt", args=[petition.pk]),
                                          print=_("打印登记回执")))
    return redirect("web:petition", petition_id=petition.pk)
