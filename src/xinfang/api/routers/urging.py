"""/api/v1 催办与联系记录: a petition's contact log (一周反馈、一月联系: read, add) and the urges in the
caller's jurisdiction. The `urge` move itself is POST /petitions/{id}/actions/urge. Outside the
jurisdiction: 404; refusals use the one error shape (403, 409, 422)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

try:
    from ninja import Status
except ImportError:  # django-ninja < 1.6 takes a (status, body) tuple
    def Status(status, body):  # noqa: N802
        return status, body

from xinfang.oversight.urging import selectors, services
from xinfang.petitions.selectors import petition_get, petition_texts

from ..schemas import PetitionId, Ref, Text

router = Router(tags=["urging"])


class ContactIn(Schema):
    method: Literal["phone", "meeting", "sms", "written", "other"] = Field(description="联系方式")
    kind: Literal["first", "progress"] = Field("progress", description="first 首次反馈 / progress 进展报告")
    note: Text = Field(max_length=services.MAX_NOTE, description="联系情况")
    at: dt.datetime | None = Field(None, description="联系时间（默认为现在）")


class ContactOut(Schema):
    id: int
    petition: int
    by: str | None
    unit: Ref | None
    at: dt.datetime
    method: str
    method_label: str
    kind: str
    kind_label: str
    note: str
    recorded_at: dt.datetime


class ContactsOut(Schema):
    first_contact: str | None
    contact_due: dt.date | None
    results: list[ContactOut]


class UrgeOut(Schema):
    id: int
    petition: int
    petition_number: str
    petition_title: str
    unit: Ref
    at: dt.datetime
    auto: bool
    actor: str | None
    actor_unit: Ref | None
    note: str
    due_kind: str
    due_on: dt.date | None


class UrgeFilters(Schema):
    auto: bool | None = None
    unit: Text = Field("", max_length=64)
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


class UrgePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[UrgeOut]


def _ref(unit):
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def _contact(c) -> dict:
    return {"id": c.pk, "petition": c.petition_id, "by": c.by.username if c.by_id else None, "unit": _ref(c.unit),
            "at": c.at, "method": c.method, "method_label": str(c.get_method_display()), "kind": c.kind,
            "kind_label": str(c.get_kind_display()), "note": c.note, "recorded_at": c.recorded_at}


def _urge(u, user) -> dict:
    return {"id": u.pk, "petition": u.petition_id, "petition_number": u.petition.number,
            "petition_title": petition_texts(user, u.petition).title, "unit": _ref(u.unit), "at": u.at,
            "auto": u.auto, "actor": u.actor.username if u.actor_id else None, "actor_unit": _ref(u.actor_unit),
            "note": u.note, "due_kind": u.due_kind, "due_on": u.due_on}


@router.get("/petitions/{petition_id}/contacts", response=ContactsOut, summary="联系记录")
def contacts(request, petition_id: PetitionId):
    petition = petition_get(request.user, petition_id)
    panel = selectors.petition_panel(request.user, petition)
    return {"first_contact": petition.first_contact.username if petition.first_contact_id else None,
            "contact_due": panel.contact_due,
            "results": [_contact(c) for c in selectors.contacts_of(request.user, petition)[:500]]}


@router.post("/petitions/{petition_id}/contacts", response={201: ContactOut}, summary="登记联系记录")
def contact_add(request, petition_id: PetitionId, payload: ContactIn):
    row = services.contact_add(actor=request.user, petition_id=petition_id, method=payload.method,
                               kind=payload.kind, note=payload.note, at=payload.at)
    return Status(201, _contact(row))


@router.get("/urges", response=UrgePage, summary="催办记录")
def urges(request, filters: Query[UrgeFilters]):
    if filters.since and filters.until and filters.since > filters.until:
        from django.utils.translation import gettext as _

        from xinfang.common.errors import ApplicationError

        raise ApplicationError(_("起始日期不能晚于截止日期。"), "invalid", "since")
    qs = selectors.urges_visible(request.user, auto=filters.auto, unit=filters.unit.strip(), since=filters.since,
                                 until=filters.until)
    page, size = filters.page, filters.page_size
    return {"count": qs.count(), "page": page, "page_size": size,
            "results": [_urge(u, request.user) for u in qs[(page - 1) * size: page * size]]}
