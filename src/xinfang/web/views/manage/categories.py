"""系统管理 · 内容分类: the three-level tree, add, rename/move, deactivate/activate."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.common.errors import ApplicationError
from xinfang.petitions import category_services as cs
from xinfang.petitions.models import Category
from xinfang.reports.exports import table_xlsx

from ..common import export_requested, xlsx_download
from .common import admin_required, category_choices, not_found_or, post_values, render_manage


def _tree(categories) -> list[dict]:
    nodes = {c.pk: {"c": c, "children": []} for c in categories}
    roots = []
    for c in categories:
        parent = nodes.get(c.parent_id)
        (parent["children"] if parent else roots).append(nodes[c.pk])
    return roots


@admin_required
def categories_view(request):
    show_inactive = request.GET.get("inactive") == "1"
    qs = Category.objects.annotate(used=Count("petition")).order_by("path")
    if not show_inactive:
        qs = qs.filter(is_active=True)
    cats = list(qs)
    if export_requested(request):
        return _export(request, cats, show_inactive)
    return render_manage(request, "web/manage/categories.html", {
        "tree": _tree(cats), "count": len(cats), "show_inactive": show_inactive}, tab="categories")


def _export(request, cats: list[Category], show_inactive: bool):
    """The tree as rows in tree order, each with the path of its parents."""
    by_pk = {c.pk: c for c in Category.objects.only("pk", "name", "parent_id")}

    def parents(c: Category) -> str:
        names, node = [], by_pk.get(c.parent_id)
        while node is not None:
            names.append(node.name)
            node = by_pk.get(node.parent_id)
        return " / ".join(reversed(names))

    title = _("内容分类")
    made = table_xlsx(
        request.user, title=title,
        headers=[(_("分类代码"), 10), (_("分类名称"), 20), (_("级别"), 6), (_("上级分类"), 36), (_("信访件"), 8),
                 (_("启用"), 6)],
        rows=([c.code, c.name, c.level, parents(c), c.used, c.is_active] for c in cats),
        criteria=[(_("状态"), _("全部") if show_inactive else _("在用"))])
    return xlsx_download(request, made, title=title, data={"table": "manage.categories"})


def _parents(category=None):
    """Possible parents: active first- and second-level categories, outside the category's own subtree."""
    out = [c for c in category_choices() if c.level < cs.MAX_LEVEL]
    if category is not None:
        out = [c for c in out if not c.path.startswith(category.path)]
    return out


def _form(request, category=None, values=None, error=None):
    if values is None:
        if category is not None:
            values = {"name": category.name, "code": category.code,
                      "parent": category.parent.code if category.parent_id else ""}
        else:
            parent = Category.objects.filter(pk=request.GET.get("parent") or 0).first() \
                if (request.GET.get("parent") or "").isdigit() else None
            values = {"parent": parent.code if parent else ""}
    ctx = {"category": category, "values": values, "error": error, "parents": _parents(category)}
    if category is not None:
        ctx["children"] = list(category.children.order_by("path"))
        ctx["used"] = category.petition_set.count()
    return render_manage(request, "web/manage/category_form.html", ctx, tab="categories",
                         status=error.status if error else 200)


@admin_required
def category_new_view(request):
    if request.method == "POST":
        values = post_values(request, "name", "code", "parent")
        try:
            c = cs.category_save(actor=request.user, **values)
        except ApplicationError as exc:
            return _form(request, values=values, error=not_found_or(exc))
        messages.success(request, _("已添加分类：%(n)s") % {"n": c.full_name()})
        return redirect("web:manage_categories")
    return _form(request)


@admin_required
def category_edit_view(request, category_id):
    try:
        category = cs.category_get(category_id)
    except ApplicationError as exc:
        not_found_or(exc)
        raise
    if request.method == "POST":
        values = post_values(request, "name", "code", "parent")
        try:
            category = cs.category_save(actor=request.user, category_id=category.pk, **values)
        except ApplicationError as exc:
            return _form(request, category, values=values, error=not_found_or(exc))
        messages.success(request, _("已保存分类：%(n)s") % {"n": category.full_name()})
        return redirect("web:manage_category", category_id=category.pk)
    return _form(request, category)


@admin_required
@require_POST
def category_status_view(request, category_id):
    op = request.POST.get("op")
    if op not in ("activate", "deactivate"):
        messages.error(request, _("未知的操作。"))
        return redirect("web:manage_category", category_id=category_id)
    try:
        n = cs.category_set_active(actor=request.user, category_id=category_id, active=op == "activate")
    except ApplicationError as exc:
        exc = not_found_or(exc)
        messages.error(request, exc.message)
    else:
        if op == "activate":
            messages.success(request, _("已启用该分类。"))
        else:
            messages.success(request, _("已停用%(n)d个分类（含下级分类）。") % {"n": n})
    return redirect("web:manage_category", category_id=category_id)
