"""系统管理: a unit's 上级主管机关 and 本级人民政府, which decide where its decisions are reviewed."""

from __future__ import annotations

import pytest

from xinfang.common.errors import ApplicationError
from xinfang.org import services as org_services
from xinfang.org.hierarchy import review_bodies
from xinfang.org.models import Unit

pytestmark = pytest.mark.django_db


def _save(users, unit, **changes):
    values = {"code": unit.code, "name": unit.name, "kind": unit.kind, "level": unit.level,
              "region": unit.region.code, "parent": unit.parent.code if unit.parent_id else None}
    values.update(changes)
    return org_services.unit_save(actor=users["demo_admin"], unit_id=unit.pk, **values)


def test_setting_the_superior_body_changes_the_lawful_review_bodies(org, users):
    dept = Unit.objects.get(code="DH-RS")
    assert [u.code for u in review_bodies(dept)] == ["DH"]  # no stated superior: only the government
    _save(users, dept, superior="SF-ZJ")
    assert [u.code for u in review_bodies(Unit.objects.get(code="DH-RS"))] == ["DH", "SF-ZJ"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"superior": "SF-JW"}, "superior"),  # not an administrative body
    ({"superior": "DH-ZJ"}, "superior"),  # the same level
    ({"superior": "DH-RS"}, "superior"),  # itself
    ({"government": "SF"}, "government"),  # another level
    ({"government": "SF-ZJ"}, "government"),  # not a government
    ({"superior": "NOPE"}, "superior"),
])
def test_unlawful_review_links_are_refused(org, users, changes, field):
    dept = Unit.objects.get(code="DH-RS")
    with pytest.raises(ApplicationError) as err:
        _save(users, dept, **changes)
    assert err.value.field == field
    assert Unit.objects.get(code="DH-RS").superior_id is None


def test_the_unit_form_offers_and_saves_the_superior_body(org, users, client):
    client.force_login(users["demo_admin"])
    dept = Unit.objects.get(code="DH-RS")
    page = client.get(f"/manage/units/{dept.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "上级主管机关" in text and "本级人民政府" in text
    r = client.post(f"/manage/units/{dept.pk}/", {"code": dept.code, "name": dept.name, "kind": dept.kind,
                                                  "level": dept.level, "region": dept.region.code,
                                                  "parent": dept.parent.code, "superior": "SF-ZJ"})
    assert r.status_code == 302, r.content.decode()[:500]
    assert Unit.objects.get(code="DH-RS").superior.code == "SF-ZJ"
    r = client.post(f"/manage/units/{dept.pk}/", {"code": dept.code, "name": dept.name, "kind": dept.kind,
                                                  "level": dept.level, "region": dept.region.code,
                                                  "parent": dept.parent.code, "superior": "SF-JW"})
    assert r.status_code == 422 and "行政机关" in r.content.decode()
