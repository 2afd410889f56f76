"""登记 (intake): the per-channel form, its htmx look-ups, and the printable 登记回执.

The query code is shown once: right after registration it goes into a flash message and, encrypted,
into the session until the receipt is first opened. It is never stored with the petition (only its
keyed hash is).
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from xinfang.api import idempotency
from xinfang.common import crypto
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.common.validators import ID_EARLIEST_BIRTH, ID_MESSAGES, ID_PROVINCES
from xinfang.insight.feedback.services import outcome_record
from xinfang.insight.selectors import category_suggestions, suggestions_method
from xinfang.insight.similarity.selectors import Intake, similar_check
from xinfang.insight.similarity.services import similar_decide
from xinfang.org.models import Region
from xinfang.petitions import lookup
from xinfang.petitions.choices import Status
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import accuser_hidden, petition_get, petition_texts

from .. import intake_forms as forms

SESSION_CODES = "xinfang_query_codes"
LINK_VALUE = re.compile(r"^(repeat|duplicate):(\d{1,12})$")
TAKE_VALUE = re.compile(r"^take:([A-Za-z0-9_.-]{1,64})$")
ROW_KEY = re.compile(r"^p-(\d{1,3})-(id_number|phone|name)$")
SESSION_CHANNEL = "xinfang_intake_channel"
FORM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@login_required
def intake_view(request):
    """登记: open the form of the channel the clerk used last (来访 at first)."""
    channel = request.session.get(SESSION_CHANNEL)
    if channel not in forms.CHANNELS:
        channel = "visit"
    return redirect("web:intake_channel", channel=channel)


def _form_context(request, data: forms.IntakeInput, *, review: forms.Review | None = None, token: str = "") -> dict:
    spec = forms.CHANNELS[data.channel]
    repeat = None
    if data.values.get("repeat_of"):
        try:
            repeat = petition_get(request.user, data.values["repeat_of"])
        except NotFound:
            repeat = None
    review = review or forms.Review()
    problems = review.ordered(data.rows)
    errors = {name: message for name, _label, message in problems}
    first = f"p-0-{spec.columns[0]}"
    autofocus = problems[0][0] if problems else first
    if autofocus == "petitioners":  # too many representatives, or a person entered twice
        autofocus = "p-0-rep" if data.representatives > settings.XINFANG["MAX_REPRESENTATIVES"] else first
    elif autofocus == "duplicate_choice":
        autofocus = "duplicate_choice"
    elif autofocus == "":
        autofocus = first
    for row in data.rows:
        prefix = f"p-{row.index}-"
        row.errors = {name[len(prefix):]: message for name, message in errors.items() if name.startswith(prefix)}
        if "reuse" in row.errors:
            row.errors.setdefault("phone", row.errors.pop("reuse"))
        row.autofocus = autofocus[len(prefix):] if autofocus.startswith(prefix) else ""
    return {
        "active": "intake", "spec": spec, "data": data, "rows": data.rows, "autofocus": autofocus,
        # a re-rendered form keeps its token (nothing was stored); a fresh form gets a new one
        "form_token": token or secrets.token_urlsafe(18),
        "template_row": forms.Row("__i__"), "columns": spec.columns,
        "channel_label": dict(forms.choices()["channels"])[data.channel],
        "problems": problems, "errors": errors, "error_field": problems[0][0] if problems else "",
        "review": review, "finals": [(p, forms.final_warning(p)) for p in review.finals],
        "confirm_options": _confirm_options(data, review),
        "units": forms.clerk_units(request.user), "repeat": repeat,
        "category_options": lookup.category_options(), "region_options": lookup.region_options(request.user),
        "unit_options": lookup.unit_options(request.user), "max_reps": settings.XINFANG["MAX_REPRESENTATIVES"],
        "group_min": settings.XINFANG["GROUP_MIN"], "collective_min": settings.XINFANG["COLLECTIVE_MIN"],
        "insight": _insight(request, data),
        "lost_files": [f.name for f in data.files] if problems else [],
        "id_check": {"messages": {k: str(m) for k, m in ID_MESSAGES.items()}, "provinces": sorted(ID_PROVINCES),
                     "earliest": ID_EARLIEST_BIRTH.isoformat(), "today": timezone.localdate().isoformat()},
        **forms.choices(),
    }


def _links(post) -> list[tuple[str, int]]:
    """The candidates the clerk chose to link the new petition to ("关联为重复件"), as (kind, id)."""
    out = []
    for value in post.getlist("similar_link")[:10]:
        m = LINK_VALUE.match(value)
        if m:
            out.append((m.group(1), int(m.group(2))))
    return out


def _insight(request, data: forms.IntakeInput) -> dict:
    """issue 12 at intake: the category suggested for the text typed so far, and the repeat/duplicate
    candidates of the typed petitioners, text and region (only petitions the clerk may see)."""
    title, content = data.values.get("title", ""), data.values.get("content", "")
    if not (title or content):
        return {"suggestions": [], "candidates": [], "typed": False}
    labels = dict(lookup.category_options())
    suggestions = [{"code": s.code, "label": labels.get(s.code, s.name), "confidence": s.confidence,
                    "percent": round(s.confidence * 100), "keywords": s.keywords}
                   for s in category_suggestions(title=title[:200], content=content[:5000], limit=3)
                   if s.code in labels]
    region_code = lookup.region_code(data.values.get("problem_region", "")[:200]) or ""
    region_id = Region.objects.filter(code=region_code).values_list("pk", flat=True).first() if region_code else None
    intake = Intake.of_input(title=title[:200], content=content[:5000], petitioners=data.people,
                             problem_region_id=region_id)
    post = getattr(data, "post", None)
    linked = {f"{k}:{pk}" for k, pk in _links(post)} if post is not None else set()
    candidates = [{"c": c, "value": f"{c.kind}:{c.petition.pk}", "checked": f"{c.kind}:{c.petition.pk}" in linked,
                   "percent": round(c.score * 100)} for c in similar_check(request.user, intake).candidates[:8]]
    return {"suggestions": suggestions, "candidates": candidates, "typed": True,
            "method": suggestions_method() if suggestions else ""}


def _record_insight(request, petition, post) -> None:
    """After registration: whether the suggested category was taken, and the links the clerk chose."""
    outcome_record(actor=request.user, petition=petition, kind="category",
                   suggested=post.get("suggested_category", ""), confidence=post.get("suggested_confidence", 0),
                   chosen=petition.category.code if petition.category_id else "",
                   method=post.get("suggested_method", ""))
    for kind, candidate_id in _links(post):
        try:
            with transaction.atomic():
                similar_decide(actor=request.user, petition_id=petition.pk, candidate_id=candidate_id,
                               kind=kind, decision="confirmed")
        except ApplicationError as exc:  # e.g. the candidate is later than the petition: registration stands
            messages.warning(request, _("未能关联相似信访件：%(m)s") % {"m": exc.message})


def _confirm_options(data: forms.IntakeInput, review: forms.Review) -> list[dict]:
    """The matters the clerk may link the new petition to, 复核终结 ones first, and which is chosen."""
    chosen = review.chosen or (forms.CHOICE_REPEAT + data.values.get("repeat_of", "")
                               if data.values.get("repeat_of") else "")
    out = []
    for p in review.matters:
        value = f"{forms.CHOICE_REPEAT}{p.pk}"
        out.append({"p": p, "value": value, "final": p.status == Status.FINAL, "checked": value == chosen})
    return out


def _saved_before(request, petition_id: int):
    petition = Petition.objects.get(pk=petition_id)
    messages.info(request, _("该登记表已保存过（编号 %(number)s），重复提交未再次登记。") % {"number": petition.number})
    return redirect("web:petition", petition_id=petition.pk)


@login_required
def intake_channel_view(request, channel):
    """The form for one channel; POST registers. Every problem of the form is reported at once (422,
    everything kept), and so is a duplicate or 复核终结 matter that needs the clerk's choice."""
    if channel not in forms.CHANNELS:
        raise Http404
    if not forms.clerk_units(request.user):
        return render(request, "web/intake/forbidden.html", {"active": "intake"}, status=403)
    request.session[SESSION_CHANNEL] = channel
    if request.method != "POST":
        return render(request, "web/intake/form.html", _form_context(request, forms.IntakeInput.blank(channel)))
    token = request.POST.get("form_token", "")
    if token and not FORM_TOKEN.match(token):
        token = ""
    key = f"web-intake:{token}" if token else None
    done = idempotency.stored_answer(user=request.user, key=key) if key else None
    if done is not None:  # this form was saved before (back and resubmit): nothing more stored
        return _saved_before(request, done[1]["petition"])
    if request.POST.get("_insight"):  # 智能提示 without JS: re-render with the suggestions; nothing stored
        post = request.POST.copy()
        m = TAKE_VALUE.match(post.get("_insight", ""))
        if m:
            post["category"] = dict(lookup.category_options()).get(m.group(1), "")
        data = forms.IntakeInput.from_post(channel, post, None)
        data.post = post
        return render(request, "web/intake/form.html", _form_context(request, data, token=token))
    data = forms.IntakeInput.from_post(channel, request.POST, request.FILES)
    data.post = request.POST
    review = data.review(request.user)
    if not review.ok:
        return render(request, "web/intake/form.html", _form_context(request, data, review=review,
                                                                     token=token), status=422)

    created = []

    def save():
        petition, code = forms.register(actor=request.user, data=data, review=review)
        created.append(petition.pk)
        _record_insight(request, petition, request.POST)  # in the registration's transaction
        return 201, {"petition": petition.pk, "code": code}

    try:
        # the form's one-time token is an idempotency key: the second of two posts of the same form
        # (a double click, back and resubmit) waits for the first and stores nothing
        _status, saved = idempotency.run_once(user=request.user, key=key, body={}, create=save)
    except ApplicationError as exc:  # the service's own checks still refused
        review.errors = {forms.input_name(exc.field): exc.message}
        return render(request, "web/intake/form.html", _form_context(request, data, review=review, token=token),
                      status=422 if exc.code == "invalid" else exc.status)
    if not created:  # a double click: the first post saved the form while this one waited
        return _saved_before(request, saved["petition"])
    petition, code = Petition.objects.get(pk=saved["petition"]), saved["code"]
    codes = request.session.get(SESSION_CODES, {})
    codes = dict(list(codes.items())[-9:])  # a few receipts may be pending; never more
    codes[str(petition.pk)] = crypto.encrypt(code)
    request.session[SESSION_CODES] = codes
    text = format_html(_("已登记，编号 {number}，查询码 {code}（仅显示这一次，请告知信访人）。"),
                       number=format_html("<b>{}</b>", petition.number), code=format_html('<b class="query-code">{}</b>', code))
    messages.success(request, format_html(
        '{text} <a href="{receipt}" target="_blank" class="receipt-link">{print}</a> · <a href="{again}">{more}</a>',
        text=text, receipt=reverse("web:receipt", args=[petition.pk]), print=_("打印登记回执"),
        again=reverse("web:intake_channel", args=[channel]), more=_("继续登记")))
    return redirect("web:petition", petition_id=petition.pk)


@login_required
@require_POST
def intake_lookup_view(request):
    """The earlier petitions of whoever matches the petitioner row being typed (htmx). POST, so
    that ID numbers and phones never appear in URLs or access logs. With the category typed so far,
    a matter of theirs in that category that reached 复核终结 is flagged (不再受理, S22 Art 36)."""
    typed = {"id_number": "", "phone": "", "name": ""}
    row = "0"
    for key, value in request.POST.items():
        m = ROW_KEY.match(key)
        if m:
            row, name = m.groups()
        elif key in typed:
            name = key
        else:
            continue
        typed[name] = value.strip()[:64]
    keys = lookup.lookup_keys(**typed)
    matches = lookup.petitioner_matches(request.user, **keys) if any(keys.values()) else []
    category = lookup.category_code(request.POST.get("category", "")[:200]) or ""
    for m in matches:
        m.finals = [(p, forms.final_warning(p)) for p in lookup.final_matters(
            user=request.user, category=category, petitioner_ids=[m.petitioner.pk])] if category else []
        m.reusable = forms.reusable(m.petitioner)
    return render(request, "web/intake/_lookup.html", {
        "matches": matches, "keys": keys, "typed": any(typed.values()), "row": row, "who": typed["name"],
        "total": sum(m.total for m in matches), "open_total": sum(m.open_total for m in matches)})


@login_required
@require_POST
def intake_insight_view(request, channel):
    """The 智能提示 panel for the form being typed (htmx): suggested categories and similar petitions."""
    if channel not in forms.CHANNELS:
        raise Http404
    if not forms.clerk_units(request.user):
        return render(request, "web/intake/forbidden.html", {"active": "intake"}, status=403)
    data = forms.IntakeInput.from_post(channel, request.POST, None)
    data.post = request.POST
    return render(request, "web/intake/_insight.html", {"insight": _insight(request, data), "spec": forms.CHANNELS[channel]})


@login_required
def intake_repeat_view(request):
    """Link (or unlink) the new petition as a repeat of an earlier one (htmx)."""
    repeat = None
    ref = request.GET.get("petition", "")
    if ref:
        try:
            repeat = petition_get(request.user, ref)
        except NotFound:
            raise Http404 from None
    return render(request, "web/intake/_repeat.html", {"repeat": repeat})


@never_cache
@login_required
def receipt_view(request, petition_id):
    """登记回执: printable; the query code appears only on the first opening after registration."""
    try:
        petition = petition_get(request.user, petition_id)
    except NotFound:
        raise Http404 from None
    codes = request.session.get(SESSION_CODES, {})
    token = codes.pop(str(petition.pk), None)
    if token is not None:
        request.session[SESSION_CODES] = codes
    code = crypto.decrypt(token) if token else ""
    hidden = accuser_hidden(request.user, petition)
    links = [] if hidden else list(petition.petitioner_links.select_related("petitioner"))
    reps = [lk for lk in links if lk.is_representative] or links
    accept = petition.deadlines.filter(kind="accept").order_by("id").first()
    texts = petition_texts(request.user, petition)  # the accuser's identifiers masked outside the chain
    return render(request, "web/intake/receipt.html", {
        "p": texts.petition_view(), "code": code, "hidden": hidden, "names": [lk.petitioner.masked_name for lk in reps[:5]],
        "more": max(petition.headcount - len(reps[:5]), 0), "accept": accept,
        "portal_url": request.build_absolute_uri("/portal/"), "today": timezone.localdate(),
    })
