"""Request and response schemas of the REST API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from xinfang.common import limits

# Database ids are 64-bit; anything else names no row (path ids outside it answer 404).
MAX_ID = 2**63 - 1
PetitionId = Annotated[int, Field(ge=1, le=MAX_ID)]


def text_problem(value: str) -> bool:
    """True when a string cannot be stored: a NUL character (PostgreSQL refuses it) or a lone
    surrogate (not encodable as UTF-8)."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _storable(value: str) -> str:
    if text_problem(value):
        raise PydanticCustomError("text_invalid", "text contains NUL or an unpaired surrogate")
    return value


# Every free-text input goes through this type, so nothing unstorable reaches the database.
Text = Annotated[str, AfterValidator(_storable)]


class PetitionerIn(Schema):
    name: Text = Field(max_length=limits.MAX_NAME)
    id_number: Text = Field("", max_length=limits.MAX_ID_NUMBER)
    phone: Text = Field("", max_length=limits.MAX_PHONE)
    address: Text = Field("", max_length=limits.MAX_ADDRESS)
    representative: bool = False
    kind: Text = Field("person", max_length=16)


class PetitionIn(Schema):
    channel: Text = Field(max_length=32)
    received_at: dt.datetime
    title: Text = Field(max_length=limits.MAX_TITLE)
    content: Text = Field(max_length=limits.MAX_CONTENT)
    demands: Text = Field("", max_length=limits.MAX_DEMANDS)
    category: Text | None = Field(None, max_length=16)
    nature: Text = Field("appeal", max_length=32)
    demand_type: Text = Field("", max_length=32)
    problem_region: Text | None = Field(None, max_length=32)
    headcount: int | None = Field(None, ge=1, le=limits.MAX_HEADCOUNT)
    accused_unit: Text | None = Field(None, max_length=64)
    accused_person: Text = Field("", max_length=limits.MAX_ACCUSED_PERSON)
    petitioners: list[PetitionerIn] = Field(default_factory=list, max_length=limits.MAX_PETITIONERS)
    is_litigation: bool = False
    is_urgent: bool = False
    is_anonymous: bool = False
    external_id: Text = Field("", max_length=limits.MAX_EXTERNAL_ID)
    repeat_of: Text | None = Field(None, max_length=64)
    unit: Text | None = Field(None, max_length=64)


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
    first_contact: str | None = Field(None, description="首问负责人（首次接待信访人的工作人员）用户名")
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


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    kind: str


class ErrorBody(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    error: ErrorBody


# ---- insight -----------------------------------------------------------------------------------

class SuggestIn(Schema):
    title: Text = Field("", max_length=200)
    content: Text = Field("", max_length=50000)


class CategorySuggestionOut(Schema):
    code: str
    name: str
    confidence: float
    keywords: list[str]


class SuggestOut(Schema):
    method: str
    suggestions: list[CategorySuggestionOut]


# ---- reports -----------------------------------------------------------------------------------

class SummaryFilters(Schema):
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")
    unit: Text | None = Field(None, max_length=64)


class VisitCounts(Schema):
    batches: int
    person_times: int


class SummaryOut(Schema):
    date_from: dt.date | None
    date_to: dt.date | None
    unit: Ref | None
    items: int
    visits: VisitCounts
    by_channel: dict[str, int]
    by_status: dict[str, int]
    by_visit_kind: dict[str, VisitCounts]


# ---- workflow moves: one typed body per action ---------------------------------------------------

def _action_field(f):
    """(annotation, pydantic Field) of one field of a move's form (web.action_forms.FORMS)."""
    from typing import Literal

    description = str(f.label) + (f"（{f.help}）" if f.help else "")
    if f.kind == "checkbox":
        return bool, Field(False, description=description)
    if f.kind == "date":
        ann = dt.date
    elif f.kind == "number":
        ann = int
    elif f.kind == "select" and f.choices:
        ann = Literal[tuple(str(value) for value, _label in f.choices)]
    elif f.kind == "textarea":
        ann = Annotated[Text, Field(max_length=20000)]
    else:  # text, unit, handler, petition, dynamic (codes, user names, numbers)
        ann = Annotated[Text, Field(max_length=200)]
    # what a move needs is the service's decision (422 naming the field); the body may omit anything
    # the generic path may omit, so that both accept the same JSON
    if f.required:
        description += "（必填）"
    return ann | None, Field(None, description=description)


def action_bodies() -> dict[str, type]:
    """The request body of each move of `workflow.transitions.TABLE` (registration excepted): its
    form's fields and `version`, the petition's version the client read (409 when stale)."""
    from pydantic import create_model

    from xinfang.web.action_forms import FORMS
    from xinfang.workflow.transitions import TABLE

    out = {}
    for action, transition in TABLE.items():
        if action == "register":
            continue
        fields = {f.name: _action_field(f) for f in FORMS.get(action, ())}
        fields["version"] = (int, Field(..., description="信访件当前版本号（乐观锁；过期时409）"))
        name = "".join(part.capitalize() for part in action.split("_")) + "Body"
        out[action] = create_model(name, __base__=Schema, __doc__=str(transition.label), **fields)
    return out
