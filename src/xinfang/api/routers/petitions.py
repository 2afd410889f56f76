"""/api/v1/petitions: registration, lists, detail, actions, timeline, similar, attachments."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from ninja import Body, File, Form, Header, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

try:
    from ninja import Status
except ImportError:  # django-ninja < 1.6 takes a (status, body) tuple
    def Status(status, body):  # noqa: N802
        return status, body

from xinfang.audit.services import audit_record
from xinfang.common import crypto
from xinfang.common.errors import ApplicationError
from xinfang.common.replica import replica_reads
from xinfang.insight.similarity.selectors import petition_similar
from xinfang.insight.similarity.services import similar_decide
from xinfang.org.choices import Role
from xinfang.org.jurisdiction import has_role
from xinfang.org.models import Unit
from xinfang.petitions.choices import CLOSED_STATES
from xinfang.petitions.selectors import (
    petition_by_ref,
    petition_get,
    petition_list,
    petition_texts,
)
from xinfang.petitions.services import PetitionerInput, attachment_add, query_code_reissue, write_turn
from xinfang.portal.throttle import attempts_clear
from xinfang.workflow.selectors import petition_events
from xinfang.workflow.services import allowed_actions, petition_act, petition_register
from xinfang.workflow.transitions import OVERLAY_ACTIONS

from .. import idempotency
from ..presenters import event_item, petition_detail, petition_list_item
from ..schemas import (
    AttachmentOut,
    EventOut,
    PetitionCreatedOut,
    PetitionId,
    PetitionIn,
    PetitionOut,
    PetitionPage,
    Text,
    action_bodies,
    text_problem,
)
from ..similarity_schemas import SimilarDecisionIn, SimilarDecisionOut, SimilarFilters, SimilarOut

router = Router(tags=["petitions"])


MAX_PAGE_SIZE = 200
_IDEMPOTENCY_KEY = Header(None, alias=idempotency.HEADER,
                          description="幂等键（1至255个可见 ASCII 字符，如 UUID），按用户保存24小时")


class ListFilters(Schema):
    status: Text | None = Field(None, max_length=500)
    channel: Text | None = Field(None, max_length=500)
    q: Text | None = Field(None, max_length=500)
    unit: Text | None = Field(None, max_length=64)
    visit_kind: Text | None = Field(None, max_length=32)
    warning_level: Text | None = Field(None, max_length=32)
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1)  # larger sizes are served as MAX_PAGE_SIZE


def _unstorable(value, path: str = "") -> str | None:
    """The path of the first string in a JSON value that cannot be stored (NUL, lone surrogate)."""
    if isinstance(value, str):
        return (path or "body") if text_problem(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if text_problem(str(key)):
                return sub
            found = _unstorable(item, sub)
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _unstorable(item, f"{path}[{i}]")
            if found:
                return found
    return None


@router.post("/petitions", response={201: PetitionCreatedOut}, summary="登记信访件",
             description="可带请求头 Idempotency-Key（如 UUID）：同一用户以同一键和相同请求体重试时返回第一次的应答，"
                         "不再登记；同一键用于不同请求体时拒绝（422）。键保留24小时。")
def register(request, payload: PetitionIn, idempotency_key: str | None = _IDEMPOTENCY_KEY):
    key = idempotency.check_key(idempotency_key)
    if key is None:
        status, data = _register(request, payload)
    else:
        # the key and the registration commit together, in one transaction around both: on SQLite it
        # holds the write lock throughout, so it waits for its write turn first (see write_turn)
        with write_turn():
            status, data = idempotency.run_once(user=request.user, key=key, body=payload.model_dump(mode="json"),
                                                create=lambda: _register(request, payload))
    return Status(status, data)


def _register(request, payload: PetitionIn) -> tuple[int, dict]:
    fields = payload.dict()
    people = [PetitionerInput(**p) for p in fields.pop("petitioners")]
    unit_code = fields.pop("unit")
    unit = None
    if unit_code:
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise ApplicationError(_("单位不存在：%(code)s") % {"code": unit_code}, "invalid", "unit")
    repeat_ref = fields.pop("repeat_of")
    if repeat_ref:
        try:
            fields["repeat_of"] = petition_by_ref(request.user, repeat_ref)
        except ApplicationError:
            raise ApplicationError(_("关联的信访件不存在：%(ref)s") % {"ref": repeat_ref}, "invalid", "repeat_of") from None
    petition, code = petition_register(actor=request.user, unit=unit, petitioners=people, **fields)
    # the row just written, with its units, category and clerk already in memory (no second read: the
    # registering clerk's unit holds it, so it is in their jurisdiction)
    data = petition_detail(request.user, petition)
    data["query_code"] = code
    return 201, PetitionCreatedOut.model_validate(data).model_dump(mode="json")


@router.get("/petitions", response=PetitionPage, summary="信访件列表")
def list_petitions(request, filters: Query[ListFilters]):
    with replica_reads():  # reports and search may read a replica (docs/deploy.md)
        page_size = min(filters.page_size, MAX_PAGE_SIZE)
        page = filters.page
        qs = petition_list(request.user, **filters.dict(exclude={"page", "page_size"}))
        total = qs.count()
        rows = qs[(page - 1) * page_size: page * page_size]
        results = [petition_list_item(p, request.user) for p in rows]
        # every list read is audited: the filters (the free-text query only as a keyed hash), never the content
        audit_record(actor=request.user, action="api.petition_list", object_type="petitions.petition", data={
            "filters": {k: v for k, v in filters.dict(exclude={"q"}).items() if v is not None},
            "q_hash": crypto.keyed_hash(filters.q, "audit-query") if filters.q else "",
            "count": total, "ids": [r["id"] for r in results]})
        return {"count": total, "page": page, "page_size": page_size, "results": results}


@router.get("/petitions/{petition_id}", response=PetitionOut, summary="信访件详情")
def detail(request, petition_id: PetitionId):
    return petition_detail(request.user, petition_get(request.user, petition_id))


def _typed_action(action: str, body: type) -> None:
    """POST /petitions/{id}/actions/<action> with its own typed body (in the schema, for clients and
    the fuzzer); the same move as the generic path below, which accepts the same JSON."""

    def typed(request, petition_id: PetitionId, payload: body):
        # validated against the typed body; the move gets the JSON as sent, as on the generic path
        return _act(request, petition_id, action, json.loads(request.body))

    typed.__name__ = f"act_{action}"
    typed.__annotations__["payload"] = body  # the module's annotations are strings; this one is local
    router.post(f"/petitions/{{petition_id}}/actions/{action}", response=PetitionOut,
                summary=f"流程操作：{body.__doc__}", operation_id=f"act_{action}", url_name=f"act-{action}",
                description=f"`{action}`（{body.__doc__}）。请求体同通用路径 /petitions/{{id}}/actions/{{action}}。")(typed)


for _action, _body in action_bodies().items():
    _typed_action(_action, _body)


@router.post("/petitions/{petition_id}/actions/{action}", response=PetitionOut, summary="流程操作（通用）",
             description="任一流程操作，请求体为该操作的字段加 version；各操作的字段见 /petitions/{id}/actions/<操作> 。")
def act(request, petition_id: PetitionId, action: str, payload: Body[dict]):
    return _act(request, petition_id, action, payload)


def _act(request, petition_id: int, action: str, payload) -> dict:
    if not isinstance(payload, dict):
        raise ApplicationError(_("请求体应为 JSON 对象。"), "bad_request")
    bad = _unstorable(payload)
    if bad:
        raise ApplicationError(_("字段“%(f)s”：包含无效字符（空字符或不成对的代理字符）。") % {"f": bad}, "invalid", bad)
    params = dict(payload)
    version = params.pop("version", None)
    petition_act(actor=request.user, petition_id=petition_id, action=action, version=version, params=params)
    return petition_detail(request.user, petition_get(request.user, petition_id))


@router.get("/petitions/{petition_id}/events", response=list[EventOut], summary="流转记录")
def events(request, petition_id: PetitionId):
    petition = petition_get(request.user, petition_id)
    texts = petition_texts(request.user, petition)
    return [event_item(e, texts) for e in petition_events(petition)]


@router.get("/petitions/{petition_id}/similar", response=SimilarOut, summary="重复件与同事件（相似信访件）",
            description="同一信访人此前反映的同一事项（repeat，重复信访；身份证号、手机号盲索引或同名同属地），"
                        "以及他人反映的同一在办事项（duplicate，可联名/并案），各带 score（0至1）与理由 reasons。"
                        "默认只列出达到判定阈值的候选件；all=1 时同时列出低于阈值但高于下限的。final 为真表示该事项"
                        "已复核终结（不再受理）。只列出调用者管辖范围内的件；检举控告件的检举人身份不在办理链条外透露"
                        "（链条外调用者查询该件时无候选件）。管辖范围外的件返回404。")
def similar(request, petition_id: PetitionId, filters: Query[SimilarFilters]):
    check = petition_similar(request.user, petition_id, include_all=filters.all)
    return {"candidates": [
        {"id": c.petition.pk, "number": c.petition.number, "kind": c.kind, "score": c.score, "reasons": c.reasons,
         "above_threshold": c.above, "final": c.final, "decision": c.decision} for c in check.candidates]}


@router.post("/petitions/{petition_id}/similar/decisions", response=SimilarDecisionOut, summary="认定重复件或同事件",
             description="工作人员确认（confirmed）或排除（rejected）一件候选件。确认 repeat 即把本件关联为该件的"
                         "重复信访（计入重复信访率），排除已关联的 repeat 则解除关联；duplicate 只记录认定。"
                         "两件都须在管辖范围内（否则404）；仅接访登记员、分办员、承办人和领导可认定（否则403）。")
def similar_decision(request, petition_id: PetitionId, payload: SimilarDecisionIn):
    row = similar_decide(actor=request.user, petition_id=petition_id, candidate_id=payload.candidate_id,
                         kind=payload.kind, decision=payload.decision)
    petition = petition_get(request.user, petition_id)
    origin = petition.repeat_of if petition.repeat_of_id else None
    return {"petition_id": row.petition_id, "candidate_id": row.candidate_id, "kind": row.kind,
            "decision": row.decision, "repeat_of": origin.number if origin is not None else None}


def may_upload(user, petition) -> bool:
    """Who may add to a petition's dossier: whoever can act on it now (at least one move of
    `allowed_actions` other than declaring a conflict of interest, which anyone of an acting unit
    may, and the overlays 催办/督办/批示, which supervise the case without handling it), and the clerks of the unit that received it (material brought in later by the petitioner).
    Read-only roles (analysts, supervisors, a reviewer outside the review stage) cannot; the service
    refuses closed petitions."""
    if has_role(user, petition.receiving_unit, Role.CLERK):
        return True
    return any(a != "declare_conflict" and a not in OVERLAY_ACTIONS for a in allowed_actions(user, petition))


@router.post("/petitions/{petition_id}/attachments", response={201: AttachmentOut}, summary="上传附件",
             description="multipart/form-data：file（文件，按内容识别类型：pdf、png、jpg、docx、xlsx、txt 等；"
                         "网页、SVG 不接受）与 kind（材料类型）。仅当前可办理该件的人员可上传；已办结的件不能上传。")
def upload(request, petition_id: PetitionId, file: File[UploadedFile], kind: Form[Text] = "other"):
    petition = petition_get(request.user, petition_id)
    if text_problem(file.name or ""):
        raise ApplicationError(_("附件文件名包含无效字符。"), "invalid", "file")
    if petition.status not in CLOSED_STATES and not may_upload(request.user, petition):
        raise ApplicationError(_("您在当前环节无权为该信访件上传附件。"), "illegal_transition")
    att = attachment_add(petition=petition, actor=request.user, uploaded=file, kind=kind)
    return Status(201, {"id": att.pk, "name": att.original_name, "size": att.size, "kind": att.kind})


class QueryCodeOut(Schema):
    number: str
    query_code: str


@router.post("/petitions/{petition_id}/query-code", response=QueryCodeOut, summary="重新生成查询码",
             description="信访人遗失查询码时在窗口重新生成：原查询码立即失效，新查询码仅在本次应答中返回一次（只保存其哈希），"
                         "并解除该编号在网上信访的查询锁定。仅登记该件的单位的接访登记员或分办员可操作（否则403）；"
                         "管辖范围外的件返回404。")
def query_code(request, petition_id: PetitionId):
    petition, code = query_code_reissue(actor=request.user, petition_id=petition_id)  # 403 "forbidden", 404
    attempts_clear("track_number", petition.number)
    return {"number": petition.number, "query_code": code}
