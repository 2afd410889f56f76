"""The 包案 rules apply the one jurisdiction rule per unit: `units_seeing(petition)` must agree with
`petitions_visible` for a member of each unit, and `unit_covers` with `org.jurisdiction.covers`."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from xinfang.org.choices import Role
from xinfang.org.jurisdiction import covers
from xinfang.org.models import Membership, Unit
from xinfang.oversight import rules
from xinfang.petitions.selectors import petitions_visible

pytestmark = pytest.mark.django_db


def _member_of(unit: Unit):
    User = get_user_model()
    user = User.objects.create(username=f"probe_{unit.code}")
    Membership.objects.create(user=user, unit=unit, role=Role.LEADER)
    return User.objects.get(pk=user.pk)


def test_units_seeing_agrees_with_petitions_visible(org, register, act):
    registered, _c = register()
    routed, _c = register()
    routed = act("demo_dispatcher", routed, "assign", unit="DH-T1")
    city, _c = register(actor=org.users["demo_city_dispatcher"])
    city = act("demo_city_dispatcher", city, "assign", unit="XS-ZJ")
    # a unit switched off sees nothing (its members' memberships no longer count)
    off = Unit.objects.get(code="DH-JY")
    off.is_active = False
    off.save()
    probes = {unit.code: _member_of(unit) for unit in Unit.objects.all()}
    for p in (registered, routed, city):
        seeing = set(rules.units_seeing(p).values_list("code", flat=True))
        visible = {code for code, user in probes.items() if petitions_visible(user).filter(pk=p.pk).exists()}
        assert seeing == visible, (p.number, seeing ^ visible)
    assert "DH-T1-V1" not in set(rules.units_seeing(routed).values_list("code", flat=True))
    assert {"DH-T1", "DH", "SF", "DH-XF", "SF-XF"} <= set(rules.units_seeing(routed).values_list("code", flat=True))


def test_unit_covers_agrees_with_covers(org):
    units = list(Unit.objects.select_related("region"))
    for own in units:
        probe = _member_of(own)
        for unit in units:
            assert rules.unit_covers(own, unit) == covers(probe, unit), (own.code, unit.code)


def test_leader_choices_follow_the_arranger(org, register, act):
    p, _c = register()
    p = act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    User = get_user_model()

    def names(actor):
        return [u.username for u, _unit in rules.leader_choices(User.objects.get(username=actor), p)]

    district = names("demo_dispatcher")
    assert "demo_reviewer" in district and "demo_leader" in district
    assert "demo_city_leader" not in district and "demo_leader2" not in district
    assert names("demo_dept_dispatcher") == ["demo_leader"]
    assert names("demo_leader") == ["demo_leader"]
    assert "demo_city_leader" in names("demo_city_dispatcher")
    assert names("demo_clerk") == [] and names("demo_handler") == []
