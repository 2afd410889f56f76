"""Online petitions filed on the portal by citizens without an account (issue 11).

`portal_petition_submit` checks what the citizen typed, registers the petition through
`workflow.services.petition_register` (channel 网上信访, received now, at the portal's intake unit, by
the system account `portal`), stores the attachments, counts the submission for the rate limits and
queues the SMS receipt, all in one transaction: any refusal stores nothing (files written before a
late failure are removed again).

Real-name petitions (S22) need the petitioner's name, ID number (GB 11643 checksum) and phone; only
an accusation (检举控告类) may be anonymous, and then no identity is stored with the petition (a phone,
if given, only receives the SMS receipt).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common import limits
from xinfang.common.errors import ApplicationError
from xinfang.common.text import clean, has_bad_characters
from xinfang.common.validators import id_number_message, normalise_phone, validate_phone
from xinfang.org.models import Region, Unit
from xinfang.org.services import system_account
from xinfang.petitions.choices import AttachmentKind, Channel, Nature
from xinfang.petitions.models import Category, Petition
from xinfang.petitions.services import PetitionerInput, attachment_add, attachment_check, limit_problems
from xinfang.workflow.services import petition_register

from .. import throttle
from ..selectors.profile import intake_unit

SYSTEM_ACCOUNT = "portal"
MAX_FILES = 5
MAX_TOTAL_BYTES = 20 * 1024 * 1024  # all attachments of one petition together
DAY_MINUTES = 24 * 60
MOBILE = re.compile(r"^1[3-9]\d{9}$")  # an SMS goes to a mobile number only

# The fields of the form in their order on the page (the first problem gets the cursor).
FIELDS = ("nature", "title", "content", "demands", "category", "problem_region", "accused_person", "anonymous",
          "name", "id_number", "phone", "address", "attachments")


@dataclass
class Submission:
    """What the citizen typed (texts as typed; the service cleans them)."""

    nature: str = ""
    title: str = ""
    content: str = ""
    demands: str = ""
    category: str = ""
    problem_region: str = ""
    accused_person: str = ""
    anonymous: bool = False
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    files: list = field(default_factory=list)

    @property
    def is_accusation(self) -> bool:
        return self.nature == Nature.ACCUSATION

    @property
    def is_anonymous(self) -> bool:
        return self.anonymous and self.is_accusation

    @property
    def sms_phone(self) -> str:
        """The mobile number the receipt goes to ("" for none or a landline)."""
        phone = normalise_phone(self.phone)
        return phone if MOBILE.match(phone) else ""


def portal_account(unit: Unit):
    """The account that registers online petitions (`portal`): no usable password, a 登记 post at `unit`."""
    return system_account(SYSTEM_ACCOUNT, unit, "网上信访")


def submission_problems(data: Submission) -> dict[str, str]:
    """Every problem of the submission: field -> message, in the order of the form (empty when fine).
    The registration checks again and stays the authority."""
    out: dict[str, str] = {}

    def add(name: str, message: str) -> None:
        out.setdefault(name, message)

    texts = {"title": data.title, "content": data.content, "demands": data.demands,
             "accused_person": data.accused_person, "name": data.name, "id_number": data.id_number,
             "phone": data.phone, "address": data.address}
    for name, value in texts.items():
        if value and has_bad_characters(value):
            add(name, _("含有无法保存的字符（如空字符），请删除后重试。"))
    if data.nature not in Nature.values:
        add("nature", _("请选择信访事项的性质。"))
    title = clean(data.title)
    if not title:
        add("title", _("请填写标题。"))
    elif len(title) > limits.MAX_TITLE:
        add("title", _("标题不能超过%(n)d个字。") % {"n": limits.MAX_TITLE})
    if not (data.content or "").strip():
        add("content", _("请填写反映内容。"))
    for name, message in limit_problems(content=data.content, demands=data.demands,
                                        accused_person=data.accused_person if data.is_accusation else "").items():
        add(name, message)
    if data.category and not Category.objects.filter(code=data.category, is_active=True).exists():
        add("category", _("请从列表中选择内容分类。"))
    if not data.problem_region:
        add("problem_region", _("请选择问题属地（事情发生的地方）。"))
    elif not Region.objects.filter(code=data.problem_region).exists():
        add("problem_region", _("请从列表中选择问题属地。"))
    if data.anonymous and not data.is_accusation:
        add("anonymous", _("只有检举控告类事项可以匿名提出；建议意见类和申诉求决类请实名提出。"))
    if not data.is_anonymous:
        name = clean(data.name)
        if not name:
            add("name", _("请填写您的真实姓名（匿名仅限检举控告类）。"))
        elif len(name) > limits.MAX_NAME:
            add("name", _("姓名过长。"))
        if not (data.id_number or "").strip():
            add("id_number", _("请填写您的身份证号码。"))
        else:
            message = id_number_message(data.id_number)
            if message:
                add("id_number", message)
        if not (data.phone or "").strip():
            add("phone", _("请填写联系电话，以便告知办理情况。"))
    if (data.phone or "").strip():
        try:
            validate_phone(data.phone[:limits.MAX_PHONE + 1], "phone")
        except ApplicationError as exc:
            add("phone", exc.message)
    if not data.is_anonymous and len(clean(data.address)) > limits.MAX_ADDRESS:
        add("address", _("住址过长：不能超过%(n)d个字。") % {"n": limits.MAX_ADDRESS})
    problem = files_problem(data.files)
    if problem:
        add("attachments", problem)
    return {name: out[name] for name in FIELDS if name in out} | {k: v for k, v in out.items() if k not in FIELDS}


def files_problem(files: list) -> str:
    """The first problem of the uploads (count, total size, then each file as staff uploads are checked)."""
    if len(files) > MAX_FILES:
        return _("附件最多%(n)d个。") % {"n": MAX_FILES}
    if sum(getattr(f, "size", 0) or 0 for f in files) > MAX_TOTAL_BYTES:
        return _("附件总大小不能超过%(mb)d MB。") % {"mb": MAX_TOTAL_BYTES // 1048576}
    for f in files:
        try:
            attachment_check(f, AttachmentKind.OTHER)
        except ApplicationError as exc:
            return f"{getattr(f, 'name', '')[:80]}：{exc.message}"
    return ""


def limit_reached(*, address: str, phone: str) -> str:
    """The message when this address or phone already filed its petitions of the day ("" otherwise)."""
    if throttle.over("submit_address", address, throttle.conf("SUBMIT_ADDRESS_DAY"), minutes=DAY_MINUTES):
        return _("今天从您的网络提交的信访事项已达上限，请明天再试，或拨打信访接待电话、到接待窗口反映。")
    if phone and throttle.over("submit_phone", phone, throttle.conf("SUBMIT_PHONE_DAY"), minutes=DAY_MINUTES):
        return _("该手机号今天提交的信访事项已达上限，请明天再试，或拨打信访接待电话、到接待窗口反映。")
    return ""


def _service_field(name: str | None) -> str:
    """The form field a service's error names (petitioners[0].id_number -> id_number)."""
    name = name or ""
    if name.startswith("petitioners[0]."):
        return name.split(".", 1)[1]
    return {"petitioners": "name", "file": "attachments", "kind": "attachments"}.get(name, name)


def receipt_text(*, petition: Petition, code: str, office: str, track_url: str) -> str:
    return _("【%(office)s】您的信访事项已提交，编号%(number)s，查询码%(code)s。请妥善保管查询码，不要告诉他人。"
             "查询办理进度：%(url)s") % {"office": office, "number": petition.number, "code": code, "url": track_url}


def portal_petition_submit(*, data: Submission, address: str = "", office: str = "",
                           track_url: str = "") -> tuple[Petition, str, bool]:
    """Register the citizen's online petition; returns (petition, query code, SMS queued).

    ApplicationError (with the form field) on the first problem, "rate_limited" over the daily limits
    per address or phone, "unavailable" when no intake unit is set up; nothing is stored then."""
    problems = submission_problems(data)
    if problems:
        name, message = next(iter(problems.items()))
        raise ApplicationError(message, "invalid", name)
    unit = intake_unit()
    if unit is None:
        raise ApplicationError(_("网上信访暂不可用，请拨打信访接待电话或到接待窗口反映。"), "unavailable")
    phone = normalise_phone(data.phone) if (data.phone or "").strip() else ""
    people = None if data.is_anonymous else [PetitionerInput(name=data.name, id_number=data.id_number, phone=phone,
                                                             address=data.address, verified=False)]
    stored = []
    try:
        with transaction.atomic():
            message = limit_reached(address=address, phone=phone)
            if message:
                raise ApplicationError(message, "rate_limited")
            actor = portal_account(unit)
            try:
                petition, code = petition_register(
                    actor=actor, unit=unit, petitioners=people, channel=Channel.ONLINE, received_at=timezone.now(),
                    title=data.title, content=data.content, demands=data.demands, category=data.category or None,
                    nature=data.nature, problem_region=data.problem_region,
                    accused_person=data.accused_person if data.is_accusation else "",
                    is_anonymous=data.is_anonymous)
                for f in data.files:
                    stored.append(attachment_add(petition=petition, actor=actor, uploaded=f))
            except ApplicationError as exc:
                raise ApplicationError(exc.message, exc.code, _service_field(exc.field)) from None
            throttle.attempt_add("submit_address", address)
            throttle.attempt_add("submit_phone", phone)
            sms = data.sms_phone
            if sms:
                from xinfang.notifications.services import notify_citizen

                notify_citizen(phone=sms, text=receipt_text(petition=petition, code=code, office=office,
                                                            track_url=track_url),
                               petition=petition, secret=code, dedupe_key=f"portal-receipt:{petition.pk}")
    except BaseException:
        for att in stored:  # the rows rolled back; the files written to storage go too
            att.file.delete(save=False)
        raise
    return petition, code, bool(sms)
