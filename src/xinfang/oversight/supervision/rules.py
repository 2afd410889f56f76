"""Who may do what with a supervision order or an instruction (the services check, the pages ask).

- The target unit answers: an account holding the dispatcher, leader or handler role in the target unit.
- The issuing side decides on a report (督办) : the issuer, or a supervisor or leader of the issuing unit.
- An instruction is closed by the leader who wrote it.
Nobody who must recuse themselves (回避, `workflow.guards.person_barred`) acts on the petition.
"""

from __future__ import annotations

from xinfang.org.choices import Role
from xinfang.org.jurisdiction import memberships
from xinfang.workflow.guards import person_barred

from .choices import SUPERVISION_CLOSED, InstructionStatus, SupervisionStatus

ANSWER_ROLES = frozenset({Role.DISPATCHER, Role.LEADER, Role.HANDLER})
DECIDE_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER})


def answering_units(user) -> list[int]:
    """The unit ids in which `user` answers orders and instructions."""
    return sorted({m.unit_id for m in memberships(user) if m.role in ANSWER_ROLES})


def deciding_units(user) -> list[int]:
    return sorted({m.unit_id for m in memberships(user) if m.role in DECIDE_ROLES})


def in_target(user, unit_id: int) -> bool:
    return unit_id in answering_units(user)


def may_report(user, sup) -> bool:
    return (sup.status not in SUPERVISION_CLOSED and sup.status != SupervisionStatus.REPORTED
            and in_target(user, sup.target_unit_id) and person_barred(sup.petition, user) is None)


def may_decide(user, sup) -> bool:
    """May accept or send back the order's pending report."""
    return (sup.status in (SupervisionStatus.REPORTED, SupervisionStatus.PROGRESS)
            and (sup.issued_by_id == user.pk or sup.issuing_unit_id in deciding_units(user))
            and person_barred(sup.petition, user) is None)


def may_report_instruction(user, ins) -> bool:
    return (ins.status != InstructionStatus.CLOSED and in_target(user, ins.target_unit_id)
            and person_barred(ins.petition, user) is None)


def may_close_instruction(user, ins) -> bool:
    return ins.status != InstructionStatus.CLOSED and ins.leader_id == user.pk
