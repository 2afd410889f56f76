"""/api/v1/petitions/{id}/reply-check: the check of a draft reply before approval (issue 12)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from xinfang.common.errors import Forbidden
from xinfang.insight.replies.selectors import may_use_reply_aid, petition_draft_check
from xinfang.petitions.selectors import petition_get

from ..schemas import PetitionId, Text

router = Router(tags=["petitions"])

class ReplyCheckIn(Schema):
    outcome: Text = Field("", max_length=32)
    text: Text = Field("", max_length=20000)
    basis: Text = Field("", max_length=20000)


class FlagOut(Schema):
    code: str
    message: str
    reason: str
    items: list[str]


class ReplyCheckOut(Schema):
    flags: list[FlagOut]


@router.post("/petitions/{petition_id}/reply-check", response=ReplyCheckOut, summary="检查答复意见草稿",
             description="审批前检查处理意见（outcome 处理结果、text 处理意见、basis 事实和依据）：缺少或无效的处理结果"
                         "（outcome_missing/outcome_invalid）、缺少事实认定（facts_missing）、缺少法律政策依据"
                         "（basis_missing）、未告知复查/复核权利（review_notice_missing）、有诉求未答复"
                         "（demands_unanswered，items 列出未答复的诉求）；每项带 message 与 reason。只检查，不保存。"
                         "管辖范围外的件返回404；仅该件承办单位、复查复核机关或登记单位的承办人和领导可调用（否则403）。")
def reply_check(request, petition_id: PetitionId, payload: ReplyCheckIn):
    petition = petition_get(request.user, petition_id)
    if not may_use_reply_aid(request.user, petition):
        raise Forbidden(_("仅承办人和领导可检查答复意见。"))
    flags = petition_draft_check(request.user, petition, outcome=payload.outcome, text=payload.text,
                                 basis=payload.basis)
    return {"flags": [f.as_dict() for f in flags]}
