"""分办规则: the suggestion ranking and the audited, validated writes (workflow.routing)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from xinfang.audit.models import AuditEntry
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.org.models import Region, Unit
from xinfang.petitions.models import Category, Petition
from xinfang.workflow.models import RoutingRule
from xinfang.workflow.routing import routing_rule_delete, routing_rule_save, routing_suggest

pytestmark = pytest.mark.django_db


def fresh(users, name):
    return get_user_model().objects.get(pk=users[name].pk)


def rule(unit, *, category=None, region=None, owner=None, priority=0, active=True):
    return RoutingRule.objects.create(
        unit=Unit.objects.get(code=unit), category=Category.objects.get(code=category) if category else None,
        region=Region.objects.get(code=region) if region else None,
        owner=Unit.objects.get(code=owner) if owner else None, priority=priority, is_active=active)


def codes(units):
    return [u.code for u in units]


@pytest.fixture
def petition(register):
    """物业管理 (010101 under 0101 under 01) in 城关街道 (990102001 under 东湖区 990102), received at DH-XF."""
    p, _ = register()
    return Petition.objects.select_related("category", "problem_region", "receiving_unit").get(pk=p.pk)


def test_most_specific_rule_first_then_priority(org, petition):
    rule("SF-ZJ", category="01")                                    # 1 + 0
    rule("DH-ZJ", category="01", region="990102")                   # 1 + 3
    rule("DH-T1", region="990102001")                               # 0 + 4, category depth 0
    rule("DH-SC", category="010101", region="990102")               # 3 + 3: the most specific
    rule("XS-ZJ", category="01", region="990103")                   # another district: no match
    rule("DH-RS", category="02")                                    # another category: no match
    rule("DH-NY", category="010101", region="990102", active=False)  # inactive rule
    assert codes(routing_suggest(petition)) == ["DH-SC", "DH-ZJ", "DH-T1", "SF-ZJ"]
    # among equally specific rules the higher priority wins; at equal sums the deeper category first
    rule("DH-JY", category="0101", region="990102", priority=0)      # 2 + 3
    rule("DH-ST", category="0101", region="990102", priority=5)      # 2 + 3
    assert codes(routing_suggest(petition))[:3] == ["DH-SC", "DH-ST", "DH-JY"]


def test_wildcards_owner_inactive_units_duplicates_and_limit(org, petition):
    rule("DH-XF")                                      # any category, anywhere: the weakest
    rule("DH-ZJ", category="0101", owner="XS-XF")      # applies to another dispatching office only
    rule("DH-MZ", category="0101", owner="DH-XF")      # applies to this office
    rule("DH-JY", category="0101", owner="SF", priority=1)  # owner above the receiving unit: applies
    rule("DH-MZ", category="01")                       # same unit again, less specific: listed once
    off = rule("DH-RS", category="010101")
    Unit.objects.filter(pk=off.unit_id).update(is_active=False)
    assert codes(routing_suggest(petition)) == ["DH-JY", "DH-MZ", "DH-XF"]
    assert len(routing_suggest(petition, limit=2)) == 2


def test_accusation_is_never_suggested_to_the_accused_unit(org, register):
    p, _ = register(nature="accusation", accused_unit="DH-ZJ")
    rule("DH-ZJ", category="010101")
    rule("DH-JW", category="01")
    p = Petition.objects.get(pk=p.pk)
    assert codes(routing_suggest(p)) == ["DH-JW"]


def test_petition_without_category_or_region(org, register):
    p, _ = register(category="", problem_region="")
    rule("DH-XF")
    rule("DH-ZJ", category="01")
    rule("DH-T1", region="990102")
    assert codes(routing_suggest(Petition.objects.get(pk=p.pk))) == ["DH-XF"]


def test_rule_save_validates_and_audits(org, users):
    admin = fresh(users, "demo_admin")
    with pytest.raises(ApplicationError) as err:
        routing_rule_save(actor=admin, unit="", category="01")
    assert err.value.field == "unit"
    with pytest.raises(ApplicationError) as err:
        routing_rule_save(actor=admin, unit="NOPE")
    assert err.value.field == "unit"
    with pytest.raises(ApplicationError) as err:
        routing_rule_save(actor=admin, unit="DH-ZJ", category="999")
    assert err.value.field == "category"
    with pytest.raises(ApplicationError) as err:
        routing_rule_save(actor=admin, unit="DH-ZJ", priority="high")
    assert err.value.field == "priority"
    with pytest.raises(ApplicationError) as err:
        routing_rule_save(actor=admin, unit="DH-ZJ", priority=5000)
    assert err.value.field == "priority"
    r = routing_rule_save(actor=admin, unit="DH-ZJ", category="0101", region="990102", priority="3", note="住建")
    assert (r.unit.code, r.category.code, r.region.code, r.priority, r.owner) == ("DH-ZJ", "0101", "990102", 3, None)
    entry = AuditEntry.objects.get(action="routing_rule.create")
    assert entry.data["unit"] == "DH-ZJ" and entry.object_id == str(r.pk)
    with pytest.raises(ApplicationError) as err:
        routing_rule_save(actor=admin, unit="DH-ZJ", category="0101", region="990102")
    assert err.value.code == "conflict"
    r = routing_rule_save(actor=admin, rule_id=r.pk, unit="DH-SC", category="0101", region="990102", is_active=False)
    assert r.unit.code == "DH-SC" and not r.is_active
    assert AuditEntry.objects.filter(action="routing_rule.update", object_id=str(r.pk)).exists()
    routing_rule_delete(actor=admin, rule_id=r.pk)
    assert not RoutingRule.objects.exists()
    assert AuditEntry.objects.filter(action="routing_rule.delete").exists()


def test_unit_admin_manages_only_rules_of_their_own_offices(org, users):
    admin2 = fresh(users, "demo_admin2")  # admin of 西山区信访局
    with pytest.raises(ApplicationError) as err:  # a rule for everyone is a global setting
        routing_rule_save(actor=admin2, unit="XS-ZJ", category="01")
    assert err.value.field == "owner"
    with pytest.raises(ApplicationError) as err:
        routing_rule_save(actor=admin2, unit="XS-ZJ", category="01", owner="DH-XF")
    assert err.value.field == "owner"
    own = routing_rule_save(actor=admin2, unit="XS-ZJ", category="01", owner="XS-XF")
    assert own.owner.code == "XS-XF"
    global_rule = routing_rule_save(actor=fresh(users, "demo_admin"), unit="SF-ZJ", category="01")
    with pytest.raises(NotFound):
        routing_rule_delete(actor=admin2, rule_id=global_rule.pk)
    with pytest.raises(NotFound):
        routing_rule_save(actor=fresh(users, "demo_dispatcher2"), unit="XS-ZJ", owner="XS-XF")
