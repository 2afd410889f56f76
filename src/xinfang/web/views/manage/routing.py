"""系统管理 · 分办规则: category + region → unit, with priority; and a trial of the suggestion."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.common.errors import ApplicationError
from xinfang.org.models import Region, Unit
from xinfang.petitions.models import Category, Petition
from xinfang.reports.exports import table_xlsx
from xinfang.workflow import routing

from ..common import export_requested, xlsx_download
from .common import (
    admin_required,
    category_choices,
    not_found_or,
    post_values,
    region_choices,
    render_manage,
    unit_choices,
)

FIELDS = ("category", "region", "unit", "owner", "priority", "note")


def _trial(request) -> dict | None:
    """「试算」: which units the rules suggest for a category, a problem region and a receiving unit."""
    get = request.GET
    if not any(get.get(k) for k in ("t_category", "t_region", "t_receiving")):
        return None
    petition = Petition(
        category=Category.objects.filter(code=get.get("t_category") or "").first(),
        problem_region=Region.objects.filter(code=(get.get("t_region") or "").strip()).first(),
        receiving_unit=Unit.objects.filter(code=(get.get("t_receiving") or "").strip()).first(),
    )
    return {"units": routing.routing_suggest(petition), "category": petition.category,
            "region": petition.problem_region, "receiving": petition.receiving_unit}


def _ctx(request, *, rule=None, values=None, error=None) -> dict:
    if values is None:
        values = {"priority": "0", "is_active": True}
        if rule is not None:
            values = {"category": rule.category.code if rule.category_id else "",
                      "region": rule.region.code if rule.region_id else "",
                      "unit": rule.unit.code, "owner": rule.owner.code if rule.owner_id else "",
                      "priority": str(rule.priority), "note": rule.note, "is_active": rule.is_active}
    return {"rules": list(routing.routing_rules_managed(request.user)), "rule": rule, "values": values,
            "error": error, "categories": category_choices(), "regions": region_choices(),
            "units": unit_choices(request.user), "all_units": list(Unit.objects.filter(is_active=True)
                                                                   .order_by("path")),
            "trial": _trial(request), "trial_values": request.GET}


def _values(request) -> dict:
    values = post_values(request, *FIELDS)
    values["is_active"] = request.POST.get("is_active") in ("on", "1", "true")
    return values


@admin_required
def routing_view(request):
    if request.method == "POST":
        values = _values(request)
        try:
            routing.routing_rule_save(actor=request.user, **values)
        except ApplicationError as exc:
            exc = not_found_or(exc)
            return render_manage(request, "web/manage/routing.html", _ctx(request, values=values, error=exc),
                                 tab="routing", status=exc.status)
        messages.success(request, _("已添加分办规则。"))
        return redirect("web:manage_routing")
    if export_requested(request):
        return _export(request)
    return render_manage(request, "web/manage/routing.html", _ctx(request), tab="routing")


def _export(request):
    """The rules the user manages, as the table on the page shows them."""
    title = _("分办规则")
    made = table_xlsx(
        request.user, title=title,
        headers=[(_("内容分类"), 30), (_("问题属地"), 30), (_("承办单位"), 28), (_("适用的分办单位"), 28),
                 (_("优先级"), 8), (_("状态"), 8), (_("说明"), 40)],
        rows=([r.category.full_name() if r.category_id else _("（任意）"),
               r.region.full_name() if r.region_id else _("（任意）"), r.unit.name,
               r.owner.name if r.owner_id else _("（全部）"), r.priority, _("启用") if r.is_active else _("停用"), r.note]
              for r in routing.routing_rules_managed(request.user)))
    return xlsx_download(request, made, title=title, data={"table": "manage.routing"})


@admin_required
def routing_edit_view(request, rule_id):
    try:
        rule = routing.routing_rule_get(request.user, rule_id)
    except ApplicationError as exc:
        not_found_or(exc)
        raise
    if request.method == "POST":
        values = _values(request)
        try:
            routing.routing_rule_save(actor=request.user, rule_id=rule.pk, **values)
        except ApplicationError as exc:
            exc = not_found_or(exc)
            return render_manage(request, "web/manage/routing.html",
                                 _ctx(request, rule=rule, values=values, error=exc), tab="routing",
                                 status=exc.status)
        messages.success(request, _("已保存分办规则。"))
        return redirect("web:manage_routing")
    return render_manage(request, "web/manage/routing.html", _ctx(request, rule=rule), tab="routing")


@admin_required
@require_POST
def routing_delete_view(request, rule_id):
    try:
        routing.routing_rule_delete(actor=request.user, rule_id=rule_id)
    except ApplicationError as exc:
        exc = not_found_or(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除分办规则。"))
    return redirect("web:manage_routing")
