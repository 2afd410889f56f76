"""Writes to the 内容分类 tree (three levels), for 系统管理. The tree is shared by every unit, so only a
global administrator changes it; petitions keep their category, so categories are deactivated,
never deleted."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.org.admin_scope import require_global_admin

from .models import Category
from .selectors import category_ref

MAX_LEVEL = 3
CODE_RE = re.compile(r"^[0-9A-Za-z]{1,16}$")


def category_get(category_id) -> Category:
    try:
        return Category.objects.select_related("parent").get(pk=int(category_id))
    except (TypeError, ValueError, Category.DoesNotExist):
        raise NotFound(_("内容分类不存在。")) from None


def _parent(value) -> Category | None:
    return category_ref(value, field="parent", label=_("上级分类"))


def _subtree_height(category: Category) -> int:
    """Levels in the subtree rooted at `category`, itself included (1 for a leaf)."""
    deepest = Category.objects.filter(path__startswith=category.path).aggregate(m=Max("level"))["m"]
    return (deepest or category.level) - category.level + 1


def category_next_code(parent: Category | None) -> str:
    """The parent's code plus the next free two-digit number (01, 0101, 010101 as in the seed)."""
    prefix = parent.code if parent else ""
    taken = set(Category.objects.filter(parent=parent).values_list("code", flat=True))
    taken |= set(Category.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    for n in range(1, 100):
        code = f"{prefix}{n:02d}"
        if code not in taken:
            return code
    raise ApplicationError(_("该分类下的编码已用完，请手工填写分类代码。"), "invalid", "code")


def category_save(*, actor, category_id=None, name: str, parent=None, code: str = "") -> Category:
    """Create a category (category_id None) or rename/move one; a move carries its subtree."""
    require_global_admin(actor)
    category = category_get(category_id) if category_id else None
    name, code = (name or "").strip(), (code or "").strip()
    parent = _parent(parent)
    if not name:
        raise ApplicationError(_("请填写分类名称。"), "invalid", "name")
    if len(name) > 64:
        raise ApplicationError(_("分类名称不能超过64个字。"), "invalid", "name")
    if parent is not None:
        if category is not None and parent.path.startswith(category.path):
            raise ApplicationError(_("上级分类不能是本分类或其下级分类。"), "invalid", "parent")
        if not parent.is_active:
            raise ApplicationError(_("上级分类“%(n)s”已停用。") % {"n": parent.name}, "invalid", "parent")
    new_level = (parent.level + 1) if parent else 1
    height = _subtree_height(category) if category is not None else 1
    if new_level + height - 1 > MAX_LEVEL:
        raise ApplicationError(_("内容分类最多三级。"), "invalid", "parent")
    if not code:
        code = category.code if category is not None else category_next_code(parent)
    if not CODE_RE.match(code):
        raise ApplicationError(_("分类代码只能是字母和数字，最长16位。"), "invalid", "code")
    if Category.objects.filter(code=code).exclude(pk=getattr(category, "pk", None)).exists():
        raise ApplicationError(_("分类代码“%(c)s”已被使用。") % {"c": code}, "conflict", "code")
    siblings = Category.objects.filter(parent=parent, name=name).exclude(pk=getattr(category, "pk", None))
    if siblings.exists():
        raise ApplicationError(_("同一上级分类下已有名为“%(n)s”的分类。") % {"n": name}, "conflict", "name")
    creating = category is None
    with transaction.atomic():
        if creating:
            category = Category()
            before = {}
        else:
            category = Category.objects.select_for_update().get(pk=category.pk)
            before = {"code": category.code, "name": category.name, "parent": category.parent_id}
        old_path, old_level = category.path, category.level
        category.code, category.name, category.parent = code, name, parent
        category.save()
        moved = 0
        if old_path and (category.path != old_path or category.level != old_level):
            shift = category.level - old_level
            below = list(Category.objects.filter(path__startswith=old_path).exclude(pk=category.pk))
            for c in below:
                c.path = category.path + c.path[len(old_path):]
                c.level += shift
            Category.objects.bulk_update(below, ["path", "level"])
            moved = len(below)
        audit_record(actor=actor, action="category.create" if creating else "category.update", obj=category,
                     data={"code": code, "name": name, "parent": category.parent_id, "before": before,
                           "subtree_moved": moved})
    return category


def category_set_active(*, actor, category_id, active: bool) -> int:
    """Deactivate a category with its whole subtree, or activate one (its parent must be active).
    Returns how many categories changed."""
    require_global_admin(actor)
    category = category_get(category_id)
    if active and category.parent_id and not category.parent.is_active:
        raise ApplicationError(_("上级分类“%(n)s”已停用，请先启用上级分类。") % {"n": category.parent.name},
                               "conflict")
    with transaction.atomic():
        if active:
            changed = Category.objects.filter(pk=category.pk, is_active=False).update(is_active=True)
        else:
            changed = Category.objects.filter(path__startswith=category.path, is_active=True).update(is_active=False)
        audit_record(actor=actor, action="category.activate" if active else "category.deactivate", obj=category,
                     data={"code": category.code, "changed": changed})
    return changed
