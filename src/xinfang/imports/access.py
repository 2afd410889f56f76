"""Who may import: the units in which a user may register petitions (the `register` move of the
workflow's transition table), and the unit an import registers in."""

from __future__ import annotations

from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.org.models import Unit
from xinfang.workflow.rules import register_units


def resolve_unit(user, unit_code: str | None) -> Unit:
    units = register_units(user)
    if not units:
        raise ApplicationError(_("您没有登记信访件的权限。"), "illegal_transition")
    if not unit_code:
        return units[0]
    for u in units:
        if u.code == unit_code:
            return u
    raise ApplicationError(_("您不能以该单位名义登记：%(code)s") % {"code": unit_code}, "invalid", "unit")
