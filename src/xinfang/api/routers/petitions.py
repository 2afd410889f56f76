"""/api/v1/petitions: registration, lists, detail, actions, timeline, similar, attachments."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Body, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from xinfang.common.errors import ApplicationError
from xinfang.org.models import Unit
from xinfang.petitions.selectors import petition_by_ref, petition_get, petition_list, petitions_similar
from xinfang.petitions.services import PetitionerInput, attachment_add
from xinfang.workflow.selectors import petition_events
from xinfang.workflow.services import petition_act, petition_register

from ..presenters import event_item, petition_detail, petition_list_item
from ..schemas import EventOut, PetitionCreatedOut, PetitionIn, PetitionListOut, PetitionOut, PetitionPage

router = Router(tags=["petitions"])


class ListFilters(Schema):
    status: str | None = None
    channel: str | None = None
    q: str | None = None
    unit: str | None = None
    visit_kind: str | None = None
    warning_level: str | None = None
    page: int = 1
    page_size: int = 50


@router.post("/petitions", response={201: PetitionCreatedOut}, summary="登记信访件")
def register(request, payload: PetitionIn):
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
    data = petition_detail(request.user, petition_get(request.user, petition.pk))
    data["query_code"] = code
    return 201, data


@router.get("/petitions", response=PetitionPage, summary="信访件列表")
def list_petitions(request, filters: Query[ListFilters]):
    page_size = min(max(filters.page_size, 1), 200)
    page = max(filters.page, 1)
    qs = petition_list(request.user, **filters.dict(exclude={"page", "page_size"}))
    total = qs.count()
    rows = qs[(page - 1) * page_size: page * page_size]
    return {"count": total, "page": page, "page_size": page_size,
            "results": [petition_list_item(p) for p in rows]}


@router.get("/petitions/{petition_id}", response=PetitionOut, summary="信访件详情")
def detail(request, petition_id: int):
    return petition_detail(request.user, petition_get(request.user, petition_id))


@router.post("/petitions/{petition_id}/actions/{action}", response=PetitionOut, summary="流程操作")
def act(request, petition_id: int, action: str, payload: Body[dict]):
    if not isinstance(payload, dict):
        raise ApplicationError(_("请求体应为 JSON 对象。"), "bad_request")
    params = dict(payload)
    version = params.pop("version", None)
    petition_act(actor=request.user, petition_id=petition_id, action=action, version=version, params=params)
    return petition_detail(request.user, petition_get(request.user, petition_id))


@router.get("/petitions/{petition_id}/events", response=list[EventOut], summary="流转记录")
def events(request, petition_id: int):
    petition = petition_get(request.user, petition_id)
    return [event_item(e) for e in petition_events(petition)]


@router.get("/petitions/{petition_id}/similar", response=list[PetitionListOut], summary="相似信访件")
def similar(request, petition_id: int):
    petition = petition_get(request.user, petition_id)
    return [petition_list_item(p) for p in petitions_similar(request.user, petition)]


@router.post("/petitions/{petition_id}/attachments", response={201: dict}, summary="上传附件")
def upload(request, petition_id: int, file: File[UploadedFile], kind: Form[str] = "other"):
    petition = petition_get(request.user, petition_id)
    att = attachment_add(petition=petition, actor=request.user, uploaded=file, kind=kind)
    return 201, {"id": att.pk, "name": att.original_name, "size": att.size, "kind": att.kind}
