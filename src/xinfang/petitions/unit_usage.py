"""How petitions use units, registered with `xinfang.org.usage` (org sits below petitions and does
not import it): open petitions handled by a unit keep it from being deactivated, and a unit any
petition refers to cannot be deleted."""

from __future__ import annotations

from django.utils.translation import gettext as _

from xinfang.org.models import Unit

from .choices import OPEN_STATES
from .models import Petition, PetitionAccess


def open_petitions_refusal(unit: Unit) -> str | None:
    count = Petition.objects.filter(handling_unit=unit, status__in=OPEN_STATES).count()
    if not count:
        return None
    return _("该单位尚有%(n)d件未办结的信访件，请办结或转办后再停用。") % {"n": count}


def petitions_refer_to(unit: Unit) -> bool:
    # one indexed probe per reference (an OR of them could scan the table)
    return (PetitionAccess.objects.filter(unit=unit).exists()
            or any(Petition.objects.filter(**{field: unit}).exists()
                   for field in ("receiving_unit", "handling_unit", "review_unit", "accused_unit")))
