"""Writes to the organisation: units (a tree), staff accounts and their memberships (系统管理).

Every write checks that the actor administers the object (`admin_scope`), validates with a
translated `ApplicationError`, runs in one transaction and lands in the audit log.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError, NotFound

from .admin_scope import admin_covers, admin_units, is_admin, is_global_admin, require_admin
from .choices import LEVEL_RANK, Level, Role, UnitKind
from .models import Membership, Region, StaffProfile, Unit
from .usage import unit_open_work, unit_referenced

UNIT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


# ---- lookups -------------------------------------------------------------------------------

def _unit(value, field: str, *, required: bool = True) -> Unit | None:
    """A unit given as an instance, a primary key or a code."""
    if isinstance(value, Unit):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            raise ApplicationError(_("请选择单位。"), "invalid", field)
        return None
    unit = Unit.objects.select_related("region", "parent").filter(code=text).first()
    if unit is None and text.isdigit():
        unit = Unit.objects.select_related("region", "parent").filter(pk=int(text)).first()
    if unit is None:
        raise ApplicationError(_("单位不存在：%(v)s") % {"v": text}, "invalid", field)
    return unit


def _region(value, field: str = "region") -> Region:
    if isinstance(value, Region):
        return value
    text = str(value or "").strip()
    if not text:
        raise ApplicationError(_("请选择所属区划。"), "invalid", field)
    region = Region.objects.filter(code=text).first()
    if region is None and text.isdigit():
        region = Region.objects.filter(pk=int(text)).first()
    if region is None:
        raise ApplicationError(_("行政区划不存在：%(v)s") % {"v": text}, "invalid", field)
    return region


def _require_any_admin(actor) -> None:
    if not is_admin(actor):
        raise NotFound(_("您无权管理该对象。"))


def unit_get_managed(actor, unit_id) -> Unit:
    try:
        unit = Unit.objects.select_related("region", "parent").get(pk=int(unit_id))
    except (TypeError, ValueError, Unit.DoesNotExist):
        raise NotFound(_("单位不存在。")) from None
    require_admin(actor, unit)
    return unit


def _user(user_id):
    User = get_user_model()
    try:
        return User.objects.get(pk=int(user_id))
    except (TypeError, ValueError, User.DoesNotExist):
        raise NotFound(_("用户不存在。")) from None


def user_manageable(actor, user) -> bool:
    """A global admin manages every account; a unit admin those whose memberships all lie in units
    they administer (and who hold at least one), never a superuser."""
    if is_global_admin(actor):
        return True
    if user.is_superuser:
        return False
    units = [m.unit for m in Membership.objects.filter(user=user).select_related("unit", "unit__region")]
    return bool(units) and all(admin_covers(actor, u) for u in units)


def user_get_managed(actor, user_id):
    user = _user(user_id)
    if not user_manageable(actor, user):
        raise NotFound(_("用户不存在。"))
    return user


# ---- units ---------------------------------------------------------------------------------

def unit_save(*, actor, unit_id=None, code: str, name: str, kind: str, level: str, region, parent=None,
              short_name: str = "", superior=None, government=None) -> Unit:
    """Create a unit (unit_id None) or change one. Moving a unit moves its subtree. `superior`
    (上级主管机关) and `government` (本级人民政府) decide where a 复查/复核 of its decisions goes."""
    _require_any_admin(actor)
    unit = unit_get_managed(actor, unit_id) if unit_id else None
    code, name, short_name = (code or "").strip(), (name or "").strip(), (short_name or "").strip()
    if not UNIT_CODE_RE.match(code):
        raise ApplicationError(_("单位代码只能包含字母、数字、短横线和下划线，最长32位。"), "invalid", "code")
    if not name:
        raise ApplicationError(_("请填写单位名称。"), "invalid", "name")
    if len(name) > 128:
        raise ApplicationError(_("单位名称不能超过128个字。"), "invalid", "name")
    if len(short_name) > 32:
        raise ApplicationError(_("简称不能超过32个字。"), "invalid", "short_name")
    if kind not in UnitKind.values:
        raise ApplicationError(_("请选择单位类型。"), "invalid", "kind")
    if level not in Level.values:
        raise ApplicationError(_("请选择层级。"), "invalid", "level")
    region = _region(region)
    parent = _unit(parent, "parent", required=False)
    superior = _unit(superior, "superior", required=False)
    government = _unit(government, "government", required=False)
    _check_review_links(unit, code, level, superior, government)
    clash = Unit.objects.filter(code__iexact=code)
    if unit is not None:
        clash = clash.exclude(pk=unit.pk)
    if clash.exists():
        raise ApplicationError(_("单位代码“%(c)s”已被其他单位使用。") % {"c": code}, "conflict", "code")
    if parent is None:
        if not is_global_admin(actor):
            raise ApplicationError(_("请选择上级单位（只有上级系统管理员可以建立顶层单位）。"), "invalid", "parent")
    else:
        if unit is not None and (parent.pk == unit.pk or parent.path.startswith(unit.path)):
            raise ApplicationError(_("上级单位不能是本单位或其下级单位。"), "invalid", "parent")
        if not parent.is_active:
            raise ApplicationError(_("上级单位“%(n)s”已停用。") % {"n": parent.name}, "invalid", "parent")
        if not admin_covers(actor, parent):
            raise ApplicationError(_("您无权在“%(n)s”下设置单位。") % {"n": parent.name}, "invalid", "parent")
        if LEVEL_RANK[level] < parent.rank:
            raise ApplicationError(_("单位层级不能高于上级单位（%(l)s）。") % {"l": parent.get_level_display()},
                                   "invalid", "level")
        if not region.path.startswith(parent.region.path):
            raise ApplicationError(_("所属区划应在上级单位的区划（%(r)s）范围内。") % {"r": parent.region.name},
                                   "invalid", "region")
    creating = unit is None
    with transaction.atomic():
        if creating:
            unit = Unit()
            before = {}
        else:
            unit = Unit.objects.select_for_update().get(pk=unit.pk)
            before = {"code": unit.code, "name": unit.name, "parent": unit.parent_id, "kind": unit.kind,
                      "level": unit.level, "region": unit.region_id}
        old_path = unit.path
        unit.code, unit.name, unit.short_name, unit.kind, unit.level = code, name, short_name, kind, level
        unit.region, unit.parent = region, parent
        unit.superior, unit.government = superior, government
        unit.save()
        moved = 0
        if old_path and unit.path != old_path:
            below = list(Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).order_by("path"))
            for d in below:
                d.path = unit.path + d.path[len(old_path):]
            Unit.objects.bulk_update(below, ["path"])
            moved = len(below)
        audit_record(actor=actor, action="unit.create" if creating else "unit.update", obj=unit,
                     data={"code": code, "name": name, "parent": unit.parent_id, "kind": kind, "level": level,
                           "region": region.pk, "before": before, "subtree_moved": moved})
    return unit


def _check_review_links(unit, code, level, superior, government) -> None:
    from .hierarchy import ADMINISTRATIVE_KINDS, GOVERNMENT_KINDS

    if superior is not None:
        if (unit is not None and superior.path.startswith(unit.path)) or superior.code == code:
            raise ApplicationError(_("上级主管机关不能是本单位或其下级单位。"), "invalid", "superior")
        if superior.kind not in ADMINISTRATIVE_KINDS:
            raise ApplicationError(_("上级主管机关应为行政机关（人民政府或其工作部门）。"), "invalid", "superior")
        if superior.rank >= LEVEL_RANK[level]:
            raise ApplicationError(_("上级主管机关应高于本单位的层级。"), "invalid", "superior")
    if government is not None:
        if government.kind not in GOVERNMENT_KINDS:
            raise ApplicationError(_("本级人民政府应为人民政府（乡镇人民政府、街道办事处）类单位。"), "invalid",
                                   "government")
        if government.level != level:
            raise ApplicationError(_("本级人民政府应与本单位同一层级。"), "invalid", "government")


def unit_deactivate(*, actor, unit_id) -> Unit:
    """停用: the unit disappears from pickers and routing; its history stays."""
    unit = unit_get_managed(actor, unit_id)
    if not unit.is_active:
        return unit
    children = unit.children.filter(is_active=True).count()
    if children:
        raise ApplicationError(_("该单位还有%(n)d个启用的下级单位，请先停用或调整下级单位。") % {"n": children},
                               "conflict")
    open_work = unit_open_work(unit)  # e.g. open petitions handled there (registered by `petitions`)
    if open_work:
        raise ApplicationError(" ".join(open_work), "conflict")
    if not getattr(actor, "is_superuser", False) and {u.pk for u in admin_units(actor)} == {unit.pk}:
        raise ApplicationError(_("不能停用您本人担任系统管理员的单位。"), "conflict")
    with transaction.atomic():
        unit.is_active = False
        unit.save(update_fields=["is_active"])
        audit_record(actor=actor, action="unit.deactivate", obj=unit, data={"code": unit.code})
    return unit


def unit_activate(*, actor, unit_id) -> Unit:
    unit = unit_get_managed(actor, unit_id)
    if unit.is_active:
        return unit
    if unit.parent_id and not unit.parent.is_active:
        raise ApplicationError(_("上级单位“%(n)s”已停用，请先启用上级单位。") % {"n": unit.parent.name}, "conflict")
    with transaction.atomic():
        unit.is_active = True
        unit.save(update_fields=["is_active"])
        audit_record(actor=actor, action="unit.activate", obj=unit, data={"code": unit.code})
    return unit


def unit_delete(*, actor, unit_id) -> None:
    """Delete a unit entered by mistake. A unit with history (petitions, people, children) is
    refused: it must be deactivated instead, so nothing it touched loses its meaning."""
    unit = unit_get_managed(actor, unit_id)
    used = unit.children.exists() or unit.memberships.exists() or unit_referenced(unit)
    refusal = _("该单位已有下级单位、人员或信访件，不能删除，请改为停用。")
    if used:
        raise ApplicationError(refusal, "conflict")
    data = {"code": unit.code, "name": unit.name}
    try:
        with transaction.atomic():
            audit_record(actor=actor, action="unit.delete", obj=unit, data=data)
            unit.delete()
    except ProtectedError:
        raise ApplicationError(refusal, "conflict") from None


# ---- users and memberships -----------------------------------------------------------------

def _split_name(full_name: str) -> tuple[str, str]:
    """(last_name, first_name): Chinese names put the one-character surname first."""
    full_name = full_name.strip()
    return full_name[:1], full_name[1:]


def _check_password(password: str, user) -> None:
    if not password:
        raise ApplicationError(_("请设置密码。"), "invalid", "password")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), "invalid", "password") from None


def user_create(*, actor, username: str, password: str, full_name: str, unit=None, role: str = ""):
    """Create a staff account, optionally with its first membership (required for a unit admin,
    who only manages people in their units)."""
    _require_any_admin(actor)
    User = get_user_model()
    username, full_name = (username or "").strip(), (full_name or "").strip()
    if not username:
        raise ApplicationError(_("请填写用户名。"), "invalid", "username")
    if len(username) > 150:
        raise ApplicationError(_("用户名不能超过150个字符。"), "invalid", "username")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise ApplicationError(_("用户名只能包含字母、数字和 @ . + - _ 字符。"), "invalid", "username") from None
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(_("用户名“%(u)s”已存在。") % {"u": username}, "conflict", "username")
    if not full_name:
        raise ApplicationError(_("请填写姓名。"), "invalid", "full_name")
    if len(full_name) > 64:
        raise ApplicationError(_("姓名不能超过64个字。"), "invalid", "full_name")
    unit = _unit(unit, "unit", required=not is_global_admin(actor))
    if unit is not None or role:
        if unit is None:
            raise ApplicationError(_("请选择单位。"), "invalid", "unit")
        _check_membership(actor, unit, role)
    elif not is_global_admin(actor):
        raise NotFound(_("您无权管理该对象。"))
    last, first = _split_name(full_name)
    user = User(username=username, last_name=last, first_name=first, is_staff=False)
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        StaffProfile.objects.create(user=user, full_name=full_name)
        membership = Membership.objects.create(user=user, unit=unit, role=role) if unit is not None else None
        audit_record(actor=actor, action="user.create", obj=user,
                     data={"username": username, "full_name": full_name,
                           "unit": unit.code if unit else None, "role": role or None,
                           "membership": membership.pk if membership else None})
    return user


def _check_membership(actor, unit: Unit, role: str) -> None:
    if role not in Role.values:
        raise ApplicationError(_("请选择角色。"), "invalid", "role")
    if not unit.is_active:
        raise ApplicationError(_("单位“%(n)s”已停用。") % {"n": unit.name}, "invalid", "unit")
    if not admin_covers(actor, unit):
        raise ApplicationError(_("您无权在“%(n)s”设置岗位。") % {"n": unit.name}, "invalid", "unit")


def membership_add(*, actor, user_id, unit, role: str) -> Membership:
    user = user_get_managed(actor, user_id) if not is_global_admin(actor) else _user(user_id)
    if not user.is_active:
        raise ApplicationError(_("该用户已停用，请先启用。"), "conflict")
    unit = _unit(unit, "unit")
    _check_membership(actor, unit, role)
    if Membership.objects.filter(user=user, unit=unit, role=role).exists():
        raise ApplicationError(_("该用户在“%(n)s”已有此角色。") % {"n": unit.name}, "conflict", "role")
    with transaction.atomic():
        m = Membership.objects.create(user=user, unit=unit, role=role)
        audit_record(actor=actor, action="membership.add", obj=m,
                     data={"user": user.username, "unit": unit.code, "role": role})
    return m


def membership_remove(*, actor, membership_id) -> None:
    try:
        m = Membership.objects.select_related("user", "unit", "unit__region").get(pk=int(membership_id))
    except (TypeError, ValueError, Membership.DoesNotExist):
        raise NotFound(_("岗位不存在。")) from None
    require_admin(actor, m.unit)
    if m.user_id == getattr(actor, "pk", None) and m.role == Role.ADMIN and not actor.is_superuser:
        raise ApplicationError(_("不能移除您本人的系统管理员角色。"), "conflict")
    with transaction.atomic():
        audit_record(actor=actor, action="membership.remove", obj=m,
                     data={"user": m.user.username, "unit": m.unit.code, "role": m.role})
        m.delete()


def user_deactivate(*, actor, user_id):
    """停用账号: the person can no longer sign in; everything they did stays attributed."""
    user = user_get_managed(actor, user_id)
    if user.pk == getattr(actor, "pk", None):
        raise ApplicationError(_("不能停用您本人的账号。"), "conflict")
    if user.is_superuser and not getattr(actor, "is_superuser", False):
        raise NotFound(_("用户不存在。"))
    if not user.is_active:
        return user
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="user.deactivate", obj=user, data={"username": user.username})
    return user


def user_activate(*, actor, user_id):
    user = user_get_managed(actor, user_id)
    if user.is_active:
        return user
    with transaction.atomic():
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="user.activate", obj=user, data={"username": user.username})
    return user


def user_set_password(*, actor, user_id, password: str):
    user = user_get_managed(actor, user_id)
    if user.is_superuser and not getattr(actor, "is_superuser", False):
        raise NotFound(_("用户不存在。"))
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=actor, action="user.set_password", obj=user, data={"username": user.username})
    return user


def system_account(username: str, unit: Unit, display_name: str = ""):
    """The account the system itself registers under (`portal`, `open311`, `import`): no usable password
    (it cannot sign in), a 登记 (clerk) post at `unit`; created on first use."""
    user, created = get_user_model().objects.get_or_create(username=username,
                                                           defaults={"first_name": display_name or username})
    if created:
        user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, unit=unit, role=Role.CLERK)
    return user
