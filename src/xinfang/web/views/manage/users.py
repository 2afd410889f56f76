"""系统管理 · 用户和角色: list, create with a password, memberships, deactivate, reset password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.common.errors import ApplicationError
from xinfang.org import services as org_services
from xinfang.org.admin_scope import admin_covers, is_global_admin, managed_q
from xinfang.org.choices import Role
from xinfang.org.models import Membership
from xinfang.reports.exports import table_xlsx

from ..common import export_requested, xlsx_download
from .common import admin_required, not_found_or, post_values, render_manage, unit_choices


def users_managed(user):
    User = get_user_model()
    qs = User.objects.all()
    if not is_global_admin(user):
        in_scope = Membership.objects.filter(managed_q(user, "unit")).values("user_id")
        qs = qs.filter(pk__in=in_scope, is_superuser=False)
    return qs


def _users_listed(request) -> tuple[QuerySet, dict]:
    """The users of the 用户和角色 list with its filters (q, unit, role, state) applied."""
    q = (request.GET.get("q") or "").strip()[:50]
    role = request.GET.get("role") or ""
    unit = (request.GET.get("unit") or "").strip()
    state = request.GET.get("state") or "active"
    qs = users_managed(request.user)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(last_name__icontains=q) | Q(first_name__icontains=q)
                       | Q(staff_profile__full_name__icontains=q))
    if role in Role.values:
        qs = qs.filter(memberships__role=role)
    if unit:
        qs = qs.filter(Q(memberships__unit__code=unit) | Q(memberships__unit__name__icontains=unit))
    if state == "active":
        qs = qs.filter(is_active=True)
    elif state == "inactive":
        qs = qs.filter(is_active=False)
    qs = qs.distinct().order_by("username").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("unit").order_by("unit__path", "role")))
    return qs, {"q": q, "role": role, "unit": unit, "state": state}


@admin_required
def users_view(request):
    qs, filters = _users_listed(request)
    if export_requested(request):
        return _export(request, qs, filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    return render_manage(request, "web/manage/users.html", {
        "page": page, **filters, "roles": Role.choices,
        "page_qs": keep.urlencode() + "&" if keep else "", "units": unit_choices(request.user)}, tab="users")


def _export(request, qs, filters: dict):
    roles = dict(Role.choices)
    states = {"active": _("在用"), "inactive": _("已停用"), "all": _("全部")}
    criteria = [(_("姓名或用户名"), filters["q"]), (_("单位"), filters["unit"]),
                (_("角色"), str(roles.get(filters["role"], ""))), (_("状态"), states.get(filters["state"], ""))]

    def roles_of(u) -> str:
        return "；".join(f"{m.unit.short_name or m.unit.name} · {roles.get(m.role, m.role)}" for m in u.memberships.all())

    title = _("用户和角色")
    made = table_xlsx(
        request.user, title=title,
        headers=[(_("用户名"), 18), (_("姓名"), 12), (_("单位和角色"), 50), (_("超级管理员"), 10), (_("状态"), 8),
                 (_("最近登录"), 18)],
        rows=([u.username, f"{u.last_name}{u.first_name}", roles_of(u), u.is_superuser,
               _("在用") if u.is_active else _("已停用"), u.last_login] for u in qs.iterator(chunk_size=500)),
        criteria=[(label, value) for label, value in criteria if value])
    return xlsx_download(request, made, title=title, data={"table": "manage.users"})


@admin_required
def user_new_view(request):
    values, error = {}, None
    if request.method == "POST":
        values = post_values(request, "username", "full_name", "unit", "role")
        password, password2 = request.POST.get("password") or "", request.POST.get("password2") or ""
        try:
            if password != password2:
                raise ApplicationError(_("两次输入的密码不一致。"), "invalid", "password2")
            user = org_services.user_create(actor=request.user, password=password, **values)
        except ApplicationError as exc:
            error = not_found_or(exc)
        else:
            messages.success(request, _("已创建用户：%(u)s") % {"u": user.username})
            return redirect("web:manage_user", user_id=user.pk)
    return render_manage(request, "web/manage/user_new.html", {
        "values": values, "error": error, "roles": Role.choices, "units": unit_choices(request.user)},
        tab="users", status=error.status if error else 200)


def _user_ctx(request, user, *, error=None, values=None) -> dict:
    memberships = list(Membership.objects.filter(user=user).select_related("unit", "unit__region")
                       .order_by("unit__path", "role"))
    for m in memberships:
        m.removable = admin_covers(request.user, m.unit)
    return {"subject": user, "memberships": memberships, "error": error, "values": values or {},
            "roles": Role.choices, "units": unit_choices(request.user),
            "profile": getattr(user, "staff_profile", None), "is_self": user.pk == request.user.pk}


def _subject(request, user_id):
    try:
        return org_services.user_get_managed(request.user, user_id)
    except ApplicationError as exc:
        not_found_or(exc)
        raise


@admin_required
def user_view(request, user_id):
    user = _subject(request, user_id)
    return render_manage(request, "web/manage/user.html", _user_ctx(request, user), tab="users")


@admin_required
@require_POST
def user_membership_add_view(request, user_id):
    user = _subject(request, user_id)
    values = post_values(request, "unit", "role")
    try:
        org_services.membership_add(actor=request.user, user_id=user.pk, **values)
    except ApplicationError as exc:
        exc = not_found_or(exc)
        return render_manage(request, "web/manage/user.html", _user_ctx(request, user, error=exc, values=values),
                             tab="users", status=exc.status)
    messages.success(request, _("已添加岗位。"))
    return redirect("web:manage_user", user_id=user.pk)


@admin_required
@require_POST
def membership_remove_view(request, membership_id):
    m = Membership.objects.filter(pk=membership_id).first()
    if m is None:
        raise Http404
    back = m.user_id
    try:
        org_services.membership_remove(actor=request.user, membership_id=membership_id)
    except ApplicationError as exc:
        exc = not_found_or(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已移除岗位。"))
    return redirect("web:manage_user", user_id=back)


@admin_required
@require_POST
def user_status_view(request, user_id):
    user = _subject(request, user_id)
    op = request.POST.get("op")
    try:
        if op == "deactivate":
            org_services.user_deactivate(actor=request.user, user_id=user.pk)
            messages.success(request, _("已停用账号。"))
        elif op == "activate":
            org_services.user_activate(actor=request.user, user_id=user.pk)
            messages.success(request, _("已启用账号。"))
        else:
            messages.error(request, _("未知的操作。"))
    except ApplicationError as exc:
        exc = not_found_or(exc)
        messages.error(request, exc.message)
    return redirect("web:manage_user", user_id=user.pk)


@admin_required
@require_POST
def user_password_view(request, user_id):
    user = _subject(request, user_id)
    password, password2 = request.POST.get("password") or "", request.POST.get("password2") or ""
    try:
        if password != password2:
            raise ApplicationError(_("两次输入的密码不一致。"), "invalid", "password2")
        org_services.user_set_password(actor=request.user, user_id=user.pk, password=password)
    except ApplicationError as exc:
        exc = not_found_or(exc)
        return render_manage(request, "web/manage/user.html", _user_ctx(request, user, error=exc), tab="users",
                             status=exc.status)
    messages.success(request, _("已重设密码。"))
    return redirect("web:manage_user", user_id=user.pk)
