"""`xinfang demo` gives the district government's leader a few owned cases, one of them resolved."""

from io import StringIO

import pytest
from django.core.management import call_command

from xinfang.oversight.models import Ownership
from xinfang.petitions.choices import Status

pytestmark = pytest.mark.django_db


def test_demo_owns_a_few_petitions(db):
    out = StringIO()
    call_command("demo", "--petitions", "45", "--seed", "7", stdout=out)
    owned = Ownership.objects.select_related("petition", "leader")
    assert 2 <= owned.count() <= 3
    assert {o.leader.username for o in owned} == {"demo_reviewer"} and all(o.is_active for o in owned)
    resolved = [o for o in owned if o.resolved_at is not None]
    assert len(resolved) == 1 and resolved[0].petition.status == Status.CLOSED
    assert resolved[0].resolved_at == resolved[0].petition.closed_at
    assert all(o.petition.events.filter(action="own").count() == 1 for o in owned)
    assert "领导包案" in out.getvalue()
