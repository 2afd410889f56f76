"""Shared by the 系统管理 pages: the admin gate (others get 404), pickers and error handling."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from xinfang.common.errors import ApplicationError
from xinfang.org.admin_scope import is_admin, is_global_admin, managed_units
from xinfang.org.models import Region
from xinfang.petitions.models import Category

TABS = ("units", "users", "categories", "deadlines", "calendar", "routing")


def admin_required(view):
    """Administrators (admin role or superuser) only; everyone else gets 404, never 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def render_manage(request, template: str, ctx: dict, *, tab: str = "", status: int = 200):
    ctx = {"active": "manage", "tab": tab, "is_global_admin": is_global_admin(request.user), **ctx}
    return render(request, template, ctx, status=status)


def not_found_or(exc: ApplicationError) -> ApplicationError:
    """Re-raise a scope refusal as a 404; hand back any other refusal for the form."""
    if exc.code == "not_found":
        raise Http404 from None
    return exc


def unit_choices(user, *, active_only: bool = True):
    qs = managed_units(user).order_by("path")
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs)


def region_choices():
    return list(Region.objects.order_by("path"))


def category_choices(*, active_only: bool = True):
    qs = Category.objects.order_by("path")
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs)


def post_values(request, *names: str) -> dict:
    return {n: (request.POST.get(n) or "").strip() for n in names}
