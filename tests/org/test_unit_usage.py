"""Units in use elsewhere: `org` asks the packages above it through `org.usage` (it may not import
them), so a unit handling open petitions is not deactivated and a unit any petition names is not
deleted."""

from __future__ import annotations

import pytest

from xinfang.common.errors import ApplicationError
from xinfang.org import services as org_services
from xinfang.org.models import Unit
from xinfang.org.usage import unit_open_work, unit_referenced
from xinfang.petitions.models import Petition


def spare_unit(admin, code: str) -> Unit:
    return org_services.unit_save(actor=admin, code=code, name=f"误建单位{code}", kind="department", level="county",
                                  region="990102", parent="DH")


def test_petitions_register_their_use_of_units(users, register):
    admin = users["demo_admin"]
    accused, handling = spare_unit(admin, "DH-TMP1"), spare_unit(admin, "DH-TMP2")
    assert not unit_referenced(accused) and unit_open_work(handling) == []
    p, _code = register(accused_unit="DH-TMP1")
    assert unit_referenced(accused)  # only a petition names it: no children, no people
    with pytest.raises(ApplicationError, match="请改为停用"):
        org_services.unit_delete(actor=admin, unit_id=accused.pk)
    Petition.objects.filter(pk=p.pk).update(handling_unit=handling, status="in_handling")
    assert unit_open_work(handling) == ["该单位尚有1件未办结的信访件，请办结或转办后再停用。"]
    with pytest.raises(ApplicationError, match="1件未办结"):
        org_services.unit_deactivate(actor=admin, unit_id=handling.pk)
    Petition.objects.filter(pk=p.pk).update(status="closed")
    assert unit_open_work(handling) == []
    assert not org_services.unit_deactivate(actor=admin, unit_id=handling.pk).is_active
