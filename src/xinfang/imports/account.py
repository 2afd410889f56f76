"""The account a command-line import registers under when no user is named: `import`, without a
usable password, with a 登记 (clerk) post at the unit the rows are registered in; and that unit's
default, the top petition office."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.org.models import Unit
from xinfang.org.selectors import top_petition_office
from xinfang.org.services import system_account

from .access import resolve_unit

IMPORT_ACCOUNT = "import"


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
    user = system_account(IMPORT_ACCOUNT, unit, "批量导入")
    if not user.is_active:
        raise ApplicationError(_("系统账号 %(name)s 已停用。") % {"name": IMPORT_ACCOUNT}, "invalid", "user")
    user = get_user_model().objects.get(pk=user.pk)  # memberships are cached on the instance
    return user, resolve_unit(user, unit.code)
