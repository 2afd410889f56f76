"""The one transition table of the 《信访工作条例》 lifecycle (DESIGN §4).

It alone says which action is legal from which state, for which role, in which unit. Services in
`services.py` carry out the effects; `allowed_actions` tells the UI what a user may do now.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from xinfang.org.choices import Role as R
from xinfang.petitions.choices import OPEN_STATES
from xinfang.petitions.choices import Status as S

# Where the actor's role must be held:
#   any        any unit (register: the actor's own unit receives the petition)
#   receiving  the unit that registered the petition
#   handling   the unit it was routed to
#   competent  the handling unit if routed, else the receiving unit
#   handler    the assigned handler in person (role in the handling unit)
#   review     the body answering the 复查/复核
#   stage      the assigned handler while handling, the review body during 复查/复核
#   chain      the receiving, handling or review unit (who hands documents to the petitioner)
#   router     the unit that routed it (the registering office): decides an objection
#   scope      any unit whose jurisdiction covers the petition


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: state unchanged or decided by the service (see services)
    roles: frozenset[str]
    where: str
    label: str


def _t(action, sources, target, roles, where, label):
    return Transition(action, frozenset(sources), target, frozenset(roles), where, label)


TABLE: dict[str, Transition] = {t.action: t for t in [
    _t("register", [], S.REGISTERED, [R.CLERK], "any", _("登记")),
    _t("forward", [S.REGISTERED], S.ROUTED, [R.DISPATCHER], "receiving", _("转送")),
    _t("assign", [S.REGISTERED], S.ROUTED, [R.DISPATCHER], "receiving", _("交办")),
    _t("object", [S.ROUTED], None, [R.DISPATCHER, R.LEADER], "handling", _("异议退回")),
    _t("confirm_objection", [S.ROUTED], S.REGISTERED, [R.DISPATCHER], "router", _("同意退回")),
    _t("reject_objection", [S.ROUTED], None, [R.DISPATCHER], "router", _("不同意退回")),
    _t("accept", [S.REGISTERED, S.ROUTED], S.ACCEPTED, [R.DISPATCHER, R.LEADER], "competent", _("受理")),
    _t("reject", [S.REGISTERED, S.ROUTED], S.REJECTED, [R.DISPATCHER, R.LEADER], "competent", _("不予受理")),
    _t("refuse_again", [S.REGISTERED, S.ROUTED], S.REJECTED, [R.DISPATCHER, R.LEADER], "competent",
       _("不再受理")),
    _t("divert", [S.REGISTERED], S.DIVERTED, [R.DISPATCHER], "receiving", _("告知引导")),
    _t("archive", [S.REGISTERED], S.ARCHIVED, [R.DISPATCHER], "receiving", _("存档/直接答复")),
    _t("assign_handler", [S.ACCEPTED], S.IN_HANDLING, [R.LEADER, R.DISPATCHER], "competent", _("指定承办人")),
    _t("note", [S.IN_HANDLING], None, [R.HANDLER], "handler", _("办理记录")),
    _t("mediate", [S.IN_HANDLING], None, [R.HANDLER], "handler", _("调解")),
    _t("hold_hearing", [S.IN_HANDLING, S.UNDER_REREVIEW], None, [R.HANDLER, R.LEADER], "stage", _("听证")),
    _t("request_extension", [S.IN_HANDLING], None, [R.HANDLER], "handler", _("申请延期")),
    _t("approve_extension", [S.IN_HANDLING], None, [R.LEADER], "competent", _("批准延期")),
    _t("draft_reply", [S.IN_HANDLING], S.REPLY_PENDING, [R.HANDLER], "handler", _("拟写处理意见")),
    _t("approve_reply", [S.REPLY_PENDING], S.REPLIED, [R.LEADER], "competent", _("审批处理意见")),
    _t("return_reply", [S.REPLY_PENDING], S.IN_HANDLING, [R.LEADER], "competent", _("退回修改")),
    _t("fast_track", [S.ACCEPTED], S.REPLIED, [R.HANDLER], "competent", _("简易办理")),
    _t("deliver", [S.REPLIED, S.REVIEWED, S.FINAL], None, [R.CLERK, R.HANDLER], "chain", _("送达")),
    _t("request_review", [S.REPLIED], S.UNDER_REVIEW, [R.CLERK], "scope", _("申请复查")),
    _t("answer_review", [S.UNDER_REVIEW], S.REVIEWED, [R.HANDLER, R.LEADER], "review", _("复查答复")),
    _t("request_rereview", [S.REVIEWED], S.UNDER_REREVIEW, [R.CLERK], "scope", _("申请复核")),
    _t("answer_rereview", [S.UNDER_REREVIEW], S.FINAL, [R.HANDLER, R.LEADER], "review", _("复核答复")),
    _t("close", [S.REPLIED, S.REVIEWED], S.CLOSED, [R.DISPATCHER], "competent", _("办结")),
    _t("merge", OPEN_STATES - {S.UNDER_REVIEW, S.UNDER_REREVIEW}, S.MERGED, [R.DISPATCHER], "scope", _("并案")),
    _t("evaluate", [S.REPLIED, S.UNDER_REVIEW, S.REVIEWED, S.UNDER_REREVIEW, S.FINAL, S.CLOSED], None, [R.CLERK],
       "scope", _("满意度评价")),
    _t("declare_conflict", OPEN_STATES, None, list(R.values), "scope", _("申请回避")),
    # overlays (DESIGN §4 "any open"): supervision of the case, the state is unchanged; their effects
    # live in `oversight` (registered with `actions.effect_register` when the app is ready)
    _t("urge", OPEN_STATES, None, [R.SUPERVISOR, R.LEADER, R.DISPATCHER], "scope", _("催办")),
    _t("supervise", OPEN_STATES, None, [R.SUPERVISOR, R.LEADER], "scope", _("督办")),
    _t("instruct", OPEN_STATES, None, [R.LEADER], "scope", _("领导批示")),
]}

# The overlay moves: taken by any unit whose jurisdiction covers the petition, never change its state.
OVERLAY_ACTIONS = frozenset({"urge", "supervise", "instruct"})

ACTIONS = tuple(TABLE)
# Moves a citizen may make online through the portal (no staff account).
CITIZEN_ACTIONS = frozenset({"request_review", "request_rereview", "evaluate", "deliver"})
# Moves that send an accusation on or record what reached the petitioner: a unit inside the accused
# one may still take them (to pass the matter up and out); every other move by such a unit is refused.
PASS_ON_ACTIONS = frozenset({"forward", "assign", "divert", "object", "confirm_objection", "reject_objection",
                             "declare_conflict", "deliver", "request_review", "request_rereview", "evaluate"})


def transition(action: str) -> Transition | None:
    return TABLE.get(action)
