"""系统管理 · 单位: the unit tree, add, edit, deactivate (or delete one entered by mistake)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.common.errors import ApplicationError
from xinfang.org import services as org_services
from xinfang.org.admin_scope import managed_units
from xinfang.org.choices import Level, UnitKind
from xinfang.org.hierarchy import ADMINISTRATIVE_KINDS, review_bodies
from xinfang.org.models import Membership, Unit
from xinfang.reports.exports import table_xlsx

from ..common import export_requested, xlsx_download
from .common import admin_required, not_found_or, post_values, region_choices, render_manage, unit_choices

FIELDS = ("code", "name", "short_name", "kind", "level", "region", "parent", "superior", "government")


def _tree(units) -> list[dict]:
    """Nested nodes {unit, children} of the given units; a unit whose parent is not among them is a root."""
    nodes = {u.pk: {"unit": u, "children": []} for u in units}
    roots = []
    for u in units:  # ordered by path: parents come first
        parent = nodes.get(u.parent_id)
        (parent["children"] if parent else roots).append(nodes[u.pk])
    return roots


@admin_required
def units_view(request):
    show_inactive = request.GET.get("inactive") == "1"
    qs = managed_units(request.user).annotate(people=Count("memberships__user", distinct=True)).order_by("path")
    if not show_inactive:
        qs = qs.filter(is_active=True)
    if export_requested(request):
        return _export(request, qs.select_related("region", "parent"), show_inactive)
    units = list(qs)
    return render_manage(request, "web/manage/units.html", {
        "tree": _tree(units), "count": len(units), "show_inactive": show_inactive}, tab="units")


def _export(request, qs, show_inactive: bool):
    kinds, levels = dict(UnitKind.choices), dict(Level.choices)
    title = _("单位")
    made = table_xlsx(
        request.user, title=title,
        headers=[(_("单位代码"), 14), (_("单位名称"), 30), (_("简称"), 14), (_("单位类型"), 14), (_("层级"), 8),
                 (_("所属区划"), 16), (_("上级单位"), 30), (_("人数"), 6), (_("启用"), 6)],
        rows=([u.code, u.name, u.short_name, kinds.get(u.kind, u.kind), levels.get(u.level, u.level), u.region.name,
               u.parent.name if u.parent_id else "", u.people, u.is_active] for u in qs.iterator(chunk_size=500)),
        criteria=[(_("状态"), _("全部") if show_inactive else _("在用"))])
    return xlsx_download(request, made, title=title, data={"table": "manage.units"})


def _form_ctx(request, unit=None, values=None, error=None) -> dict:
    if values is None:
        if unit is not None:
            values = {"code": unit.code, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind,
                      "level": unit.level, "region": unit.region.code, "parent": unit.parent.code if unit.parent_id else "",
                      "superior": unit.superior.code if unit.superior_id else "",
                      "government": unit.government.code if unit.government_id else ""}
        else:
            parent = None
            if request.GET.get("parent"):
                parent = next((u for u in unit_choices(request.user) if str(u.pk) == request.GET["parent"]), None)
            values = {"parent": parent.code if parent else "", "region": parent.region.code if parent else "",
                      "level": parent.level if parent else "", "kind": UnitKind.DEPARTMENT if parent else ""}
    ctx = {"unit": unit, "values": values, "error": error, "kinds": UnitKind.choices, "levels": Level.choices,
           "regions": region_choices(), "parents": unit_choices(request.user),
           "review_units": Unit.objects.filter(is_active=True, kind__in=ADMINISTRATIVE_KINDS).order_by("path"),
           "lawful": review_bodies(unit) if unit is not None else []}
    if unit is not None:
        ctx["members"] = list(Membership.objects.filter(unit=unit).select_related("user").order_by("user__username"))
        ctx["children"] = list(unit.children.order_by("path"))
    return ctx


@admin_required
def unit_new_view(request):
    if request.method == "POST":
        values = post_values(request, *FIELDS)
        try:
            unit = org_services.unit_save(actor=request.user, **values)
        except ApplicationError as exc:
            exc = not_found_or(exc)
            return render_manage(request, "web/manage/unit_form.html", _form_ctx(request, values=values, error=exc),
                                 tab="units", status=exc.status)
        messages.success(request, _("已添加单位：%(n)s") % {"n": unit.name})
        return redirect("web:manage_unit", unit_id=unit.pk)
    return render_manage(request, "web/manage/unit_form.html", _form_ctx(request), tab="units")


@admin_required
def unit_edit_view(request, unit_id):
    try:
        unit = org_services.unit_get_managed(request.user, unit_id)
    except ApplicationError as exc:
        not_found_or(exc)
        raise
    if request.method == "POST":
        values = post_values(request, *FIELDS)
        try:
            unit = org_services.unit_save(actor=request.user, unit_id=unit.pk, **values)
        except ApplicationError as exc:
            exc = not_found_or(exc)
            return render_manage(request, "web/manage/unit_form.html",
                                 _form_ctx(request, unit=unit, values=values, error=exc), tab="units",
                                 status=exc.status)
        messages.success(request, _("已保存单位：%(n)s") % {"n": unit.name})
        return redirect("web:manage_unit", unit_id=unit.pk)
    return render_manage(request, "web/manage/unit_form.html", _form_ctx(request, unit=unit), tab="units")


@admin_required
@require_POST
def unit_status_view(request, unit_id):
    op = request.POST.get("op")
    services = {"deactivate": org_services.unit_deactivate, "activate": org_services.unit_activate,
                "delete": org_services.unit_delete}
    if op not in services:
        messages.error(request, _("未知的操作。"))
        return redirect("web:manage_unit", unit_id=unit_id)
    try:
        services[op](actor=request.user, unit_id=unit_id)
    except ApplicationError as exc:
        exc = not_found_or(exc)
        messages.error(request, exc.message)
        return redirect("web:manage_unit", unit_id=unit_id)
    done = {"deactivate": _("已停用该单位。"), "activate": _("已启用该单位。"), "delete": _("已删除该单位。")}[op]
    messages.success(request, done)
    if op == "delete":
        return redirect("web:manage_units")
    return redirect("web:manage_unit", unit_id=unit_id)
