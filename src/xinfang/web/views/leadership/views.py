"""Workbench pages of leadership (issue 10): 领导接待日 (a week's list, create/edit, slots and bookings, the
counter's "登记为来访") and 下访 (list, create, matters, "登记为信访件"). Thin: parse the form, call one
service or selector, render; a refusal re-renders the form with the message (404 outside the scope)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinfang.common.errors import ApplicationError, NotFound
from xinfang.org.choices import Level, Role
from xinfang.org.jurisdiction import memberships, visible_units
from xinfang.org.models import Membership, Region
from xinfang.oversight.leadership import rules, selectors, services
from xinfang.oversight.selectors import leader_name

DAY_FIELDS = ("leader", "unit", "date", "start_time", "end_time", "place", "topic", "lawyers", "note")


def _get_or_404(fn, *args):
    try:
        return fn(*args)
    except NotFound:
        raise Http404 from None


def _week_start(value: str | None) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(value) if value and len(value) == 10 else today
    except ValueError:
        day = today
    if not 2000 <= day.year <= 2100:
        day = today
    return day - dt.timedelta(days=day.weekday())


def _leaders(user) -> list[tuple[str, str]]:
    """(value, label) of the leaders the user may arrange: leaders of units the user manages."""
    units = [m.unit for m in memberships(user) if m.role in rules.MANAGE_ROLES]
    rows = (Membership.objects.filter(role=Role.LEADER, user__is_active=True, unit__in=visible_units(user))
            .select_related("user", "user__staff_profile", "unit", "unit__region")
            .order_by("unit__path", "user__username"))
    out = []
    for m in rows:
        if m.user_id == user.pk or any(m.unit.path.startswith(u.path) or
                                       (u.kind == "petition_office" and m.unit.region.path.startswith(u.region.path))
                                       for u in units):
            out.append((f"{m.user.username}|{m.unit.code}", f"{leader_name(m.user)}（{m.unit.name}）"))
    return out


def _units(user) -> list[tuple[str, str]]:
    return [(u.code, u.name) for u in visible_units(user).order_by("path")[:500]]


@login_required
def reception_days_view(request):
    start = _week_start(request.GET.get("week"))
    unit = (request.GET.get("unit") or "")[:32]
    if "\x00" in unit:
        unit = ""
    end = start + dt.timedelta(days=6)
    days = list(selectors.reception_days_list(request.user, date_from=start, date_to=end, unit=unit or None))
    week = [(start + dt.timedelta(days=i), [d for d in days if d.date == start + dt.timedelta(days=i)])
            for i in range(7)]
    return render(request, "web/leadership/reception_days.html", {
        "active": "reception_days", "week": week, "start": start, "end": end, "unit": unit,
        "prev": (start - dt.timedelta(days=7)).isoformat(), "next": (start + dt.timedelta(days=7)).isoformat(),
        "units": _units(request.user), "can_create": bool(_leaders(request.user))})


def _day_values(post) -> dict:
    data = {k: post.get(k, "") for k in DAY_FIELDS}
    data["published"] = post.get("published") == "on"
    data["joint_units"] = [c for c in post.getlist("joint_units") if c][:20]
    return data


def _day_form(request, ctx: dict, status: int = 200):
    ctx.update({"active": "reception_days", "leaders": _leaders(request.user), "units": _units(request.user)})
    return render(request, "web/leadership/reception_day_form.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reception_day_new_view(request):
    if request.method == "GET":
        return _day_form(request, {"values": {"date": request.GET.get("date", "")[:10], "start_time": "09:00",
                                              "end_time": "12:00"}})
    values = _day_values(request.POST)
    leader, _sep, unit = values.pop("leader").partition("|")
    values.pop("unit")
    try:
        day = services.reception_day_create(actor=request.user, leader=leader, unit=unit, **values)
    except ApplicationError as exc:
        return _day_form(request, {"error": exc, "values": request.POST}, status=exc.status)
    messages.success(request, _("已安排领导接待日。"))
    return redirect("web:reception_day", day_id=day.pk)


@login_required
@require_http_methods(["GET", "POST"])
def reception_day_edit_view(request, day_id):
    day = _get_or_404(selectors.reception_day_get, request.user, day_id)
    if not rules.may_manage(request.user, day.unit, day.leader):
        raise Http404
    if request.method == "GET":
        values = {"date": day.date.isoformat(), "start_time": day.start_time.strftime("%H:%M"),
                  "end_time": day.end_time.strftime("%H:%M"), "place": day.place, "topic": day.topic,
                  "lawyers": day.lawyers, "note": day.note, "published": "on" if day.published else ""}
        return _day_form(request, {"day": day, "values": values, "joint": [u.code for u in day.joint_units.all()]})
    values = _day_values(request.POST)
    values.pop("leader"), values.pop("unit")
    try:
        services.reception_day_update(actor=request.user, day=day.pk, **values)
    except ApplicationError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        return _day_form(request, {"day": day, "error": exc, "values": request.POST,
                                   "joint": request.POST.getlist("joint_units")}, status=exc.status)
    messages.success(request, _("已保存接待日。"))
    return redirect("web:reception_day", day_id=day.pk)


def _day_page(request, day, **extra):
    can_manage = rules.may_manage(request.user, day.unit, day.leader)
    ctx = {"active": "reception_days", "day": day, "can_manage": can_manage,
           "can_register": rules.register_unit(request.user, day.unit) is not None,
           "past": day.date < timezone.localdate(), **extra}
    return render(request, "web/leadership/reception_day.html", ctx)


@login_required
def reception_day_view(request, day_id):
    return _day_page(request, _get_or_404(selectors.reception_day_get, request.user, day_id))


def _day_action(request, day_id, form: str, call, done: str):
    day = _get_or_404(selectors.reception_day_get, request.user, day_id)
    try:
        result = call(day)
    except ApplicationError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        day = _get_or_404(selectors.reception_day_get, request.user, day_id)
        ctx = {"active": "reception_days", "day": day, "error": exc, "failed": form, "values": request.POST,
               "can_manage": rules.may_manage(request.user, day.unit, day.leader),
               "can_register": rules.register_unit(request.user, day.unit) is not None,
               "past": day.date < timezone.localdate()}
        return render(request, "web/leadership/reception_day.html", ctx, status=exc.status)
    messages.success(request, done)
    if form.startswith("register"):
        return redirect("web:petition", petition_id=result.pk)
    return redirect("web:reception_day", day_id=day.pk)


@login_required
@require_POST
def reception_booking_new_view(request, day_id):
    p = request.POST

    def call(day):
        slot = p.get("slot", "")
        if not slot.isdigit() or int(slot) not in {s.pk for s in day.slots.all()}:
            raise ApplicationError(_("请选择接待时段。"), "invalid", "slot")
        return services.reception_booking_create(actor=request.user, slot=int(slot), name=p.get("name", ""),
                                                 phone=p.get("phone", ""), summary=p.get("summary", ""))
    return _day_action(request, day_id, "book", call, _("已预约。"))


@login_required
def reception_booking_find_view(request):
    """按预约号查找: the clerk types the 预约号 a petitioner brings; within the jurisdiction only."""
    reference = (request.GET.get("reference") or "")[:40]
    ctx = {"active": "reception_days", "reference": reference}
    if reference.strip():
        try:
            booking = selectors.reception_booking_by_reference(request.user, reference)
        except NotFound as exc:
            ctx["error"] = exc
        else:
            day = booking.slot.day
            ctx.update({"booking": booking, "day": day, "past": day.date < timezone.localdate(),
                        "can_register": rules.register_unit(request.user, day.unit) is not None})
    return render(request, "web/leadership/reception_booking_find.html", ctx)


def _booking_of_day(day, booking_id):
    for s in day.slots.all():
        for b in s.live:
            if b.pk == booking_id:
                return b
    raise Http404


@login_required
@require_POST
def reception_booking_register_view(request, day_id, booking_id):
    p = request.POST
    return _day_action(request, day_id, f"register-{booking_id}", lambda day: services.reception_booking_register(
        actor=request.user, booking=_booking_of_day(day, booking_id).pk, title=p.get("title", ""),
        category=p.get("category", "")), _("已登记为来访信访件。"))


@login_required
@require_POST
def reception_booking_cancel_view(request, day_id, booking_id):
    return _day_action(request, day_id, f"cancel-{booking_id}", lambda day: services.reception_booking_cancel(
        actor=request.user, booking=_booking_of_day(day, booking_id).pk), _("已取消预约。"))


# ---- 下访 ------------------------------------------------------------------------------------------


def _regions(user) -> list[tuple[str, str]]:
    region_ids = visible_units(user).values_list("region_id", flat=True)
    qs = Region.objects.filter(level__in=[Level.TOWN, Level.VILLAGE], pk__in=region_ids).order_by("code")[:500]
    return [(r.code, r.name) for r in qs]


@login_required
def field_visits_view(request):
    qs = selectors.field_visits_visible(request.user).order_by("-date", "-id")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "web/leadership/field_visits.html", {
        "active": "field_visits", "page": page, "can_create": bool(_leaders(request.user))})


@login_required
@require_http_methods(["GET", "POST"])
def field_visit_new_view(request):
    ctx = {"active": "field_visits", "leaders": _leaders(request.user), "regions": _regions(request.user)}
    if request.method == "GET":
        ctx["values"] = {"date": timezone.localdate().isoformat()}
        return render(request, "web/leadership/field_visit_form.html", ctx)
    p = request.POST
    leader, _sep, unit = p.get("leader", "").partition("|")
    try:
        visit = services.field_visit_create(actor=request.user, leader=leader, unit=unit or None,
                                            date=p.get("date", ""), region=p.get("region", ""),
                                            place=p.get("place", ""), participants=p.get("participants", ""),
                                            note=p.get("note", ""))
    except ApplicationError as exc:
        ctx.update({"error": exc, "values": p})
        return render(request, "web/leadership/field_visit_form.html", ctx, status=exc.status)
    messages.success(request, _("已记录下访。"))
    return redirect("web:field_visit", visit_id=visit.pk)


def _visit_ctx(request, visit) -> dict:
    return {"active": "field_visits", "visit": visit,
            "can_manage": rules.may_manage(request.user, visit.unit, visit.leader),
            "can_register": rules.register_unit(request.user, visit.unit) is not None}


@login_required
def field_visit_view(request, visit_id):
    visit = _get_or_404(selectors.field_visit_get, request.user, visit_id)
    return render(request, "web/leadership/field_visit.html", _visit_ctx(request, visit))


def _visit_action(request, visit_id, form: str, call, done: str):
    visit = _get_or_404(selectors.field_visit_get, request.user, visit_id)
    try:
        result = call(visit)
    except ApplicationError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        visit = _get_or_404(selectors.field_visit_get, request.user, visit_id)
        ctx = {**_visit_ctx(request, visit), "error": exc, "failed": form, "values": request.POST}
        return render(request, "web/leadership/field_visit.html", ctx, status=exc.status)
    messages.success(request, done)
    if form.startswith("register"):
        return redirect("web:petition", petition_id=result.pk)
    return redirect("web:field_visit", visit_id=visit.pk)


@login_required
@require_POST
def field_visit_matter_new_view(request, visit_id):
    p = request.POST
    return _visit_action(request, visit_id, "matter", lambda v: services.field_visit_matter_add(
        actor=request.user, visit=v.pk, content=p.get("content", ""), name=p.get("name", ""),
        phone=p.get("phone", "")), _("已记录下访事项。"))


@login_required
@require_POST
def field_visit_matter_register_view(request, visit_id, matter_id):
    p = request.POST

    def call(v):
        if matter_id not in {m.pk for m in v.matters.all()}:
            raise Http404
        return services.field_visit_matter_register(actor=request.user, matter=matter_id, title=p.get("title", ""),
                                                    category=p.get("category", ""))
    return _visit_action(request, visit_id, f"register-{matter_id}", call, _("已登记为信访件。"))
