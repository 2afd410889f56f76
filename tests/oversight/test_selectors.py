"""Reading 包案 within the jurisdiction, the petition page's panel, and the counting rule of 包案化解率."""

from __future__ import annotations

import pytest
from django.utils import timezone

from xinfang.common.errors import NotFound
from xinfang.oversight import selectors, services
from xinfang.petitions.models import Petition

pytestmark = pytest.mark.django_db


def test_reading_is_scoped(routed, user):
    p = routed()
    own = services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader="demo_reviewer")
    assert selectors.ownership_active(user("demo_clerk"), p) == own
    assert selectors.ownerships_of_petition(user("demo_handler"), p.pk) == [own]
    assert selectors.ownership_get(user("demo_leader"), own.pk) == own
    for outsider in ("demo_dispatcher2", "demo_leader2"):
        with pytest.raises(NotFound):
            selectors.ownership_active(user(outsider), p)
        with pytest.raises(NotFound):
            selectors.ownerships_of_petition(user(outsider), p)
        with pytest.raises(NotFound):
            selectors.ownership_get(user(outsider), own.pk)
        assert not selectors.ownerships_visible(user(outsider)).exists()
    with pytest.raises(NotFound):
        selectors.ownership_get(user("demo_dispatcher"), "abc")


def test_a_leaders_list_by_state(routed, walk, user):
    a, b, c = routed(title="甲"), routed(title="乙"), routed(title="丙")
    arranger = user("demo_dispatcher")
    for p in (a, b, c):
        services.ownership_assign(actor=arranger, petition=p, leader="demo_reviewer")
    walk(b, "closed")
    services.ownership_end_current(actor=arranger, petition=c, reason="另行安排")
    me = user("demo_reviewer")

    def titles(state):
        return [o.petition.title for o in selectors.ownerships_of_leader(me, state=state)]

    assert titles("active") == ["甲", "乙"]  # the unresolved first
    assert titles("resolved") == ["乙"]
    assert titles("ended") == ["丙"]
    assert titles("all") == ["甲", "乙", "丙"]
    # another user reading the leader's list sees only what their jurisdiction reaches
    assert selectors.ownerships_of_leader(user("demo_dispatcher2"), me, state="all").count() == 0
    assert selectors.ownerships_of_leader(user("demo_clerk"), state="all").count() == 0


def test_the_panel_offers_what_the_user_may_do(routed, register, act, user):
    p = routed()
    panel = selectors.ownership_panel(user("demo_dispatcher"), p)
    assert panel.shown and panel.can_assign and not panel.can_end and panel.active is None
    assert "demo_reviewer" in dict(panel.choices) and "东复查" in dict(panel.choices)["demo_reviewer"]
    clerk = selectors.ownership_panel(user("demo_clerk"), p)
    assert not clerk.shown and not clerk.can_assign and clerk.leaders == []
    services.ownership_assign(actor=user("demo_dispatcher"), petition=p, leader="demo_reviewer")
    panel = selectors.ownership_panel(user("demo_dispatcher"), p)
    assert panel.active.leader.username == "demo_reviewer" and not panel.can_assign
    assert panel.can_end and panel.can_transfer and "demo_reviewer" not in dict(panel.choices)
    owner = selectors.ownership_panel(user("demo_reviewer"), p)
    assert owner.can_end
    clerk = selectors.ownership_panel(user("demo_clerk"), p)
    assert clerk.shown and not clerk.can_end and not clerk.can_transfer and clerk.leaders == []
    # a concluded petition offers nothing new
    q, _c = register()
    act("demo_dispatcher", q, "archive", note="咨询，已当场答复")
    assert not selectors.ownership_panel(user("demo_dispatcher"), Petition.objects.get(pk=q.pk)).shown


def test_counting_owned_and_resolved(routed, walk, register, act, user):
    arranger = user("demo_dispatcher")
    start = timezone.now()
    closed = routed(title="包案已办结")
    services.ownership_assign(actor=arranger, petition=closed, leader="demo_reviewer")
    still_open = routed(title="包案办理中")
    services.ownership_assign(actor=arranger, petition=still_open, leader="demo_reviewer")
    transferred = routed(title="包案转交")
    first = services.ownership_assign(actor=arranger, petition=transferred, leader="demo_reviewer")
    services.ownership_transfer(actor=arranger, ownership=first, leader="demo_leader", reason="转交")
    released = routed(title="包案解除后办结")
    services.ownership_end(actor=arranger, reason="解除",
                           ownership=services.ownership_assign(actor=arranger, petition=released,
                                                               leader="demo_reviewer"))
    not_owned = routed(title="未包案办结")
    before_close = timezone.now()
    walk(closed, "closed")
    walk(released, "closed")
    walk(not_owned, "closed")
    everything = Petition.objects.all()

    counts = selectors.ownership_counts(everything)
    assert (counts.owned, counts.resolved) == (4, 2)  # transferred once counts once; released then closed counts
    assert counts.rate == 0.5
    assert set(Petition.objects.filter(pk__in=selectors.owned_petitions_subquery()).values_list("title", flat=True)) \
        == {"包案已办结", "包案办理中", "包案转交", "包案解除后办结"}
    assert selectors.owned_petitions_subquery().count() == 4  # one row per petition
    assert set(selectors.owned_resolved(everything).values_list("title", flat=True)) == {"包案已办结", "包案解除后办结"}
    assert Petition.objects.filter(selectors.petition_owned_q()).count() == 4
    # as it stood before the closings, and before anything was owned
    earlier = selectors.ownership_counts(everything, as_of=before_close)
    assert (earlier.owned, earlier.resolved) == (4, 0)
    assert selectors.ownership_counts(everything, as_of=start) == selectors.OwnershipCounts(0, 0)
    assert selectors.ownership_counts(everything, as_of=start).rate is None
    # any cohort: only the petitions given are counted
    cohort = everything.filter(title__in=["包案已办结", "未包案办结"])
    assert selectors.ownership_counts(cohort) == selectors.OwnershipCounts(1, 1)
