"""Long lists (issue 13): only the page's rows are read, the count stops at a cap ("超过 N 件"), and a
common word newest first walks the date index; the rows, their order and the scope stay the same."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from xinfang.petitions import search, selectors
from xinfang.petitions.filters import PetitionFilter, petitions_search, petitions_search_ordered
from xinfang.petitions.selectors import petitions_page, petitions_visible
from xinfang.petitions.services import PetitionerInput
from xinfang.workflow import queues

pytestmark = pytest.mark.django_db


@pytest.fixture
def parking(org, register):
    """Seven 停车 petitions newest first (two received at the same instant) and one other."""
    now = timezone.now().replace(microsecond=0)
    made = []
    for i, hours in enumerate([1, 2, 3, 3, 5, 6, 7]):
        p, _ = register(title=f"停车难{i}", content="小区停车难。", demands="", received_at=now - dt.timedelta(hours=hours))
        made.append(p)
    register(title="噪声扰民", content="夜间施工噪声。", demands="", received_at=now - dt.timedelta(days=2))
    register(actor=org.users["demo_clerk2"], title="西山区停车难", content="停车难。", demands="",
             problem_region="990103001")
    return sorted(made, key=lambda p: (p.received_at, p.pk), reverse=True)


def ids(page) -> list[int]:
    return [p.pk for p in page]


def all_pages(user, qs, *, q="", per_page=2, count_qs=None):
    out, number = [], 1
    while True:
        page = petitions_page(user, qs, number=number, per_page=per_page, q=q, count_qs=count_qs)
        out.append(page)
        if not page.has_next():
            return out
        number += 1


def test_pages_hold_the_rows_in_order_in_either_shape(parking, users):
    clerk = users["demo_clerk"]
    flt = PetitionFilter(q="停车")
    ordered = petitions_search_ordered(clerk, flt)
    if connection.vendor == "sqlite":  # the text index read in its date order (PostgreSQL plans by statistics)
        assert search.is_joined(ordered) and 'ORDER BY ("petitions_search".rowid) DESC' in str(ordered.query)
    pages = all_pages(clerk, ordered, q="停车", count_qs=petitions_search(clerk, flt))
    assert [pk for page in pages for pk in ids(page)] == [p.pk for p in parking]  # no 西山区 petition
    assert [page.number for page in pages] == [1, 2, 3, 4]
    assert all(page.count == 7 and not page.count_more for page in pages)
    assert pages[0].num_pages == 4 and not pages[0].has_previous() and pages[-1].has_previous()
    # the same rows as the plain shape
    assert set(petitions_search(clerk, flt, by_order=True).values_list("pk", flat=True)) == \
        set(petitions_search(clerk, flt).values_list("pk", flat=True))


def test_the_count_stops_at_the_cap(parking, users, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    clerk = users["demo_clerk"]
    first = petitions_page(clerk, petitions_visible(clerk).order_by("-received_at", "-id"), per_page=2)
    assert first.count_more and first.count == 3 and first.num_pages is None and first.has_next()
    assert ids(first) == [p.pk for p in parking[:2]]
    # the last page has read to the end: its count is exact
    last = petitions_page(clerk, petitions_visible(clerk).order_by("-received_at", "-id"), number=4, per_page=3)
    assert last.number == 3 and last.count == 8 and not last.count_more and not last.has_next()


def test_the_page_says_more_than_and_pages_on(parking, client, users, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr("xinfang.web.views.search.PAGE_SIZE", 2)
    client.force_login(users["demo_clerk"])
    body = client.get("/search/", {"q": "停车"}).content.decode()
    assert "超过 3 件" in body and "第 1 页" in body and 'rel="next"' in body
    assert parking[0].number in body and parking[2].number not in body
    body = client.get("/search/", {"q": "停车", "page": 4}).content.decode()
    assert parking[6].number in body and 'rel="next"' not in body and 'rel="prev"' in body
    body = client.get("/search/", {"q": "停车", "page": "99"}).content.decode()  # past the end: the last page
    assert parking[6].number in body
    home = client.get("/").content.decode()
    assert "超过" not in home and parking[0].number in home  # home shows no count, only its pages


def test_an_exact_count_is_shown_as_it_is(parking, client, users):
    client.force_login(users["demo_clerk"])
    body = client.get("/search/", {"q": "停车"}).content.decode()
    assert "共 7 件" in body and "超过" not in body and 'rel="next"' not in body


def test_masked_matches_are_neither_shown_nor_counted(org, register, users):
    """An accusation whose accuser is hidden from the user is not found by the accuser's name in its
    text, however many there are (more than the reader's slack, so it reads again)."""
    city = users["demo_city_dispatcher"]  # covers the district, outside these petitions' handling chain
    now = timezone.now()
    for i in range(12):
        register(title=f"检举{i}", content="王五反映有人索要好处费。", demands="", nature="accusation",
                 received_at=now - dt.timedelta(minutes=i + 1), petitioners=[PetitionerInput(name="王五")])
    plain, _ = register(title="建议", content="王五建议增设路灯。", demands="", received_at=now - dt.timedelta(days=1),
                        petitioners=[PetitionerInput(name="王五")])
    flt = PetitionFilter(q="王五")
    assert petitions_search(city, flt).count() == 13  # the index finds them all
    page = petitions_page(city, petitions_search_ordered(city, flt), per_page=2, q="王五",
                          count_qs=petitions_search(city, flt))
    assert ids(page) == [plain.pk] and page.count == 1 and not page.has_next()
    clerk = users["demo_clerk"]  # in the chain: finds them all
    page = petitions_page(clerk, petitions_search_ordered(clerk, flt), per_page=2, q="王五",
                          count_qs=petitions_search(clerk, flt))
    assert page.has_next() and page.count == 13


def test_queue_counts_stop_at_the_cap(org, register, users, client, monkeypatch):
    for i in range(3):
        register(title=f"事项{i}")
    dispatcher = users["demo_dispatcher"]
    exact = queues.queue_counts(dispatcher, fresh=True)
    assert exact["route"] == 3 and exact[queues.ALL] == queues.queue(dispatcher, queues.ALL).count() == 3
    counts = queues.queue_counts(dispatcher, fresh=True, cap=2)
    assert isinstance(counts["route"], queues.AtLeast) and counts["route"] == 2 and str(counts["route"]) == "2+"
    assert str(counts[queues.ALL]) == "2+" and counts["evaluate"] == 0 and str(counts["evaluate"]) == "0"
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    queues.queue_counts_forget([dispatcher.pk])
    client.force_login(dispatcher)
    assert 'data-nav="queue:route">' in (html := client.get("/").content.decode()) and ">2+</span>" in html
