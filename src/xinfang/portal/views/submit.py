"""我要信访: the online petition form, its category suggestions (htmx) and the one-time confirmation.

After a successful POST the browser is redirected (PRG) to done/, which shows the case number and the
query code once: the code waits encrypted in the session until that page is first opened, then it is
gone (a reload says so and points to the tracking page). The code is never stored in clear anywhere.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from xinfang.common import crypto
from xinfang.common.errors import ApplicationError
from xinfang.insight.selectors import category_suggestions

from .. import submit_forms as forms
from .. import throttle
from ..selectors.profile import profile_get
from ..services import submit as service
from ..services.submit import Submission

SESSION_RECEIPT = "xinfang_portal_receipt"
SUGGEST_TITLE, SUGGEST_CONTENT = 200, 5000  # characters of the text the suggestion reads

LABELS = {
    "nature": gettext_lazy("性质"), "title": gettext_lazy("标题"), "content": gettext_lazy("反映内容"),
    "demands": gettext_lazy("诉求"), "category": gettext_lazy("内容分类"), "problem_region": gettext_lazy("问题属地"),
    "accused_person": gettext_lazy("被反映单位或人员"), "anonymous": gettext_lazy("匿名"),
    "name": gettext_lazy("姓名"), "id_number": gettext_lazy("身份证号码"), "phone": gettext_lazy("联系电话"),
    "address": gettext_lazy("住址"), "attachments": gettext_lazy("附件"),
}


def _suggest_allowed(request) -> bool:
    """Counts one suggestion for the address; False when it is over ACT_ADDRESS_HOUR this hour."""
    address = throttle.client_address(request)
    if throttle.over("act_address", address, throttle.conf("ACT_ADDRESS_HOUR"), minutes=60):
        return False
    throttle.attempt_add("act_address", address)
    return True


def _category_context(*, selected: str, title: str = "", content: str = "", suggest: bool = False,
                      allowed: bool = True, error: str = "") -> dict:
    """The category select: with `suggest`, the suggestions for the text, the best one preselected."""
    suggestions, note = [], ""
    if suggest and not allowed:
        note = _("推荐次数过多，请稍后再试，或直接在列表中选择。")
    elif suggest:
        suggestions = category_suggestions(title=title[:SUGGEST_TITLE], content=content[:SUGGEST_CONTENT], limit=3)
        if suggestions:
            selected = suggestions[0].code
        else:
            note = _("没有找到合适的推荐，请直接在列表中选择；不确定可以不选。")
    return {"groups": forms.category_groups(), "selected": selected, "suggestions": suggestions,
            "suggested": suggest, "note": note, "category_error": error}


def _render(request, data: Submission, *, errors: dict | None = None, notice: str = "", status: int = 200,
            category: dict | None = None):
    errors = errors or {}
    problems = [(name, LABELS.get(name, ""), errors[name]) for name in service.FIELDS if name in errors]
    problems += [(name, LABELS.get(name, ""), msg) for name, msg in errors.items() if name not in service.FIELDS]
    lost = [f.name for f in data.files]  # a browser never posts them again: say which to choose anew
    context = {
        "active": "submit", "data": data, "errors": errors, "problems": problems, "notice": notice,
        "natures": forms.nature_options(), "regions": forms.region_options(), "honeypot": forms.HONEYPOT,
        "max_files": service.MAX_FILES, "max_total_mb": service.MAX_TOTAL_BYTES // 1048576,
        "max_file_mb": settings.XINFANG["ATTACHMENT_MAX_BYTES"] // 1048576,
        "extensions": ",".join("." + e for e in settings.XINFANG["ATTACHMENT_EXTENSIONS"]),
        "extension_names": "、".join(settings.XINFANG["ATTACHMENT_EXTENSIONS"]),
        "lost_files": lost, "autofocus": problems[0][0] if problems else "",
        **(category or _category_context(selected=data.category, error=errors.get("category", ""))),
    }
    return render(request, "portal/submit.html", context, status=status)


def _track_url(request) -> str:
    path = reverse("portal:track")
    site = (getattr(settings, "XINFANG_SITE_URL", "") or "").rstrip("/")
    return site + path if site else request.build_absolute_uri(path)


@never_cache
@require_http_methods(["GET", "POST"])
def form(request):
    """GET: the empty form. POST: register the petition (or, from the 推荐分类 button without
    JavaScript, re-render with category suggestions)."""
    if request.method != "POST":
        return _render(request, Submission())
    data = forms.submission_from_post(request.POST, request.FILES)
    if "suggest" in request.POST:
        category = _category_context(selected=data.category, title=data.title, content=data.content, suggest=True,
                                     allowed=_suggest_allowed(request))
        return _render(request, data, category=category)
    if forms.honeypot_filled(request.POST):
        return _render(request, data, notice=_("提交未成功，请检查后重新提交。"), status=400)
    problems = service.submission_problems(data)
    if problems:
        return _render(request, data, errors=problems, status=400)
    profile = profile_get()
    try:
        petition, code, sms = service.portal_petition_submit(data=data, address=throttle.client_address(request),
                                                             office=profile.name, track_url=_track_url(request))
    except ApplicationError as exc:
        if exc.field:
            return _render(request, data, errors={exc.field: exc.message}, status=400)
        return _render(request, data, notice=exc.message, status=429 if exc.code == "rate_limited" else 400)
    request.session[SESSION_RECEIPT] = {
        "number": petition.number, "code": crypto.encrypt(code),
        "phone": crypto.mask_phone(data.sms_phone) if sms else "",
    }
    return redirect("portal:submit_done")


@require_POST
def suggest(request):
    """推荐分类 (htmx): the category select re-rendered for the posted title and content, the best
    suggestion preselected. POST only (the text never goes in a URL), CSRF-checked, rate-limited."""
    title = (request.POST.get("title") or "")[:SUGGEST_TITLE]
    content = (request.POST.get("content") or "")[:SUGGEST_CONTENT]
    selected = (request.POST.get("category") or "").strip()[:32]
    context = _category_context(selected=selected, title=title, content=content, suggest=True,
                                allowed=_suggest_allowed(request))
    return render(request, "portal/_category_select.html", context)


@never_cache
def done(request):
    """The confirmation: the number and query code, shown this once."""
    receipt = request.session.pop(SESSION_RECEIPT, None)
    context = {"active": "submit", "receipt": None}
    if isinstance(receipt, dict) and receipt.get("code"):
        context["receipt"] = {"number": receipt.get("number", ""), "code": crypto.decrypt(receipt["code"]),
                              "phone": receipt.get("phone", "")}
    return render(request, "portal/submit_done.html", context)
