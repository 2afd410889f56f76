"""督办 and 批示: the moves, their refusals, the report / accept / return cycle, the notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from xinfang.common.errors import ApplicationError
from xinfang.notifications.models import Notification
from xinfang.oversight.supervision import selectors, services
from xinfang.oversight.supervision.models import Instruction, Supervision
from xinfang.petitions.models import Petition
from xinfang.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db


def _due(days=10) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _supervise(act, p, user="demo_supervisor", **params):
    params = {"requirement": "请于十日内约谈信访人并报告结果", "due_on": _due(), **params}
    act(user, p, "supervise", **params)
    return Supervision.objects.filter(petition=p).order_by("-pk").first()


def test_supervise_creates_order_for_handling_unit_and_notifies_it(routed, act, user):
    p = routed()
    version = Petition.objects.get(pk=p.pk).version
    sup = _supervise(act, p, listed=True)
    assert sup.target_unit.code == "DH-ZJ" and sup.issuing_unit.code == "DH-XF" and sup.listed
    assert sup.status == "open" and sup.issued_by.username == "demo_supervisor"
    assert Petition.objects.get(pk=p.pk).version == version + 1  # a move like any other
    event = PetitionEvent.objects.filter(petition=p, action="supervise").get()
    assert event.data["supervision"] == sup.pk and event.note.startswith("请于十日内")
    got = set(Notification.objects.filter(kind="supervision").values_list("recipient__username", flat=True))
    assert got == {"demo_leader", "demo_dept_dispatcher"}  # the target's leaders and dispatchers
    assert "DH-ZJ" not in Notification.objects.filter(kind="supervision").first().title  # number, not names


def test_supervise_reaches_the_handler_in_the_target_unit(routed, act):
    p = act("demo_dept_dispatcher", routed(), "accept", handler="demo_handler")
    _supervise(act, p)
    got = set(Notification.objects.filter(kind="supervision").values_list("recipient__username", flat=True))
    assert "demo_handler" in got


def test_supervise_refusals(routed, register, act):
    p = routed()
    with pytest.raises(ApplicationError) as e:
        _supervise(act, p, due_on=(timezone.localdate() - dt.timedelta(days=1)).isoformat())
    assert e.value.code == "invalid" and e.value.field == "due_on"
    with pytest.raises(ApplicationError) as e:
        _supervise(act, p, due_on="2026-13-45")
    assert e.value.field == "due_on"
    with pytest.raises(ApplicationError) as e:
        _supervise(act, p, due_on="")
    assert e.value.field == "due_on"
    with pytest.raises(ApplicationError) as e:
        _supervise(act, p, requirement="  ")
    assert e.value.field == "requirement"
    with pytest.raises(ApplicationError) as e:
        _supervise(act, p, requirement="a\x00b")
    assert e.value.field == "requirement"
    with pytest.raises(ApplicationError) as e:  # another district's unit: outside the jurisdiction
        _supervise(act, p, unit="XS-ZJ")
    assert e.value.field == "unit"
    with pytest.raises(ApplicationError) as e:
        _supervise(act, p, unit="NOPE")
    assert e.value.field == "unit"
    with pytest.raises(ApplicationError) as e:  # wrong role
        _supervise(act, p, user="demo_handler")
    assert e.value.code == "illegal_transition"
    with pytest.raises(ApplicationError) as e:  # outside the jurisdiction: not found
        _supervise(act, p, user="demo_supervisor2")
    assert e.value.code == "not_found"
    assert not Supervision.objects.exists()


def test_accusation_never_supervised_at_the_accused_unit(register, act):
    p, _ = register(nature="accusation", accused_unit="DH-ZJ", title="检举住建局工作人员", content="检举住建局吃拿卡要")
    with pytest.raises(ApplicationError) as e:
        _supervise(act, p, unit="DH-ZJ")
    assert e.value.field == "unit"
    with pytest.raises(ApplicationError):
        act("demo_city_leader", p, "instruct", text="请查处", unit="DH-ZJ")
    assert not Supervision.objects.exists() and not Instruction.objects.exists()
    sup = _supervise(act, p, unit="DH-JW")  # to the discipline body instead
    assert sup.target_unit.code == "DH-JW"


def test_report_accept_cycle(routed, act, user):
    p = routed()
    sup = _supervise(act, p)
    with pytest.raises(ApplicationError) as e:  # nothing to accept yet
        services.supervision_accept(actor=user("demo_supervisor"), supervision=sup.pk)
    assert e.value.code == "conflict"
    with pytest.raises(ApplicationError) as e:  # not the target unit
        services.supervision_report(actor=user("demo_clerk"), supervision=sup.pk, kind="result", text="x")
    assert e.value.code == "forbidden"
    with pytest.raises(ApplicationError) as e:  # outside: not found
        services.supervision_report(actor=user("demo_leader2"), supervision=sup.pk, kind="result", text="x")
    assert e.value.code == "not_found"
    with pytest.raises(ApplicationError) as e:
        services.supervision_report(actor=user("demo_leader"), supervision=sup.pk, kind="final", text="x")
    assert e.value.field == "kind"
    for bad in ("abc", -1, 2**70, None, True):
        with pytest.raises(ApplicationError) as e:
            services.supervision_report(actor=user("demo_leader"), supervision=bad, kind="result", text="x")
        assert e.value.code == "not_found"
    services.supervision_report(actor=user("demo_leader"), supervision=sup.pk, kind="progress", text="已约谈信访人")
    assert Supervision.objects.get(pk=sup.pk).status == "progress"
    services.supervision_report(actor=user("demo_dept_dispatcher"), supervision=sup.pk, kind="result",
                                text="已责令物业退还停车费")
    sup.refresh_from_db()
    assert sup.status == "reported"
    assert Notification.objects.filter(recipient__username="demo_supervisor", kind="supervision_report").count() == 2
    with pytest.raises(ApplicationError) as e:  # awaiting the decision
        services.supervision_report(actor=user("demo_leader"), supervision=sup.pk, kind="result", text="再报")
    assert e.value.code == "conflict"
    with pytest.raises(ApplicationError) as e:  # the target cannot close its own order
        services.supervision_accept(actor=user("demo_leader"), supervision=sup.pk)
    assert e.value.code == "forbidden"
    with pytest.raises(ApplicationError) as e:
        services.supervision_return(actor=user("demo_supervisor"), supervision=sup.pk, note="")
    assert e.value.field == "note"
    services.supervision_return(actor=user("demo_supervisor"), supervision=sup.pk, note="退款凭证未附")
    sup.refresh_from_db()
    assert sup.status == "returned" and sup.reports.last().decision == "returned"
    assert Notification.objects.filter(recipient__username="demo_dept_dispatcher", kind="supervision_report",
                                       title__contains="退回").exists()
    services.supervision_report(actor=user("demo_leader"), supervision=sup.pk, kind="result", text="附退款凭证")
    services.supervision_accept(actor=user("demo_supervisor"), supervision=sup.pk, note="同意销号")
    sup.refresh_from_db()
    assert sup.status == "accepted" and sup.closed_at is not None
    actions = list(PetitionEvent.objects.filter(petition=p).values_list("action", flat=True))
    assert actions[-6:] == ["supervise", "supervision_report", "supervision_report", "supervision_return",
                            "supervision_report", "supervision_accept"]
    with pytest.raises(ApplicationError) as e:
        services.supervision_accept(actor=user("demo_supervisor"), supervision=sup.pk)
    assert e.value.code == "conflict"
    from xinfang.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="petition.supervision_accept").exists()


def test_instruction_cycle(routed, act, user):
    p = routed()
    act("demo_reviewer", p, "instruct", text="请住建局依法处理，十日内反馈", due_on=_due(10))
    ins = Instruction.objects.get()
    assert ins.leader.username == "demo_reviewer" and ins.target_unit.code == "DH-ZJ" and ins.status == "open"
    assert Notification.objects.filter(kind="instruction", recipient__username="demo_leader").exists()
    with pytest.raises(ApplicationError) as e:
        act("demo_supervisor", p, "instruct", text="x")  # not a leader
    assert e.value.code == "illegal_transition"
    assert list(selectors.instructions_todo(user("demo_dept_dispatcher"))) == [ins]
    services.instruction_report(actor=user("demo_dept_dispatcher"), instruction=ins.pk, text="已组织调查")
    assert Instruction.objects.get().status == "reported"
    assert Notification.objects.filter(kind="instruction_report", recipient__username="demo_reviewer").exists()
    with pytest.raises(ApplicationError) as e:  # only the leader who wrote it
        services.instruction_close(actor=user("demo_leader"), instruction=ins.pk, note="x")
    assert e.value.code == "forbidden"
    with pytest.raises(ApplicationError) as e:
        services.instruction_close(actor=user("demo_reviewer"), instruction=ins.pk, note=" ")
    assert e.value.field == "note"
    services.instruction_close(actor=user("demo_reviewer"), instruction=ins.pk, note="办结")
    assert Instruction.objects.get().status == "closed"
    with pytest.raises(ApplicationError) as e:
        services.instruction_report(actor=user("demo_leader"), instruction=ins.pk, text="再报")
    assert e.value.code == "conflict"


def test_selectors_scope(routed, act, user):
    p = routed()
    sup = _supervise(act, p, listed=True)
    assert list(selectors.supervisions_todo(user("demo_leader"))) == [sup]
    assert list(selectors.supervisions_todo(user("demo_supervisor"))) == []
    assert list(selectors.supervision_board(user("demo_supervisor"))) == [sup]
    assert list(selectors.supervision_board(user("demo_supervisor2"))) == []
    assert list(selectors.supervisions_filter(user("demo_supervisor2"))) == []
    with pytest.raises(ApplicationError):
        selectors.supervision_get(user("demo_supervisor2"), sup.pk)


def test_supervise_an_unrouted_letter_reaches_the_receiving_office(register, act):
    """A 40-day-old letter never accepted: the order goes to the receiving office (no handling unit yet)."""
    p, _ = register(channel="letter", received_at=timezone.now() - dt.timedelta(days=40))
    sup = _supervise(act, p)
    assert sup.target_unit.code == "DH-XF"
    got = set(Notification.objects.filter(kind="supervision", petition_id=p.pk).values_list("recipient__username",
                                                                                      flat=True))
    assert "demo_dispatcher" in got and "demo_supervisor" not in got  # not the issuer
