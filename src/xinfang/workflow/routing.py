"""分办规则: matters of a category (and its subtree) in a region (and below) go to a unit.

`routing_suggest` ranks the units the rules point to for a petition; the dispatcher still decides.
Writes are audited; a rule that applies everywhere (no owner) is a global setting, a rule owned by
a dispatching unit is managed by that unit's administrators.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.org.admin_scope import admin_covers, is_admin, is_global_admin, managed_q, require_admin
from xinfang.org.models import Region, Unit
from xinfang.petitions.models import Category, Petition

from .models import RoutingRule

PRIORITY_RANGE = (-1000, 1000)


def _ancestor_paths(path: str) -> list[str]:
    """"/a/b/c/" -> ["/a/", "/a/b/", "/a/b/c/"]."""
    parts = [p for p in (path or "").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _depth(path: str | None) -> int:
    return len([p for p in (path or "").split("/") if p])


def routing_suggest(petition: Petition, limit: int = 5) -> list[Unit]:
    """Units suggested by the active rules for `petition`, best first.

    A rule matches when its category is the petition's category or an ancestor of it (or empty:
    any category), its region is the problem region or an ancestor (or empty: anywhere), and its
    owner is empty or the receiving unit or one above it. Ranking: most specific first (depth of
    the matched category plus depth of the matched region, then the category's depth alone), then
    higher priority, then the older rule. An accusation is never routed to the accused unit, and
    inactive units are skipped; each unit appears once.
    """
    category_paths = _ancestor_paths(petition.category.path) if petition.category_id else []
    region_paths = _ancestor_paths(petition.problem_region.path) if petition.problem_region_id else []
    receiving_paths = _ancestor_paths(petition.receiving_unit.path) if petition.receiving_unit_id else []
    rules = (RoutingRule.objects.filter(is_active=True, unit__is_active=True)
             .filter(Q(category__isnull=True) | Q(category__path__in=category_paths, category__is_active=True))
             .filter(Q(region__isnull=True) | Q(region__path__in=region_paths))
             .filter(Q(owner__isnull=True) | Q(owner__path__in=receiving_paths))
             .select_related("unit", "unit__region", "category", "region"))
    if petition.nature == "accusation" and petition.accused_unit_id:
        rules = rules.exclude(unit_id=petition.accused_unit_id)

    def rank(rule: RoutingRule):
        c = _depth(rule.category.path) if rule.category_id else 0
        r = _depth(rule.region.path) if rule.region_id else 0
        return (-(c + r), -c, -rule.priority, rule.pk)

    seen: dict[int, Unit] = {}
    for rule in sorted(rules, key=rank):
        seen.setdefault(rule.unit_id, rule.unit)
        if len(seen) >= limit:
            break
    return list(seen.values())


def routing_rules_managed(actor):
    """The rules `actor` may see and edit in 系统管理."""
    qs = RoutingRule.objects.select_related("category", "region", "unit", "owner")
    if is_global_admin(actor):
        return qs.order_by("-priority", "id")
    return qs.filter(owner__isnull=False).filter(managed_q(actor, "owner")).order_by("-priority", "id")


def routing_rule_get(actor, rule_id) -> RoutingRule:
    try:
        rule = RoutingRule.objects.select_related("owner", "owner__region").get(pk=int(rule_id))
    except (TypeError, ValueError, RoutingRule.DoesNotExist):
        raise NotFound(_("分办规则不存在。")) from None
    require_admin(actor, rule.owner)
    return rule


def _lookup(model, value, field: str, label: str):
    if value is None or isinstance(value, model):
        return value
    text = str(value).strip()
    if not text:
        return None
    found = model.objects.filter(code=text).first()
    if found is None and text.isdigit():
        found = model.objects.filter(pk=int(text)).first()
    if found is None:
        raise ApplicationError(_("%(label)s不存在：%(v)s") % {"label": label, "v": text}, "invalid", field)
    return found


def routing_rule_save(*, actor, rule_id=None, category=None, region=None, unit, owner=None, priority=0,
                      is_active: bool = True, note: str = "") -> RoutingRule:
    if not is_admin(actor):
        raise NotFound(_("您无权管理该对象。"))
    rule = routing_rule_get(actor, rule_id) if rule_id else None
    category = _lookup(Category, category, "category", _("内容分类"))
    region = _lookup(Region, region, "region", _("问题属地"))
    unit = _lookup(Unit, unit, "unit", _("承办单位"))
    owner = _lookup(Unit, owner, "owner", _("分办单位"))
    note = (note or "").strip()
    if unit is None:
        raise ApplicationError(_("请选择承办单位。"), "invalid", "unit")
    if not unit.is_active:
        raise ApplicationError(_("承办单位“%(n)s”已停用。") % {"n": unit.name}, "invalid", "unit")
    if category is not None and not category.is_active:
        raise ApplicationError(_("内容分类“%(n)s”已停用。") % {"n": category.name}, "invalid", "category")
    if owner is None and not is_global_admin(actor):
        raise ApplicationError(_("请选择适用的分办单位（只有上级系统管理员可以设置通用规则）。"), "invalid", "owner")
    if owner is not None and not admin_covers(actor, owner):
        raise ApplicationError(_("您无权为“%(n)s”设置分办规则。") % {"n": owner.name}, "invalid", "owner")
    try:
        priority = int(str(priority).strip() or 0)
    except ValueError:
        raise ApplicationError(_("优先级应为整数。"), "invalid", "priority") from None
    if not PRIORITY_RANGE[0] <= priority <= PRIORITY_RANGE[1]:
        raise ApplicationError(_("优先级应在%(a)d到%(b)d之间。") % {"a": PRIORITY_RANGE[0], "b": PRIORITY_RANGE[1]},
                               "invalid", "priority")
    if len(note) > 200:
        raise ApplicationError(_("说明不能超过200个字。"), "invalid", "note")
    same = RoutingRule.objects.filter(category=category, region=region, owner=owner, unit=unit)
    if rule is not None:
        same = same.exclude(pk=rule.pk)
    if same.exists():
        raise ApplicationError(_("已有相同的分办规则。"), "conflict")
    creating = rule is None
    with transaction.atomic():
        rule = rule or RoutingRule()
        rule.category, rule.region, rule.unit, rule.owner = category, region, unit, owner
        rule.priority, rule.is_active, rule.note = priority, bool(is_active), note
        rule.save()
        audit_record(actor=actor, action="routing_rule.create" if creating else "routing_rule.update", obj=rule,
                     data={"category": category.code if category else None, "region": region.code if region else None,
                           "unit": unit.code, "owner": owner.code if owner else None, "priority": priority,
                           "active": rule.is_active})
    return rule


def routing_rule_delete(*, actor, rule_id) -> None:
    rule = routing_rule_get(actor, rule_id)
    with transaction.atomic():
        audit_record(actor=actor, action="routing_rule.delete", obj=rule,
                     data={"category": rule.category_id, "region": rule.region_id, "unit": rule.unit_id,
                           "owner": rule.owner_id})
        rule.delete()
