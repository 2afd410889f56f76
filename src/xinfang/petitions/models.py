"""Petitioners, petitions, categories, attachments (DESIGN §3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.common import crypto
from xinfang.org.models import Region, Unit

from .choices import (
    AttachmentKind,
    Channel,
    DemandType,
    Nature,
    PetitionerKind,
    Status,
    VisitKind,
    WarningLevel,
)


class Category(models.Model):
    """内容分类: a three-level tree."""

    code = models.CharField(_("分类代码"), max_length=16, unique=True)
    name = models.CharField(_("分类名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("级别"))
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("上级分类"))
    path = models.CharField(max_length=64, db_index=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("内容分类")
        verbose_name_plural = _("内容分类")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.level = (self.parent.level + 1) if self.parent_id else 1
        self.path = (self.parent.path if self.parent_id else "/") + self.code + "/"
        super().save(*args, **kwargs)

    def full_name(self) -> str:
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))


class Petitioner(models.Model):
    """信访人. ID number, phone and address are encrypted; exact look-ups use blind indexes."""

    kind = models.CharField(_("类型"), max_length=16, choices=PetitionerKind.choices, default=PetitionerKind.PERSON)
    name = models.CharField(_("姓名/名称"), max_length=64, db_index=True)
    id_number_enc = models.TextField(blank=True)
    id_number_index = models.CharField(max_length=40, blank=True, db_index=True)
    phone_enc = models.TextField(blank=True)
    phone_index = models.CharField(max_length=40, blank=True, db_index=True)
    address_enc = models.TextField(blank=True)
    region = models.ForeignKey(Region, models.SET_NULL, null=True, blank=True, verbose_name=_("住址区划"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("信访人")
        verbose_name_plural = _("信访人")

    def __str__(self):
        return crypto.mask_name(self.name)

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc)

    @property
    def address(self) -> str:
        return crypto.decrypt(self.address_enc)

    @property
    def masked_name(self) -> str:
        return crypto.mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return crypto.mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return crypto.mask_phone(self.phone)

    @property
    def masked_address(self) -> str:
        return crypto.mask_address(self.address)


class ReachSet(models.Model):
    """A set of units some petitions have reached (their `PetitionAccess` units), stored once: the
    petition names its set (`Petition.reach_set`) so a report tests its jurisdiction with one column
    instead of one index probe per petition (`petitions.reach`). A set never changes once stored."""

    units = models.TextField(unique=True)  # the unit ids in ascending order, as ",3,17,"


class ReachSetUnit(models.Model):
    reach_set = models.ForeignKey(ReachSet, models.CASCADE, related_name="members")
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "reach_set"], name="reach_set_unit_unique")]


class Petition(models.Model):
    """信访件: one matter brought by one or more petitioners at one time through one channel."""

    number = models.CharField(_("信访件编号"), max_length=48, unique=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("序号"))
    channel = models.CharField(_("信访形式"), max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(_("收到时间"), db_index=True)
    receiving_unit = models.ForeignKey(Unit, models.PROTECT, related_name="received_petitions",
                                       verbose_name=_("登记单位"))
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                              related_name="registered_petitions", verbose_name=_("登记人"))
    # 首问负责: the staff member who first received the petitioner stays the contact of their later petitions
    first_contact = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                      related_name="first_contact_petitions", verbose_name=_("首问责任人"))
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("反映内容"))
    demands = models.TextField(_("诉求"), blank=True)
    category = models.ForeignKey(Category, models.PROTECT, null=True, blank=True, verbose_name=_("内容分类"))
    nature = models.CharField(_("性质"), max_length=16, choices=Nature.choices, default=Nature.APPEAL)
    demand_type = models.CharField(_("诉求类型"), max_length=16, choices=DemandType.choices, blank=True)
    problem_region = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="+",
                                       verbose_name=_("问题属地"))
    accused_unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="accusations",
                                     verbose_name=_("被反映单位"))
    accused_person = models.CharField(_("被反映人"), max_length=64, blank=True)
    repeat_of = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="repeats",
                                  verbose_name=_("重复信访关联"))
    merged_into = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="merged",
                                    verbose_name=_("并入信访件"))
    is_escalated = models.BooleanField(_("越级"), default=False)
    headcount = models.PositiveIntegerField(_("人数"), default=1)
    visit_kind = models.CharField(_("来访类型"), max_length=16, choices=VisitKind.choices,
                                  default=VisitKind.INDIVIDUAL)
    is_litigation = models.BooleanField(_("涉法涉诉"), default=False)
    is_urgent = models.BooleanField(_("紧急"), default=False)
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    external_id = models.CharField(_("外部编号"), max_length=64, blank=True, db_index=True)

    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REGISTERED,
                              db_index=True)
    handling_unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="handled_petitions",
                                      verbose_name=_("承办单位"))
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                related_name="handled_petitions", verbose_name=_("承办人"))
    review_unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="reviewed_petitions",
                                    verbose_name=_("复查/复核机关"))
    query_code_hash = models.CharField(max_length=64, editable=False)

    # The current deadline, stored so lists and statistics never recompute it.
    due_kind = models.CharField(_("当前时限"), max_length=24, blank=True)
    due_start = models.DateField(_("时限起算"), null=True, blank=True)
    due_on = models.DateField(_("到期日"), null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField(_("时限待定"), default=False)
    warning_level = models.CharField(_("预警等级"), max_length=12, choices=WarningLevel.choices,
                                     default=WarningLevel.NORMAL, db_index=True)

    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    # Handling facts summarised from the petition's deadlines and evaluations for the statistics,
    # stored by `xinfang.workflow.facts` whenever those change; exact for any instant from
    # `facts_at` on (reports fall back to the deadline rows for earlier instants and when NULL).
    # Acceptance / reply: NULL no such limit, 0 all met on time, 1 some running, 2 some met late.
    fact_accept = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    fact_accept_open_due = models.DateField(null=True, blank=True, editable=False)  # earliest running due day
    fact_reply = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    fact_reply_open_due = models.DateField(null=True, blank=True, editable=False)
    fact_review_at = models.DateTimeField(null=True, blank=True, editable=False)  # first 复查 request
    fact_evaluation = models.CharField(max_length=16, null=True, blank=True, editable=False)  # noqa: DJ001  # latest evaluation's level
    facts_at = models.DateTimeField(null=True, blank=True, editable=False)
    # when the petitioner first came back: the earliest receipt of a petition linked to this one as its
    # repeat (同人同事); needs no stamp, the reports only ask about windows that closed before as-of
    fact_repeat_at = models.DateTimeField(null=True, blank=True, editable=False)

    # the set of units this petition has reached, or NULL when not known (then the access rows are read):
    # written only by `petitions.reach` (a save never writes it, see `save`), cleared by the database's
    # triggers on any change of the access rows that leaves the set other than it was
    # (no index of its own: nothing looks petitions up by their set, and with one SQLite read every
    # petition of the user's sets, of all years, instead of the period's; it is in the statistics' index)
    reach_set = models.ForeignKey(ReachSet, models.DO_NOTHING, null=True, blank=True, editable=False,
                                  db_constraint=False, db_index=False, related_name="+")

    petitioners = models.ManyToManyField(Petitioner, through="PetitionPetitioner", related_name="petitions")

    class Meta:
        verbose_name = _("信访件")
        verbose_name_plural = _("信访件")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["receiving_unit", "year", "seq"], name="petition_number_seq")]
        indexes = [
            models.Index(fields=["status", "due_on"]), models.Index(fields=["receiving_unit", "received_at"]),
            # the work queues: a unit's petitions in one state (待受理, 待评价 …) without reading the unit's archive
            models.Index(fields=["receiving_unit", "status"], name="petition_receiving_status"),
            models.Index(fields=["handling_unit", "status"], name="petition_handling_status"),
            # Covers every column the statistics read (reports.statistics), so a year's figures are read
            # from this index alone, never from the wide rows with their texts.
            models.Index(fields=["received_at", "status", "channel", "visit_kind", "headcount", "nature", "is_escalated",
                                 "repeat_of", "replied_at", "closed_at", "receiving_unit", "handling_unit", "category",
                                 "problem_region", "facts_at", "fact_accept", "fact_accept_open_due", "fact_reply",
                                 "fact_reply_open_due", "fact_review_at", "fact_evaluation", "fact_repeat_at", "due_on",
                                 "reach_set", "id"],
                         name="petition_statistics"),
            # the petitions still without a reach set (`reach.fill`, every sweep): found without reading
            # the others (a filled million took the sweep 0.35 s a minute)
            models.Index(fields=["id"], condition=models.Q(reach_set__isnull=True), name="petition_without_reach_set"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        # A stored petition's save writes every field but its reach set: the instance may hold a set read
        # before a unit was added to its access rows (the set a report would then trust). (Fields not
        # loaded are left out too, as Django's own save does for an instance read with only().)
        if (not self._state.adding and self.pk is not None and kwargs.get("update_fields") is None
                and not kwargs.get("force_insert")):
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields if not f.primary_key
                                       and f.name != "reach_set" and f.attname not in deferred]
        super().save(*args, **kwargs)

    @property
    def is_first(self) -> bool:
        return self.repeat_of_id is None


class PetitionPetitioner(models.Model):
    petition = models.ForeignKey(Petition, models.CASCADE, related_name="petitioner_links")
    petitioner = models.ForeignKey(Petitioner, models.PROTECT, related_name="petition_links")
    is_representative = models.BooleanField(_("代表"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["petition", "petitioner"], name="petition_petitioner_unique")]


class PetitionAccess(models.Model):
    """A unit the petition has reached (registered, routed, reviewed): the basis of jurisdiction."""

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="accesses")
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="petition_accesses")
    reason = models.CharField(max_length=16)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["petition", "unit"], name="petition_access_unique")]


class NumberSequence(models.Model):
    """The last tracking number issued per receiving unit and year; numbers are never reused."""

    unit = models.ForeignKey(Unit, models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="number_sequence_unique")]


def attachment_path(instance, filename):
    return f"attachments/{instance.petition.year}/{instance.petition_id}/{filename}"


class Attachment(models.Model):
    petition = models.ForeignKey(Petition, models.CASCADE, related_name="attachments")
    kind = models.CharField(_("材料类型"), max_length=16, choices=AttachmentKind.choices, default=AttachmentKind.OTHER)
    file = models.FileField(_("文件"), upload_to=attachment_path)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")


class ImportJob(models.Model):
    """批量导入: one uploaded ledger, its preview, its per-row errors and its progress."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("已上传")
        PREVIEWED = "previewed", _("已预览")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未导入")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("登记单位"))
    file = models.FileField(upload_to="imports/%Y/%m/")
    filename = models.CharField(_("文件名"), max_length=255)
    channel = models.CharField(_("默认信访形式"), max_length=16, blank=True)
    mapping = models.JSONField(_("列映射"), default=dict, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]
