"""Request and response schemas of the REST API."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class PetitionerIn(Schema):
    name: str = Field(max_length=64)
    id_number: str = Field("", max_length=32)
    phone: str = Field("", max_length=32)
    address: str = Field("", max_length=200)
    representative: bool = False
    kind: str = "person"


class PetitionIn(Schema):
    channel: str
    received_at: dt.datetime
    title: str = Field(max_length=200)
    content: str = Field(max_length=50000)
    demands: str = Field("", max_length=20000)
    category: str | None = None
    nature: str = "appeal"
    demand_type: str = ""
    problem_region: str | None = None
    headcount: int | None = None
    accused_unit: str | None = None
    accused_person: str = Field("", max_length=64)
    petitioners: list[PetitionerIn] = Field(default_factory=list, max_length=200)
    is_litigation: bool = False
    is_urgent: bool = False
    is_anonymous: bool = False
    external_id: str = Field("", max_length=64)
    repeat_of: str | None = None
    unit: str | None = None


class Ref(Schema):
    code: str
    name: str


class PetitionerOut(Schema):
    id: int
    name: str
    id_number: str
    phone: str
    address: str
    representative: bool


class DeadlineOut(Schema):
    kind: str
    label: str
    start: dt.date
    due: dt.date
    working_days: bool
    provisional: bool
    met_at: dt.datetime | None
    open: bool


class PetitionListOut(Schema):
    id: int
    number: str
    title: str
    channel: str
    status: str
    status_label: str
    visit_kind: str
    headcount: int
    received_at: dt.datetime
    receiving_unit: Ref
    handling_unit: Ref | None
    category: Ref | None
    due_on: dt.date | None
    warning_level: str
    version: int


class PetitionOut(PetitionListOut):
    content: str
    demands: str
    nature: str
    demand_type: str
    problem_region: Ref | None
    accused_unit: Ref | None
    accused_person: str
    is_first: bool
    repeat_of: str | None
    merged_into: str | None
    is_escalated: bool
    is_litigation: bool
    is_urgent: bool
    is_anonymous: bool
    handler: str | None
    review_unit: Ref | None
    petitioners: list[PetitionerOut]
    petitioners_hidden: bool
    deadlines: list[DeadlineOut]
    due_kind: str
    due_provisional: bool
    accepted_at: dt.datetime | None
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    allowed_actions: list[str]


class PetitionCreatedOut(PetitionOut):
    query_code: str


class PetitionPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[PetitionListOut]


class EventOut(Schema):
    id: int
    action: str
    label: str
    from_status: str
    to_status: str
    actor: str
    unit: str | None
    at: dt.datetime
    note: str
    data: dict


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    level: str
    region: str
    parent: str | None


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None


class CategoryOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None


class MeUnit(Schema):
    code: str
    name: str
    roles: list[str]


class MeOut(Schema):
    username: str
    name: str
    is_superuser: bool
    roles: list[str]
    units: list[MeUnit]


class ErrorBody(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    error: ErrorBody
