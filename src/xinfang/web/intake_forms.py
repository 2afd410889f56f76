"""The 登记 (intake) form: channel layouts, checking the posted form, and saving.

The form is plain HTML (server-rendered, htmx for the look-ups); this module turns what the clerk
typed into the keyword arguments of `workflow.services.petition_register` and keeps every value for a
re-render. Before anything is stored, `IntakeInput.review` checks the whole form the way the service
does and reports every problem at once (each field and each petitioner row with its own message), so
the clerk fixes everything in one go; the service checks again and stays the authority (its refusal,
should it still refuse, is mapped from `petitioners[2].id_number` to the input `p-2-id_number`).

The review also finds the same petitioner's matters in the same category: open ones (a duplicate)
and ones that reached 复核终结 (不再受理, S22 Art 36). Then nothing is stored until the clerk either
links the new petition to one of them as a repeat (`repeat_of`) or registers it as new with a reason,
which is kept on the register event.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from xinfang.common import limits
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.common.text import clean, has_bad_characters, normalise
from xinfang.common.validators import id_number_message, normalise_id_number, validate_phone
from xinfang.org.models import Unit
from xinfang.petitions import lookup
from xinfang.petitions.choices import AttachmentKind, Channel, DemandType, Nature
from xinfang.petitions.models import Petition, Petitioner
from xinfang.petitions.selectors import petition_get
from xinfang.petitions.services import PetitionerInput, attachment_add, attachment_check, limit_problems
from xinfang.workflow.rules import register_units
from xinfang.workflow.services import petition_register


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
           "accused_unit", "accused_person", "headcount", "external_id", "attachment_kind", "repeat_of", "unit",
           "duplicate_choice", "duplicate_reason")
FLAGS = ("is_urgent", "is_anonymous", "is_litigation")
ROW_FIELDS = ("name", "id_number", "phone", "address", "rep")
_ROW_KEY = re.compile(r"^p-(\d{1,6})-(name|id_number|phone|address|rep|reuse)$")
_SERVICE_ROW = re.compile(r"^petitioners\[(\d+)\]\.(\w+)$")
_INPUT_ROW = re.compile(r"^p-(\d+)-(\w+)$")
MAX_ROWS = limits.MAX_PETITIONERS  # one set of limits for every entry point (common/limits.py)
MAX_REASON = 500
CHOICE_NEW = "new"
CHOICE_REPEAT = "repeat:"

# The fields outside the petitioner rows, in the order of the form (the first with a problem gets the cursor).
FIELD_ORDER = ("petitioners", "headcount", "title", "content", "demands", "repeat_of", "category", "nature",
               "demand_type", "problem_region", "accused_unit", "accused_person", "received_at", "external_id",
               "unit", "attachments", "duplicate_choice", "duplicate_reason", "")
FIELD_LABELS = {
    "petitioners": gettext_lazy("信访人"), "headcount": gettext_lazy("人数"), "title": gettext_lazy("标题"),
    "content": gettext_lazy("反映内容"), "demands": gettext_lazy("诉求"), "repeat_of": gettext_lazy("重复信访"),
    "category": gettext_lazy("内容分类"), "nature": gettext_lazy("性质"), "demand_type": gettext_lazy("诉求类型"),
    "problem_region": gettext_lazy("问题属地"), "accused_unit": gettext_lazy("被反映单位"),
    "accused_person": gettext_lazy("被反映人"), "received_at": gettext_lazy("收到时间"),
    "external_id": gettext_lazy("来源编号"), "unit": gettext_lazy("登记单位"), "attachments": gettext_lazy("附件"),
    "duplicate_choice": gettext_lazy("查重确认"), "duplicate_reason": gettext_lazy("作为新件登记的理由"),
}
ROW_LABELS = {"name": gettext_lazy("姓名"), "id_number": gettext_lazy("身份证号"), "phone": gettext_lazy("联系电话"),
              "address": gettext_lazy("住址"), "rep": gettext_lazy("代表"), "reuse": gettext_lazy("联系电话")}


def clerk_units(user) -> list[Unit]:
    """The units in which the user may register petitions."""
    return register_units(user)


@dataclass
class Row:
    index: int
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    representative: bool = False
    reuse: str = ""  # the petitioner whose stored phone and address the clerk chose to reuse
    errors: dict[str, str] = field(default_factory=dict)  # field of this row -> message
    autofocus: str = ""  # the field of this row that gets the cursor
    # what goes to the service: the stored values when reused (never rendered)
    use_phone: str = field(default="", repr=False)
    use_address: str = field(default="", repr=False)

    def is_empty(self) -> bool:
        return not (self.name or self.id_number or self.phone or self.address or self.reuse)


def local_now_input() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def final_warning(p: Petition) -> str:
    """The warning that names a matter which reached 复核终结 (不再受理, S22 Art 36)."""
    if p.closed_at:
        return _("该信访人就同类事项已于%(date)s复核终结（编号%(number)s），以同一事实和理由提出的，依法不再受理。") % {
            "date": date_format(timezone.localtime(p.closed_at), pgettext("long date", "Y年n月j日")),
            "number": p.number}
    return _("该信访人就同类事项已复核终结（编号%(number)s），以同一事实和理由提出的，依法不再受理。") % {
        "number": p.number}


@dataclass
class Review:
    """What checking the posted form found: the service input, every problem (input name -> message,
    in the order of the form), and the same petitioner's matters in the same category."""

    kwargs: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    duplicates: list[Petition] = field(default_factory=list)  # open
    finals: list[Petition] = field(default_factory=list)  # 复核终结
    chosen: str = ""  # the posted choice, when it is still one of the offered

    def add(self, name: str, message) -> None:
        self.errors.setdefault(name, str(message))

    @property
    def matters(self) -> list[Petition]:
        return self.finals + self.duplicates

    @property
    def ok(self) -> bool:
        return not self.errors

    def ordered(self, rows: list[Row]) -> list[tuple[str, str, str]]:
        """(input name, label, message) of every problem, in the order of the form."""
        order: list[str] = []
        for r in rows:
            order += [f"p-{r.index}-{f}" for f in (*ROW_FIELDS, "reuse")]
        order += list(FIELD_ORDER)
        rank = {name: i for i, name in enumerate(order)}
        out = []
        for name in sorted(self.errors, key=lambda n: rank.get(n, len(rank))):
            m = _INPUT_ROW.match(name)
            if m:
                label = _("第%(n)d位信访人的%(field)s") % {"n": int(m.group(1)) + 1,
                                                            "field": ROW_LABELS.get(m.group(2), m.group(2))}
            else:
                label = str(FIELD_LABELS.get(name, ""))
            out.append((name, label, self.errors[name]))
        return out


@dataclass
class IntakeInput:
    """What the clerk posted, kept as typed for a re-render."""

    channel: str
    values: dict[str, str] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    files: list = field(default_factory=list)
    row_total: int = 0  # petitioner rows posted (only the first MAX_ROWS are kept; more is an error)

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
        rows = [r for _i, r in sorted(by_index.items()) if not r.is_empty() or r.representative]
        total = len(rows)
        rows = rows[:MAX_ROWS]
        for n, r in enumerate(rows):
            r.index = n
        uploads = [f for f in (files.getlist("attachments") if files is not None else []) if f and f.name]
        return cls(channel, values, flags, rows or [Row(0)], uploads, total)

    @property
    def representatives(self) -> int:
        return sum(1 for r in self.rows if r.representative)

    @property
    def people(self) -> list[Row]:
        return [r for r in self.rows if not r.is_empty()]

    # -- checking, all problems at once -----------------------------------------------------

    def review(self, user) -> Review:
        """Check everything the service would, and find the petitioner's matters in the category.
        `Review.kwargs` are the keyword arguments of `petition_register` when `Review.ok`."""
        v, rv = self.values, Review()
        kwargs = rv.kwargs
        texts = {k: v[k] for k in ("title", "content", "demands", "accused_person", "external_id",
                                   "duplicate_reason")}
        for r in self.people:
            texts.update({f"p-{r.index}-{f}": getattr(r, f) for f in ("name", "id_number", "phone", "address")})
        for name, value in texts.items():
            if value and has_bad_characters(value):
                rv.add(name, _("含有无法保存的字符（如空字符），请删除后重试。"))

        kwargs.update(channel=self.channel, demands=v["demands"], accused_person=v["accused_person"],
                      external_id=v["external_id"], **self.flags)
        if v["nature"] and v["nature"] not in Nature.values:
            rv.add("nature", _("%(label)s取值无效：%(value)s") % {"label": _("性质"), "value": v["nature"]})
        kwargs["nature"] = v["nature"] or Nature.APPEAL
        if v["demand_type"] and v["demand_type"] not in DemandType.values:
            rv.add("demand_type", _("%(label)s取值无效：%(value)s") % {"label": _("诉求类型"),
                                                                       "value": v["demand_type"]})
        kwargs["demand_type"] = v["demand_type"]

        title = clean(v["title"])
        if not title:
            rv.add("title", _("请填写标题。"))
        elif len(title) > limits.MAX_TITLE:
            rv.add("title", _("标题不能超过%(n)d个字。") % {"n": limits.MAX_TITLE})
        # the limits of every entry point (common/limits.py), as the service checks them
        for name, message in limit_problems(content=v["content"], demands=v["demands"],
                                            petitioners=max(self.row_total, len(self.people)),
                                            accused_person=v["accused_person"],
                                            external_id=v["external_id"]).items():
            rv.add(name, message)
        kwargs["title"] = v["title"]
        if not v["content"]:
            rv.add("content", _("请填写反映内容。"))
        kwargs["content"] = v["content"]
        self._check_received(rv)

        category = lookup.category_code(v["category"])
        if category is None:
            rv.add("category", _("内容分类不存在：%(v)s。请从列表中选择。") % {"v": v["category"]})
        kwargs["category"] = category or None
        region = lookup.region_code(v["problem_region"])
        if region is None:
            rv.add("problem_region", _("问题属地不存在：%(v)s。请从列表中选择。") % {"v": v["problem_region"]})
        kwargs["problem_region"] = region or None
        accused = lookup.unit_code(v["accused_unit"])
        if accused is None:
            rv.add("accused_unit", _("被反映单位不存在：%(v)s。请从列表中选择。") % {"v": v["accused_unit"]})
        kwargs["accused_unit"] = accused or None

        self._check_people(user, rv)
        if v["repeat_of"]:
            try:
                kwargs["repeat_of"] = petition_get(user, v["repeat_of"])
            except NotFound:
                rv.add("repeat_of", _("关联的信访件不存在或不在您的管辖范围内。"))
        if v["unit"]:
            unit = next((u for u in clerk_units(user) if u.code == v["unit"]), None)
            if unit is None:
                rv.add("unit", _("您不能以该单位的名义登记。"))
            kwargs["unit"] = unit
        self._check_files(rv)
        if category:
            self._check_matters(user, rv, category)
        return rv

    def _check_received(self, rv: Review) -> None:
        try:
            received = _parse_received(self.values["received_at"])
        except ApplicationError as exc:
            rv.add("received_at", exc.message)
            return
        if received is None:
            rv.add("received_at", _("请填写收到时间。"))
        elif received > timezone.now() + dt.timedelta(minutes=5):
            rv.add("received_at", _("收到时间不能晚于当前时间。"))
        elif received.year < 2000:
            rv.add("received_at", _("收到时间过早。"))
        rv.kwargs["received_at"] = received

    def _check_people(self, user, rv: Review) -> None:
        """Each petitioner row on its own, then the rows together and the headcount."""
        people = self.people
        seen_ids: dict[str, int] = {}
        seen_phones: dict[tuple[str, str], int] = {}
        twice = False
        for r in people:
            prefix = f"p-{r.index}-"
            name = normalise(r.name)
            if not name:
                rv.add(prefix + "name", _("请填写信访人姓名。"))
            elif len(name) > limits.MAX_NAME:
                rv.add(prefix + "name", _("信访人姓名过长。"))
            if len(clean(r.address)) > limits.MAX_ADDRESS:
                rv.add(prefix + "address", _("住址过长：不能超过%(n)d个字。") % {"n": limits.MAX_ADDRESS})
            id_number = normalise_id_number(r.id_number)
            if id_number:
                message = id_number_message(id_number)
                if message:
                    rv.add(prefix + "id_number", message)
                elif id_number in seen_ids:
                    twice = True
                else:
                    seen_ids[id_number] = r.index
            r.use_phone, r.use_address = r.phone, r.address
            if r.reuse:
                self._reuse(user, rv, r, id_number)
            if r.use_phone:
                try:
                    phone = validate_phone(r.use_phone)
                except ApplicationError as exc:
                    rv.add(prefix + "phone", exc.message)
                else:
                    if not id_number:
                        if (phone, name) in seen_phones:
                            twice = True
                        seen_phones[(phone, name)] = r.index
        v = self.values
        if not people and not self.flags["is_anonymous"]:
            rv.add("petitioners", _("请至少填写一名信访人，或标记为匿名。"))
        max_reps = settings.XINFANG["MAX_REPRESENTATIVES"]
        if self.representatives > max_reps:
            rv.add("petitioners", _("多人信访应推选代表，代表人数不超过%(n)d人。") % {"n": max_reps})
        if twice:
            rv.add("petitioners", _("同一信访人被重复登记。"))
        if v["headcount"]:
            try:
                count = int(v["headcount"])
            except ValueError:
                rv.add("headcount", _("人数应为正整数。"))
            else:
                if count < 1 or count > 100000:
                    rv.add("headcount", _("人数应为正整数。"))
                elif count < len(people):
                    rv.add("headcount", _("人数不能少于登记的信访人数量。"))
                rv.kwargs["headcount"] = count
        rv.kwargs["petitioners"] = [
            PetitionerInput(name=r.name, id_number=r.id_number, phone=r.use_phone, address=r.use_address,
                            representative=r.representative) for r in people]

    def _reuse(self, user, rv: Review, r: Row, id_number: str) -> None:
        """使用已登记的电话/地址: the fields show the masked values; the stored ones go to the service."""
        prefix = f"p-{r.index}-"
        try:
            if not _row_id(r.reuse):  # not an id at all, or beyond 64 bits (the database cannot compare it)
                raise NotFound()
            person = lookup.petitioner_for_reuse(user, r.reuse)
        except NotFound:
            rv.add(prefix + "phone", _("无法使用该信访人已登记的电话和地址，请直接填写。"))
            return
        if id_number and person.id_number_index and not id_number_message(id_number) \
                and lookup.person_indexes(id_numbers=[id_number])[0] != {person.id_number_index}:
            rv.add(prefix + "id_number", _("身份证号与所选的已登记信访人不一致，不能使用其登记的电话和地址。"))
            return
        if not id_number and normalise(r.name) and normalise(r.name) != person.name:
            # without an ID number the phone and the name find the person: another name would put
            # this person's phone on someone else's record
            rv.add(prefix + "name", _("姓名与所选的已登记信访人不一致，不能使用其登记的电话和地址。"))
            return
        phone, address = person.phone, person.address
        if phone and r.phone in ("", person.masked_phone):
            r.use_phone = phone
        if address and r.address in ("", person.masked_address):
            r.use_address = address

    def _check_files(self, rv: Review) -> None:
        """The service's attachment checks, before anything is stored."""
        conf = settings.XINFANG
        if self.values["attachment_kind"] and self.values["attachment_kind"] not in AttachmentKind.values:
            rv.add("attachments", _("材料类型无效。"))
        for f in self.files:
            name = f.name.rsplit("/", 1)[-1]
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if ext not in conf["ATTACHMENT_EXTENSIONS"]:
                rv.add("attachments", _("不支持的附件类型：%(name)s。允许：%(allowed)s") % {
                    "name": name, "allowed": "、".join(conf["ATTACHMENT_EXTENSIONS"])})
            elif f.size > conf["ATTACHMENT_MAX_BYTES"]:
                rv.add("attachments", _("附件过大：%(name)s 超过%(mb)d MB。") % {
                    "name": name, "mb": conf["ATTACHMENT_MAX_BYTES"] // 1048576})
            elif f.size == 0:
                rv.add("attachments", _("附件为空文件：%(name)s。") % {"name": name})
            else:  # the service's own checks: the name's length, the content by its magic bytes
                try:
                    attachment_check(f, AttachmentKind.OTHER)
                except ApplicationError as exc:
                    rv.add("attachments", f"{exc.message}（{name[:100]}）")

    def _check_matters(self, user, rv: Review, category: str) -> None:
        """The same petitioner's open (duplicate) and 复核终结 matters in the category, within the
        clerk's jurisdiction; without a choice (link as a repeat, or new with a reason) nothing is stored."""
        people = self.people
        ids, phones = lookup.person_indexes(id_numbers=[r.id_number for r in people],
                                            phones=[r.use_phone for r in people])
        reused = [r.reuse for r in people if _row_id(r.reuse) and f"p-{r.index}-phone" not in rv.errors
                  and f"p-{r.index}-id_number" not in rv.errors]
        keys = {"category": category, "id_indexes": ids, "phone_indexes": phones, "petitioner_ids": reused}
        rv.finals = lookup.final_matters(user=user, **keys)
        rv.duplicates = lookup.open_matters(user, **keys)
        offered = {p.pk: p for p in rv.matters}
        if not offered:
            return
        v = self.values
        choice = v["duplicate_choice"]
        linked = rv.kwargs.get("repeat_of")
        if choice.startswith(CHOICE_REPEAT):
            ref = choice[len(CHOICE_REPEAT):]
            target = offered.get(int(ref)) if ref.isdigit() else None
            if target is None:
                rv.add("duplicate_choice", _("请从查重结果中选择要关联的原件。"))
                return
            rv.chosen = choice
            rv.kwargs["repeat_of"] = target
            rv.errors.pop("repeat_of", None)  # the choice replaces whatever the chip held
        elif choice == CHOICE_NEW:
            rv.chosen = choice
            reason = clean(v["duplicate_reason"])
            if not reason:
                rv.add("duplicate_reason", _("作为新件登记须填写理由（如提出了新的事实和理由）。"))
            elif len(reason) > MAX_REASON:
                rv.add("duplicate_reason", _("理由不能超过%(n)d个字。") % {"n": MAX_REASON})
            else:
                rv.kwargs["duplicate_reason"] = reason
        elif linked is None or linked.pk not in offered:
            rv.add("duplicate_choice", _("该信访人就同类事项已有信访件（见查重确认），请选择关联为重复信访，"
                                         "或作为新件登记并填写理由。"))

    # -- to service input -------------------------------------------------------------------

    def service_kwargs(self, user) -> dict:
        """Keyword arguments of `petition_register`; ApplicationError naming the first problem."""
        rv = self.review(user)
        if not rv.ok:
            name, _label, message = rv.ordered(self.rows)[0]
            raise ApplicationError(message, "invalid", name)
        return rv.kwargs


def _row_id(value: str) -> bool:
    """Whether a posted id can name a row: digits, 1 to 2**63-1 (64-bit ids)."""
    return value.isascii() and value.isdigit() and len(value) <= 19 and 0 < int(value) <= 2**63 - 1


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


def register(*, actor, data: IntakeInput, review: Review | None = None) -> tuple[Petition, str]:
    """登记 with its attachments, all or nothing. Returns the petition and its query code.
    ApplicationError (the first problem) when the review finds any."""
    kwargs = review.kwargs if review is not None and review.ok else data.service_kwargs(actor)
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


def reusable(person: Petitioner) -> bool:
    """Whether a known petitioner has a stored phone or address to offer for reuse."""
    return bool(person.phone_enc or person.address_enc)


def choices() -> dict:
    """The select options of the form."""
    return {"natures": Nature.choices, "demand_types": DemandType.choices, "attachment_kinds": AttachmentKind.choices,
            "channels": [(c, label) for c, label in Channel.choices if c in CHANNELS]}
