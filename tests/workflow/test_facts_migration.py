"""The migration that fills the stored handling facts (workflow 0004) gives every existing petition
the same facts the services keep up to date move by move."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from xinfang.petitions.models import Petition
from xinfang.workflow.facts import FACT_FIELDS

# outside a transaction: SQLite's schema editor (which runs every migration) refuses to work inside one
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_migration_fills_the_facts_the_services_keep(register, act, settings):
    settings.XINFANG = {**settings.XINFANG, "REPLY_APPROVAL": False}
    first, _ = register()
    act("demo_dispatcher", first, "assign", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", Petition.objects.get(pk=first.pk), "accept", handler="demo_handler")
    p = act("demo_handler", p, "draft_reply", outcome="support", text="已处理", basis="有关规定")
    act("demo_clerk", p, "evaluate", level="basically")
    register(repeat_of=Petition.objects.get(pk=first.pk))
    kept = list(Petition.objects.order_by("pk").values_list(*FACT_FIELDS))
    assert kept[0][FACT_FIELDS.index("fact_evaluation")] == "basically"
    assert kept[0][FACT_FIELDS.index("fact_repeat_at")] is not None
    Petition.objects.update(**{f: None for f in FACT_FIELDS})  # as before the migration

    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("workflow", "0003_routingrule")])
        executor.loader.build_graph()
        executor.migrate([("workflow", "0004_handling_facts")])
        assert list(Petition.objects.order_by("pk").values_list(*FACT_FIELDS)) == kept
    finally:  # back to the latest schema for the tests that follow
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
