"""The citizen's moves on the case their session proved: opening a document (the first opening of the
current written opinion records its delivery, 电子送达, which starts the 30-day 复查/复核 window),
满意度评价 and the 复查/复核 request. Every move counts against the address's hourly limit
(throttle scope act_address) and goes through `workflow.services.petition_act(citizen=True)`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.petitions.models import Petition
from xinfang.reports.models import IssuedDocument
from xinfang.workflow.choices import DeliveryMethod
from xinfang.workflow.services import petition_act

from .. import throttle
from ..selectors import tracking as sel

DELIVERY_NOTE = "网上信访平台查阅"


def act_allowed(address: str) -> None:
    """Count one move from `address`; refuse once it used its ACT_ADDRESS_HOUR moves this hour."""
    if throttle.over("act_address", address, throttle.conf("ACT_ADDRESS_HOUR"), minutes=60):
        raise ApplicationError(_("操作过于频繁，请一小时后再试。"), "rate_limited")
    throttle.attempt_add("act_address", address)


def _version(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApplicationError(_("页面信息已过期，请刷新页面后重试。"), "stale_version", "version") from None


def _act(petition: Petition, action: str, version, params: dict) -> Petition:
    try:
        return petition_act(actor=None, citizen=True, petition_id=petition.pk, action=action,
                            version=_version(version), params=params)
    except ApplicationError as e:
        if e.code == "stale_version":
            raise ApplicationError(_("办理情况刚刚有更新，请查看最新情况后重试。"), "stale_version", "version") from None
        raise


def document_open(*, petition: Petition, doc: IssuedDocument, address: str) -> Petition:
    """Open `doc`: when it is the current written opinion and not yet delivered, record its delivery
    (electronic, today) now. Opening anything else changes nothing."""
    act_allowed(address)
    if doc.petition_id != petition.pk or not sel.sealed(petition, doc):
        return petition
    try:
        return _act(petition, "deliver", petition.version,
                    {"method": DeliveryMethod.ELECTRONIC, "note": DELIVERY_NOTE})
    except ApplicationError:
        fresh = Petition.objects.get(pk=petition.pk)
        if sel.sealed(fresh, doc):
            raise
        return fresh  # opened meanwhile (a second tab, a double click): already delivered


def evaluate(*, petition: Petition, level, reason, version, address: str) -> Petition:
    """满意度评价 of the opinion in force (满意 / 基本满意 / 不满意 with a reason)."""
    act_allowed(address)
    if sel.undelivered_opinion(petition):
        raise ApplicationError(_("请先查看意见书，再进行满意度评价。"), "illegal_transition")
    return _act(petition, "evaluate", version, {"level": level or "", "reason": reason or ""})


def request_appeal(*, petition: Petition, unit, reason, version, address: str) -> Petition:
    """复查 (after a reply) or 复核 (after a 复查 opinion), to one of the lawful bodies, with a reason,
    while the 30-day window opened by the delivery runs."""
    act_allowed(address)
    appeal = sel.appeal(petition)
    if appeal is None:
        raise ApplicationError(_("当前不能申请复查或复核。"), "illegal_transition")
    if not appeal.open:
        raise ApplicationError(appeal.why, "illegal_transition")
    code = str(unit or "").strip()
    if not code:
        raise ApplicationError(_("请选择复查（复核）机关。"), "invalid", "unit")
    if code not in {u.code for u in appeal.bodies}:
        raise ApplicationError(_("只能向以下机关申请：%(opts)s。") % {
            "opts": "、".join(u.name for u in appeal.bodies)}, "invalid", "unit")
    reason = str(reason or "").strip()
    if not reason:
        raise ApplicationError(_("请填写申请理由。"), "invalid", "reason")
    if len(reason) > 5000:
        raise ApplicationError(_("申请理由过长（最多5000字）。"), "invalid", "reason")
    return _act(petition, appeal.action, version, {"unit": code, "reason": reason})
