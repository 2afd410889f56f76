"""The cohort: the petitions a figure counts, and the unit filter."""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.org.jurisdiction import visible_units
from xinfang.org.models import Unit
from xinfang.petitions.choices import Status
from xinfang.petitions.models import Petition, PetitionAccess
from xinfang.petitions.selectors import petitions_visible

from .periods import Period

# ---- the cohort ----------------------------------------------------------------------------------

def resolve_unit(user, unit_code: str | None) -> Unit | None:
    """The unit filter: a unit in the user's jurisdiction, or an error (never a hint it exists)."""
    if not unit_code:
        return None
    code = str(unit_code)[:64]
    unit = None if "\x00" in code else visible_units(user).filter(code=code).first()  # PostgreSQL holds no NUL
    if unit is None:
        raise ApplicationError(_("单位不存在：%(code)s") % {"code": code.replace("\x00", "")}, "invalid", "unit")
    return unit


def cohort(user, period: Period, unit: Unit | None = None) -> QuerySet[Petition]:
    """The petitions a figure counts: visible to `user`, received in `period`, not merged,
    and (with `unit`) that reached `unit` or a unit below it."""
    start, end = period.bounds()
    # (by the petitions' reach sets: a year of them is read, one index probe each would cost more than
    # the figures, docs/performance.md)
    qs = (petitions_visible(user, by_reach=True).filter(received_at__gte=start, received_at__lt=end)
          .exclude(status=Status.MERGED))
    if unit is not None:
        reached = PetitionAccess.objects.filter(unit__path__startswith=unit.path).values("petition_id")
        qs = qs.filter(pk__in=reached)
    return qs.order_by()
