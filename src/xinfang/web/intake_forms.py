"""The 登记 (intake) form: channel layouts, parsing the posted form into service input, and saving.

The form is plain HTML (server-rendered, htmx for the look-ups); this module turns what the clerk
typed into the keyword arguments of `workflow.services.petition_register`, keeps every value for a
re-render, and maps the service's error fields (`petitioners[2].id_number`) to input names
(`p-2-id_number`). Validation is the service's; only the shape of the input is checked here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.common.errors import ApplicationError, NotFound
from xinfang.org.jurisdiction import memberships
from xinfang.org.models import Unit
from xinfang.petitions import lookup
from xinfang.petitions.choices import AttachmentKind, Channel, DemandType, Nature
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petition_get
from xinfang.petitions.services import PetitionerInput, attachment_add
from xinfang.workflow.rules import roles_for
from xinfang.workflow.services import petition_register
from xinfang.workflow.transitions import TABLE


@dataclass(frozen=True)
class ChannelSpec:
    """How the form looks for one channel: where the cursor starts and which extra fields show."""

    code: str
    columns: tuple[str, ...] = ("name", "id_number", "phone", "address")  # the first gets the cursor
    external_label: str = ""  # label of the source reference field; empty hides it
    received_label: str = gettext_lazy("收到时间")
    hint: str = ""


# on the telephone the number is known first
PHONE_FIRST = ("phone", "name", "id_number", "address")

CHANNELS: dict[str, ChannelSpec] = {
    Channel.VISIT: ChannelSpec(Channel.VISIT),  # its hint on collective visits is in the template
    Channel.LETTER: ChannelSpec(Channel.LETTER, received_label=gettext_lazy("收信时间"),
                                hint=gettext_lazy("联名信请逐一登记署名人，并填写总人数。")),
    Channel.PHONE: ChannelSpec(Channel.PHONE, PHONE_FIRST, received_label=gettext_lazy("来电时间")),
    Channel.HOTLINE: ChannelSpec(Channel.HOTLINE, PHONE_FIRST, gettext_lazy("12345工单号"),
                                 gettext_lazy("来电时间"),
                                 gettext_lazy("诉求类型决定12345办理时限（咨询、求助、建议、投诉、举报）。")),
    Channel.ONLINE: ChannelSpec(Channel.ONLINE, external_label=gettext_lazy("网上信访编号")),
    Channel.EMAIL: ChannelSpec(Channel.EMAIL, external_label=gettext_lazy("邮件主题或编号")),
    Channel.FAX: ChannelSpec(Channel.FAX, external_label=gettext_lazy("传真号或编号")),
    Channel.TRANSFER_IN: ChannelSpec(Channel.TRANSFER_IN, external_label=gettext_lazy("转交办文号"),
                                     received_label=gettext_lazy("收到转交办时间")),
}

SCALARS = ("received_at", "title", "content", "demands", "category", "nature", "demand_type", "problem_region",
           "accused_unit", "accused_person", "headcount", "external_id", "attachment_kind", "repeat_of", "unit")
FLAGS = ("is_urgent", "is_anonymous", "is_litigation")
_ROW_KEY = re.compile(r"^p-(\d{1,3})-(name|id_number|phone|address|rep)$")
_SERVICE_ROW = re.compile(r"^petitioners\[(\d+)\]\.(\w+)$")
MAX_ROWS = 200


def clerk_units(user) -> list[Unit]:
    """The units in which the user may register petitions."""
    roles = roles_for(TABLE["register"])
    seen: dict[int, Unit] = {}
    for m in memberships(user):
        if m.role in roles:
            seen.setdefault(m.unit_id, m.unit)
    return list(seen.values())


@dataclass
class Row:
    index: int
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    representative: bool = False
    error: str = ""  # the field of this row a refusal points at
    autofocus: str = ""  # the field of this row that gets the cursor

    def is_empty(self) -> bool:
        return not (self.name or self.id_number or self.phone or self.address)


def local_now_input() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


@dataclass
class IntakeInput:
    """What the clerk posted, kept as typed for a re-render."""

    channel: str
    values: dict[str, str] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    files: list = field(default_factory=list)

    @classmethod
    def blank(cls, channel: str) -> IntakeInput:
        values = dict.fromkeys(SCALARS, "")
        values.update(received_at=local_now_input(), nature=Nature.APPEAL, attachment_kind=AttachmentKind.OTHER)
        return cls(channel, values, dict.fromkeys(FLAGS, False), [Row(0)])

    @classmethod
    def from_post(cls, channel: str, post, files=None) -> IntakeInput:
        values = {k: (post.get(k) or "").strip() for k in SCALARS}
        flags = {k: post.get(k) in ("on", "1", "true") for k in FLAGS}
        by_index: dict[int, Row] = {}
        for key in post:
            m = _ROW_KEY.match(key)
            if not m:
                continue
            i, name = int(m.group(1)), m.group(2)
            row = by_index.setdefault(i, Row(i))
            if name == "rep":
                row.representative = post.get(key) in ("on", "1", "true")
            else:
                setattr(row, name, (post.get(key) or "").strip())
        # keep the clerk's order, drop untouched rows, renumber so service indexes match the inputs
        rows = [r for _i, r in sorted(by_index.items()) if not r.is_empty() or r.representative][:MAX_ROWS]
        for n, r in enumerate(rows):
            r.index = n
        uploads = [f for f in (files.getlist("attachments") if files is not None else []) if f and f.name]
        return cls(channel, values, flags, rows or [Row(0)], uploads)

    @property
    def representatives(self) -> int:
        return sum(1 for r in self.rows if r.representative)

    # -- to service input -------------------------------------------------------------------

    def service_kwargs(self, user) -> dict:
        """Keyword arguments of `petition_register`; ApplicationError (with a field) on bad shapes."""
        v = self.values
        people = [PetitionerInput(name=r.name, id_number=r.id_number, phone=r.phone, address=r.address,
                                  representative=r.representative) for r in self.rows if not r.is_empty()]
        kwargs = {
            "channel": self.channel, "received_at": _parse_received(v["received_at"]),
            "title": v["title"], "content": v["content"], "demands": v["demands"],
            "nature": v["nature"] or Nature.APPEAL, "demand_type": v["demand_type"],
            "accused_person": v["accused_person"], "external_id": v["external_id"],
            "petitioners": people, **self.flags,
        }
        category = lookup.category_code(v["category"])
        if category is None:
            raise ApplicationError(_("内容分类不存在：%(v)s。请从列表中选择。") % {"v": v["category"]}, "invalid",
                                   "category")
        kwargs["category"] = category or None
        region = lookup.region_code(v["problem_region"])
        if region is None:
            raise ApplicationError(_("问题属地不存在：%(v)s。请从列表中选择。") % {"v": v["problem_region"]},
                                   "invalid", "problem_region")
        kwargs["problem_region"] = region or None
        accused = lookup.unit_code(v["accused_unit"])
        if accused is None:
            raise ApplicationError(_("被反映单位不存在：%(v)s。请从列表中选择。") % {"v": v["accused_unit"]},
                                   "invalid", "accused_unit")
        kwargs["accused_unit"] = accused or None
        if v["headcount"]:
            try:
                kwargs["headcount"] = int(v["headcount"])
            except ValueError:
                raise ApplicationError(_("人数应为正整数。"), "invalid", "headcount") from None
        if v["repeat_of"]:
            try:
                kwargs["repeat_of"] = petition_get(user, v["repeat_of"])
            except NotFound:
                raise ApplicationError(_("关联的信访件不存在或不在您的管辖范围内。"), "invalid",
                                       "repeat_of") from None
        if v["unit"]:
            unit = next((u for u in clerk_units(user) if u.code == v["unit"]), None)
            if unit is None:
                raise ApplicationError(_("您不能以该单位的名义登记。"), "invalid", "unit")
            kwargs["unit"] = unit
        self._check_files()
        return kwargs

    def _check_files(self) -> None:
        """The service's attachment checks, before anything is stored."""
        conf = settings.XINFANG
        if self.values["attachment_kind"] and self.values["attachment_kind"] not in AttachmentKind.values:
            raise ApplicationError(_("材料类型无效。"), "invalid", "attachments")
        for f in self.files:
            name = f.name.rsplit("/", 1)[-1]
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if ext not in conf["ATTACHMENT_EXTENSIONS"]:
                raise ApplicationError(_("不支持的附件类型：%(name)s。允许：%(allowed)s") % {
                    "name": name, "allowed": "、".join(conf["ATTACHMENT_EXTENSIONS"])}, "invalid", "attachments")
            if f.size > conf["ATTACHMENT_MAX_BYTES"]:
                raise ApplicationError(_("附件过大：%(name)s 超过%(mb)d MB。") % {
                    "name": name, "mb": conf["ATTACHMENT_MAX_BYTES"] // 1048576}, "invalid", "attachments")
            if f.size == 0:
                raise ApplicationError(_("附件为空文件：%(name)s。") % {"name": name}, "invalid", "attachments")


def _parse_received(value: str) -> dt.datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return timezone.make_aware(dt.datetime.strptime(value, fmt))
        except ValueError:
            continue
    raise ApplicationError(_("收到时间格式无效，应为“年-月-日 时:分”。"), "invalid", "received_at")


def input_name(service_field: str | None) -> str:
    """The input a service error belongs to: `petitioners[2].id_number` -> `p-2-id_number`."""
    if not service_field:
        return ""
    m = _SERVICE_ROW.match(service_field)
    if m:
        return f"p-{m.group(1)}-{m.group(2)}"
    return {"file": "attachments", "kind": "attachments"}.get(service_field, service_field)


def register(*, actor, data: IntakeInput) -> tuple[Petition, str]:
    """登记 with its attachments, all or nothing. Returns the petition and its query code."""
    kwargs = data.service_kwargs(actor)
    stored = []
    try:
        with transaction.atomic():
            petition, code = petition_register(actor=actor, **kwargs)
            for f in data.files:
                stored.append(attachment_add(petition=petition, actor=actor, uploaded=f,
                                             kind=data.values["attachment_kind"] or AttachmentKind.OTHER))
    except Exception:
        for att in stored:  # the rows rolled back; the files must go too
            att.file.delete(save=False)
        raise
    return petition, code


def choices() -> dict:
    """The select options of the form."""
    return {"natures": Nature.choices, "demand_types": DemandType.choices, "attachment_kinds": AttachmentKind.choices,
            "channels": [(c, label) for c, label in Channel.choices if c in CHANNELS]}
