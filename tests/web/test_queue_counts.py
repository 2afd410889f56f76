"""待办 in the navigation: the total counts each petition once, though it waits in several queues."""

import re

import pytest
from intake_helpers import logged_in

from xinfang.workflow.queues import ALL, QUEUES, queue, queue_counts

pytestmark = pytest.mark.django_db


def badge(html: str, key: str) -> int:
    """The number on the navigation item `data-nav=key` (0 when it shows none)."""
    m = re.search(rf'data-nav="{re.escape(key)}">[^<]*(?:<span class="badge[^"]*">(\d+)</span>)?', html)
    assert m, f"no navigation item {key}"
    return int(m.group(1) or 0)


def rows(html: str) -> int:
    return len(re.findall(r'href="/petitions/\d+/"', html))


def test_the_total_counts_each_petition_once(org, register, users):
    mine = [register(title=f"事项{i}")[0] for i in range(3)]
    # a registered petition waits both to be routed (待分办) and to be accepted (待受理) by its office
    dispatcher = users["demo_dispatcher"]
    assert queue(dispatcher, "route").count() == 3 and queue(dispatcher, "accept").count() == 3
    client = logged_in(dispatcher)
    html = client.get("/").content.decode()
    assert badge(html, "queue:route") == 3 and badge(html, "queue:accept") == 3  # per queue: per queue
    assert badge(html, "queue") == 3  # not 6
    page = client.get("/queue/all/").content.decode()
    assert rows(page) == 3 and all(p.number in page for p in mine)
    assert queue_counts(dispatcher, fresh=True)[ALL] == 3


def test_the_total_leaves_out_the_overdue_view_and_matches_the_page(org, register, act, users):
    p, _ = register(title="超期的事项")
    register(title="另一件")
    act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    # 已超期 is a view across the queues, not work of its own
    from xinfang.petitions.models import Petition

    Petition.objects.filter(pk=p.pk).update(warning_level="overdue")
    leader = users["demo_leader"]  # leads the department: p waits for acceptance there
    counts = queue_counts(leader, fresh=True)
    assert counts["overdue"] == 1 and counts["accept"] == 1
    html = logged_in(leader).get("/").content.decode()
    page = logged_in(leader).get("/queue/all/").content.decode()
    assert badge(html, "queue") == rows(page) == 1
    # every queue but 已超期 is in the union
    every = {pk for key, _label in QUEUES if key != "overdue" for pk in queue(leader, key).values_list("pk", flat=True)}
    assert set(queue(leader, ALL).values_list("pk", flat=True)) == every


def test_an_empty_workload_shows_no_badge(org, users):
    html = logged_in(users["demo_analyst"]).get("/").content.decode()
    assert badge(html, "queue") == 0
