"""The form each workflow action shows on the petition page: its fields, in order."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from xinfang.org.choices import Role
from xinfang.workflow.choices import DivertTarget, Outcome, Satisfaction


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, textarea, select, unit, handler, date, number, checkbox, petition
    required: bool = False
    choices: tuple = ()
    help: str = ""


_REPLY = (Field("outcome", _("处理结果"), "select", True, tuple(Outcome.choices)),
          Field("text", _("处理意见"), "textarea", True, help=_("可在知识库中查找政策依据和典型案例")),
          Field("basis", _("事实和依据"), "textarea", True))

FORMS: dict[str, tuple[Field, ...]] = {
    "forward": (Field("unit", _("转送至"), "unit", True), Field("note", _("说明"), "textarea")),
    "assign": (Field("unit", _("交办至"), "unit", True), Field("report_due", _("结果报告期限"), "date"),
               Field("note", _("交办意见"), "textarea")),
    "object": (Field("reason", _("退回理由"), "textarea", True),),
    "accept": (Field("handler", _("承办人（可选）"), "handler"), Field("note", _("说明"), "textarea")),
    "reject": (Field("reason", _("不予受理理由"), "textarea", True),),
    "refuse_again": (Field("reason", _("不再受理理由"), "textarea"),),
    "divert": (Field("target", _("引导去向"), "select", True, tuple(DivertTarget.choices)),
               Field("unit", _("有权处理机关（可选）"), "unit"), Field("reason", _("告知内容"), "textarea", True)),
    "archive": (Field("note", _("存档说明"), "textarea", True),),
    "assign_handler": (Field("handler", _("承办人"), "handler", True),),
    "note": (Field("text", _("办理记录"), "textarea", True),),
    "mediate": (Field("text", _("调解情况"), "textarea", True), Field("agreement", _("达成调解协议"), "checkbox")),
    "hold_hearing": (Field("text", _("听证情况"), "textarea", True), Field("participants", _("参加人员"))),
    "request_extension": (Field("days", _("延长天数（不超过30日）"), "number", True),
                          Field("reason", _("延期理由"), "textarea", True)),
    "approve_extension": (),
    "draft_reply": _REPLY,
    "approve_reply": (Field("note", _("审批意见"), "textarea"),),
    "fast_track": _REPLY,
    "request_review": (Field("unit", _("复查机关（默认上一级）"), "unit"), Field("reason", _("复查请求"), "textarea")),
    "answer_review": _REPLY,
    "request_rereview": (Field("unit", _("复核机关（默认上一级）"), "unit"), Field("reason", _("复核请求"), "textarea")),
    "answer_rereview": _REPLY,
    "close": (Field("note", _("办结说明"), "textarea"),),
    "merge": (Field("into", _("并入信访件编号"), "petition", True), Field("note", _("并案说明"), "textarea")),
    "evaluate": (Field("level", _("满意度"), "select", True, tuple(Satisfaction.choices)),
                 Field("reason", _("理由（不满意时必填）"), "textarea")),
}

# Actions that end or hand off the matter: shown with a caution colour.
CAUTION = {"reject", "refuse_again", "object", "merge", "divert", "archive"}


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
