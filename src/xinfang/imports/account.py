"""The account a command-line import registers under when no user is named: `import`, without a
usable password, with a 登记 (clerk) post at the unit the rows are registered in; and that unit's
default, the top petition office."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.org.choices import LEVEL_RANK, Role, UnitKind
from xinfang.org.models import Membership, Unit

from .access import resolve_unit

IMPORT_ACCOUNT = "import"


def top_petition_office() -> Unit | None:
    """The highest active petition office (信访工作机构), else the highest active unit."""
    rank = Case(*[When(level=lv, then=Value(r)) for lv, r in LEVEL_RANK.items()], default=Value(99),
                output_field=IntegerField())
    units = Unit.objects.filter(is_active=True).annotate(level_rank=rank)
    return (units.filter(kind=UnitKind.PETITION_OFFICE).order_by("level_rank", "path").first()
            or units.order_by("level_rank", "path").first())


def import_account(unit_code: str | None = None):
    """(account, unit): the system account `import` with a clerk post at `unit_code` (default: the top
    petition office), created on first use. Raises ApplicationError for an unknown or inactive unit,
    or one where a clerk may not register."""
    if unit_code:
        unit = Unit.objects.filter(code=unit_code, is_active=True).first()
        if unit is None:
            raise ApplicationError(_("单位不存在或已停用：%(code)s") % {"code": unit_code}, "invalid", "unit")
    else:
        unit = top_petition_office()
        if unit is None:
            raise ApplicationError(_("系统中还没有任何单位，无法导入。"), "invalid", "unit")
    user, created = get_user_model().objects.get_or_create(username=IMPORT_ACCOUNT,
                                                           defaults={"first_name": "批量导入"})
    if created:
        user.set_unusable_password()
        user.save()
    if not user.is_active:
        raise ApplicationError(_("系统账号 %(name)s 已停用。") % {"name": IMPORT_ACCOUNT}, "invalid", "user")
    Membership.objects.get_or_create(user=user, unit=unit, role=Role.CLERK)
    user = get_user_model().objects.get(pk=user.pk)  # memberships are cached on the instance
    return user, resolve_unit(user, unit.code)
