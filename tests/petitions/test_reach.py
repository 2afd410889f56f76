"""Reach sets (`petitions.reach`): a petition's stored set of units is exactly the units of its access
rows or NULL, whatever writes them, and the reports' scope by those sets (`petitions_visible(…,
by_reach=True)`) gives the same petitions as the access rows. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from xinfang.org.models import Unit
from xinfang.petitions import reach
from xinfang.petitions.models import Petition, PetitionAccess, ReachSetUnit
from xinfang.petitions.selectors import petitions_visible


def _members(petition_id: int) -> set[int] | None:
    sid = Petition.objects.filter(pk=petition_id).values_list("reach_set", flat=True).get()
    if sid is None:
        return None
    return set(ReachSetUnit.objects.filter(reach_set_id=sid).values_list("unit_id", flat=True))


def _access(petition_id: int) -> set[int]:
    return set(PetitionAccess.objects.filter(petition_id=petition_id).values_list("unit_id", flat=True))


def _exact(petition_id: int) -> bool:
    """The stored set is NULL or exactly the access rows' units."""
    members = _members(petition_id)
    return members is None or members == _access(petition_id)


def _unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def _sql(sql: str, params: list) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_triggers_are_installed(db):
    assert reach.triggers_present(connection)


def test_the_services_store_the_exact_set(register, act, org):
    p, _code = register()
    assert _members(p.pk) == {_unit("DH-XF").pk} == _access(p.pk)  # registration: its own unit
    act("demo_dispatcher", p, "assign", unit="DH-ZJ")  # a unit more: stored again, not left NULL
    assert _members(p.pk) == {_unit("DH-XF").pk, _unit("DH-ZJ").pk} == _access(p.pk)
    other, _c = register()  # the same one-unit set as the first had: stored once, named again
    first_set = Petition.objects.get(pk=other.pk).reach_set_id
    again, _c = register()
    assert Petition.objects.get(pk=again.pk).reach_set_id == first_set and _members(again.pk) == {_unit("DH-XF").pk}


def test_a_save_never_writes_back_a_set_read_before(register, org):
    p, _code = register()
    stale = Petition.objects.get(pk=p.pk)
    reach.access_grant(Petition.objects.get(pk=p.pk), _unit("DH-ZJ"), "route")
    assert _members(p.pk) == {_unit("DH-XF").pk, _unit("DH-ZJ").pk}
    stale.title = "改过的标题"
    stale.save()  # holds the set of one unit in memory
    assert Petition.objects.get(pk=p.pk).title == "改过的标题"
    assert _members(p.pk) == {_unit("DH-XF").pk, _unit("DH-ZJ").pk}


def test_any_other_change_of_the_access_rows_clears_the_set(register, org):
    p, _code = register()
    q, _c = register()
    zj, xf = _unit("DH-ZJ"), _unit("DH-XF")
    # an access row written around the services, for a unit outside the set: cleared
    _sql("INSERT INTO petitions_petitionaccess (petition_id, unit_id, reason) VALUES (%s, %s, 'raw')", [p.pk, zj.pk])
    assert _members(p.pk) is None
    reach.reach_refresh([p.pk])
    assert _members(p.pk) == {xf.pk, zj.pk}
    # changed: cleared (both petitions the row moves between)
    _sql("UPDATE petitions_petitionaccess SET petition_id = %s WHERE petition_id = %s AND unit_id = %s",
         [q.pk, p.pk, zj.pk])
    assert _members(p.pk) is None and _members(q.pk) is None
    reach.reach_refresh([p.pk, q.pk])
    assert _members(p.pk) == {xf.pk} and _members(q.pk) == {xf.pk, zj.pk}
    # deleted: cleared
    _sql("DELETE FROM petitions_petitionaccess WHERE petition_id = %s AND unit_id = %s", [q.pk, zj.pk])
    assert _members(q.pk) is None
    reach.reach_refresh([q.pk])
    assert _members(q.pk) == {xf.pk}
    # bulk-created rows (the ORM, no service): cleared too
    PetitionAccess.objects.bulk_create([PetitionAccess(petition_id=q.pk, unit_id=zj.pk, reason="bulk")])
    assert _members(q.pk) is None
    # a petition without access rows keeps no set
    _sql("DELETE FROM petitions_petitionaccess WHERE petition_id = %s", [q.pk])
    assert reach.reach_refresh([q.pk]) == 0 and _members(q.pk) is None


def test_fill_stores_the_missing_sets(register, act, org):
    made = [register()[0] for _ in range(5)]
    act("demo_dispatcher", made[0], "assign", unit="DH-ZJ")
    _sql("UPDATE petitions_petition SET reach_set_id = NULL", [])
    assert reach.fill(batch=2) == len(made)
    assert all(_members(p.pk) == _access(p.pk) for p in made)
    assert reach.fill() == 0


def test_reports_scope_by_sets_equals_the_access_rows(register, act, org):
    """Every user of the demo organisation sees, by the sets, exactly the petitions the access rows
    give them: petitions with a set, with none (cleared), with one made stale by nobody, without any
    access row; a set shared by several petitions."""
    from xinfang.reports.management.commands._common import SystemView

    made = [register()[0] for _ in range(6)]
    act("demo_dispatcher", made[1], "assign", unit="DH-ZJ")
    act("demo_dispatcher", made[2], "assign", unit="DH-ZJ")
    zj = _unit("DH-ZJ")
    others = list(Unit.objects.exclude(code__in=["DH-XF", "DH-ZJ"]).order_by("pk")[:3])
    _sql("INSERT INTO petitions_petitionaccess (petition_id, unit_id, reason) VALUES (%s, %s, 'raw')",
         [made[3].pk, others[0].pk])  # cleared by the trigger: the access rows answer
    _sql("DELETE FROM petitions_petitionaccess WHERE petition_id = %s", [made[4].pk])  # reaches no unit
    reach.access_grant(Petition.objects.get(pk=made[5].pk), others[-1], "supervise")
    assert _members(made[3].pk) is None and _members(made[4].pk) is None
    assert _members(made[1].pk) == _members(made[2].pk) == _access(made[1].pk) == {made[1].receiving_unit_id, zj.pk}
    User = get_user_model()
    compared = 0
    for user in [*User.objects.all(), SystemView()]:
        by_sets = set(petitions_visible(user, by_reach=True).values_list("pk", flat=True))
        by_rows = set(petitions_visible(user).values_list("pk", flat=True))
        assert by_sets == by_rows, getattr(user, "username", "system")
        compared += len(by_rows)
    assert compared > len(made)  # users saw petitions, not only empty scopes
    assert all(_exact(p.pk) for p in made)


@pytest.mark.parametrize("period_days", [30])
def test_the_reports_cohort_uses_the_sets(register, org, period_days):
    """The statistics' cohort reads the reach set (its SQL names the column), and counts the same."""
    import datetime as dt

    from django.utils import timezone

    from xinfang.reports import statistics as st

    register()
    analyst = get_user_model().objects.get(username="demo_analyst")
    today = timezone.localdate()
    period = st.Period(today - dt.timedelta(days=period_days), today)
    qs = st.cohort(analyst, period)
    assert "reach_set_id" in str(qs.query)
    plain = petitions_visible(analyst).filter(pk__in=qs.values("pk"))
    assert qs.count() == plain.count() >= 1
