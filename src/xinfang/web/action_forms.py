"""The form each workflow action shows on the petition page: its fields, in order."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from xinfang.org.choices import Role
from xinfang.org.hierarchy import review_bodies
from xinfang.workflow.choices import DeliveryMethod, Outcome, Satisfaction
from xinfang.workflow.models import DivertChannel


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, textarea, select, dynamic, unit, handler, date, number, checkbox, petition
    required: bool = False
    choices: tuple = ()
    help: str = ""


_REPLY = (Field("outcome", _("处理结果"), "select", True, tuple(Outcome.choices)),
          Field("text", _("处理意见"), "textarea", True, help=_("可在知识库中查找政策依据和典型案例")),
          Field("basis", _("事实和依据"), "textarea", True))

_DELIVERED = Field("delivered", _("当面送达信访人（送达回证已签收）"), "checkbox")

FORMS: dict[str, tuple[Field, ...]] = {
    "forward": (Field("unit", _("转送至"), "unit", True), Field("note", _("说明"), "textarea")),
    "assign": (Field("unit", _("交办至"), "unit", True), Field("report_due", _("结果报告期限"), "date"),
               Field("note", _("交办意见"), "textarea")),
    "object": (Field("reason", _("退回理由"), "textarea", True),),
    "confirm_objection": (Field("note", _("说明"), "textarea"),),
    "reject_objection": (Field("reason", _("不同意退回的理由"), "textarea", True),),
    "accept": (Field("handler", _("承办人（可选）"), "handler"),
               Field("fast_track", _("简易办理（初信初访，10个工作日内答复）"), "checkbox"),
               Field("note", _("说明"), "textarea")),
    "reject": (Field("reason", _("不予受理理由"), "textarea", True),
               Field("route", _("告知的救济途径（可选）"), "textarea")),
    "refuse_again": (Field("reason", _("不再受理理由"), "textarea"),),
    "divert": (Field("target", _("引导去向"), "dynamic", True),
               Field("unit", _("有权处理机关（可选）"), "unit"), Field("reason", _("告知内容"), "textarea", True)),
    "archive": (Field("note", _("存档说明"), "textarea", True),),
    "assign_handler": (Field("handler", _("承办人"), "handler", True),),
    "note": (Field("text", _("办理记录"), "textarea", True),),
    "mediate": (Field("text", _("调解情况"), "textarea", True), Field("agreement", _("达成调解协议"), "checkbox")),
    "hold_hearing": (Field("held_on", _("听证日期"), "date", True), Field("end_on", _("结束日期（多日听证）"), "date"),
                     Field("place", _("听证地点"), required=True), Field("panel", _("听证员（单位和人员）"), required=True),
                     Field("participants", _("参加人员"), required=True),
                     Field("minutes", _("听证记录"), "textarea"), Field("conclusion", _("听证结论"), "textarea")),
    "request_extension": (Field("days", _("延长天数（不超过30日）"), "number", True),
                          Field("reason", _("延期理由"), "textarea", True)),
    "approve_extension": (),
    "draft_reply": _REPLY,
    "approve_reply": (Field("note", _("审批意见"), "textarea"), _DELIVERED),
    "return_reply": (Field("note", _("退回修改意见"), "textarea", True),),
    "fast_track": (*_REPLY, _DELIVERED),
    "deliver": (Field("method", _("送达方式"), "select", True, tuple(DeliveryMethod.choices)),
                Field("delivered_at", _("送达日期（信访人收到之日）"), "date", True),
                Field("tracking_no", _("邮件单号（邮寄时）")), Field("note", _("说明"), "textarea")),
    "request_review": (Field("unit", _("复查机关"), "dynamic", True), Field("reason", _("复查请求"), "textarea")),
    "answer_review": (*_REPLY, _DELIVERED),
    "request_rereview": (Field("unit", _("复核机关"), "dynamic", True), Field("reason", _("复核请求"), "textarea")),
    "answer_rereview": (*_REPLY, _DELIVERED),
    "close": (Field("waiver", _("信访人书面表示不再申请复查/复核或表示满意"), "checkbox"),
              Field("note", _("办结说明（有书面表示时必填）"), "textarea")),
    "merge": (Field("into", _("并入信访件编号"), "petition", True), Field("note", _("并案说明"), "textarea")),
    "evaluate": (Field("level", _("满意度"), "select", True, tuple(Satisfaction.choices)),
                 Field("reason", _("理由（不满意时必填）"), "textarea")),
    "declare_conflict": (Field("reason", _("回避理由"), "textarea", True),),
    # overlays (oversight): the fields each effect reads
    "urge": (Field("note", _("催办意见"), "textarea", True),),
    "supervise": (Field("unit", _("督办对象（责任单位）"), "unit"),
                  Field("requirement", _("督办要求"), "textarea", True),
                  Field("due_on", _("办结时限"), "date", True),
                  Field("listed", _("挂牌督办（列入督办公示栏）"), "checkbox")),
    "instruct": (Field("text", _("批示内容"), "textarea", True),
                 Field("unit", _("承办单位（默认为当前承办单位）"), "unit"),
                 Field("due_on", _("反馈时限"), "date")),
}


def dynamic_choices(action: str, petition) -> dict[str, list[tuple[str, str]]]:
    """Choices that depend on the petition: only the lawful 复查/复核 bodies, the office's channels."""
    if action == "request_review":
        bodies = review_bodies(petition.handling_unit or petition.receiving_unit)
        return {"unit": [(u.code, u.name) for u in bodies]}
    if action == "request_rereview":
        return {"unit": [(u.code, u.name) for u in review_bodies(petition.review_unit)]}
    if action == "divert":
        return {"target": [(c.code, c.name) for c in DivertChannel.objects.filter(is_active=True)]}
    return {}


# Actions that end or hand off the matter: shown with a caution colour.
CAUTION = {"reject", "refuse_again", "object", "merge", "divert", "archive", "return_reply", "declare_conflict"}


def handler_choices(petition) -> list[tuple[str, str]]:
    unit = petition.handling_unit or petition.receiving_unit
    users = get_user_model().objects.filter(memberships__unit=unit, memberships__role=Role.HANDLER,
                                            is_active=True).distinct().order_by("username")
    return [(u.username, f"{u.last_name}{u.first_name}（{u.username}）") for u in users]


def parse(action: str, data) -> dict:
    """Form data to service params (strings; the service validates)."""
    params = {}
    for f in FORMS.get(action, ()):
        if f.kind == "checkbox":
            params[f.name] = data.get(f.name) in ("on", "1", "true")
            continue
        value = (data.get(f.name) or "").strip()
        if value:
            params[f.name] = value
    return params
