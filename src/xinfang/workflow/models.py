"""Deadline policies and stored deadlines, routes, replies, extensions, evaluations, the timeline."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.org.models import Unit
from xinfang.petitions.models import Petition

from .choices import (
    DeadlineKind,
    DeliveryMethod,
    EvaluationSource,
    HearingStage,
    Outcome,
    ReplyKind,
    RouteKind,
    Satisfaction,
)


class DeadlinePolicy(models.Model):
    """A time limit. A row without a unit is the default; a unit's row may only tighten it."""

    key = models.CharField(_("时限项目"), max_length=32)
    days = models.PositiveSmallIntegerField(_("天数"))
    working_days = models.BooleanField(_("按工作日计"), default=False)
    unit = models.ForeignKey(Unit, models.CASCADE, null=True, blank=True, verbose_name=_("适用单位"))
    is_active = models.BooleanField(_("启用"), default=True)
    source = models.CharField(_("依据"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        constraints = [models.UniqueConstraint(fields=["key", "unit"], name="deadline_policy_unique")]

    def __str__(self):
        unit = _("工作日") if self.working_days else _("日")
        return f"{self.key}: {self.days}{unit}"


class Deadline(models.Model):
    petition = models.ForeignKey(Petition, models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("时限"), max_length=24, choices=DeadlineKind.choices)
    start = models.DateField(_("起算日"))
    days = models.PositiveSmallIntegerField(_("天数"))
    working_days = models.BooleanField(_("按工作日计"), default=False)
    extra_days = models.PositiveSmallIntegerField(_("延长天数"), default=0)
    due = models.DateField(_("到期日"), db_index=True)
    provisional = models.BooleanField(_("待定（缺节假日安排）"), default=False)
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    cancelled = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        ordering = ["due", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.due}"

    @property
    def is_open(self) -> bool:
        return self.met_at is None and not self.cancelled


class Route(models.Model):
    petition = models.ForeignKey(Petition, models.CASCADE, related_name="routes")
    kind = models.CharField(_("方式"), max_length=8, choices=RouteKind.choices)
    from_unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("转出单位"))
    to_unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("承办单位"))
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True)
    report_due = models.DateField(_("结果报告期限"), null=True, blank=True)
    objected_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    object_reason = models.TextField(_("退回理由"), blank=True)
    # 异议退回 is confirmed or rejected by the routing office: "" none, pending, confirmed, rejected
    objection = models.CharField(_("异议处理"), max_length=12, blank=True)
    objection_decided_at = models.DateTimeField(_("异议处理时间"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["at", "id"]


class Reply(models.Model):
    petition = models.ForeignKey(Petition, models.CASCADE, related_name="replies")
    kind = models.CharField(_("文书"), max_length=12, choices=ReplyKind.choices)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("出具单位"))
    outcome = models.CharField(_("处理结果"), max_length=12, choices=Outcome.choices)
    text = models.TextField(_("处理意见"))
    basis = models.TextField(_("依据"))
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    drafted_at = models.DateTimeField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    # 退回修改: a leader sent the draft back; it stays in the history, the revision is a new row
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    returned_at = models.DateTimeField(null=True, blank=True)
    return_note = models.TextField(_("退回意见"), blank=True)

    class Meta:
        ordering = ["drafted_at", "id"]
        # 待送达 and 待评价 start from the recently approved replies
        indexes = [models.Index(fields=["approved_at"], name="reply_approved_at")]

    @property
    def delivery(self):
        return self.deliveries.order_by("delivered_at", "id").first()


class Extension(models.Model):
    petition = models.ForeignKey(Petition, models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("延长天数"))
    reason = models.TextField(_("理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)


class Delivery(models.Model):
    """送达: how and when a written opinion (or another notice) reached the petitioner. The delivery of
    a 处理意见书 / 复查意见书 opens the 30-day 复查 / 复核 request window (S22 Art 35/36)."""

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="deliveries")
    reply = models.ForeignKey(Reply, models.CASCADE, null=True, blank=True, related_name="deliveries",
                              verbose_name=_("送达的意见书"))
    document = models.CharField(_("送达的文书"), max_length=64, blank=True)  # a notice's name or number
    delivered_at = models.DateField(_("送达日期"))
    method = models.CharField(_("送达方式"), max_length=16, choices=DeliveryMethod.choices)
    tracking_no = models.CharField(_("邮件单号"), max_length=64, blank=True)
    note = models.TextField(_("说明"), blank=True)
    assumed = models.BooleanField(_("推定送达"), default=False)  # migrated: assumed on the approval date
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("送达记录")
        verbose_name_plural = _("送达记录")
        ordering = ["delivered_at", "id"]


class ConflictDeclaration(models.Model):
    """申请回避: a staff member declared a conflict of interest; they can no longer act on the petition."""

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="conflicts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("回避人员"))
    reason = models.TextField(_("回避理由"))
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("回避声明")
        verbose_name_plural = _("回避声明")
        constraints = [models.UniqueConstraint(fields=["petition", "user"], name="conflict_once")]


class Hearing(models.Model):
    """听证: a hearing held while handling or during 复核; its days do not count against the 复核
    limit (S22 Art 36)."""

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="hearings")
    stage = models.CharField(_("阶段"), max_length=12, choices=HearingStage.choices)
    held_on = models.DateField(_("听证日期"))
    end_on = models.DateField(_("结束日期"))
    place = models.CharField(_("地点"), max_length=200)
    panel_units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("听证单位"))
    panel = models.TextField(_("听证员"))
    participants = models.TextField(_("参加人员"))
    minutes = models.TextField(_("听证记录"))
    conclusion = models.TextField(_("听证结论"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("听证")
        verbose_name_plural = _("听证")
        ordering = ["held_on", "id"]

    @property
    def days(self) -> int:
        return (self.end_on - self.held_on).days + 1


class DivertChannel(models.Model):
    """A lawful channel a 告知引导 notice may name (诉讼, 仲裁, 行政复议, 纪检监察, 人大, 政法 …);
    the list is the office's to keep."""

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    guidance = models.TextField(_("告知用语"), blank=True)
    ordering = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("告知引导去向")
        verbose_name_plural = _("告知引导去向")
        ordering = ["ordering", "id"]

    def __str__(self):
        return self.name


class Evaluation(models.Model):
    petition = models.ForeignKey(Petition, models.CASCADE, related_name="evaluations")
    # the opinion evaluated (one evaluation per stage); NULL and `counted` false for evaluations
    # recorded outside the rule before it was enforced: they count in no KPI
    reply = models.ForeignKey(Reply, models.SET_NULL, null=True, blank=True, related_name="evaluations")
    counted = models.BooleanField(default=True)
    level = models.CharField(_("评价"), max_length=16, choices=Satisfaction.choices)
    reason = models.TextField(_("理由"), blank=True)
    source = models.CharField(_("评价方式"), max_length=12, choices=EvaluationSource.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")


class ActionGrant(models.Model):
    """An admin's widening of who may take an action: `role` may also take `action`."""

    action = models.CharField(_("操作"), max_length=32)
    role = models.CharField(_("角色"), max_length=16)

    class Meta:
        verbose_name = _("操作授权")
        verbose_name_plural = _("操作授权")
        constraints = [models.UniqueConstraint(fields=["action", "role"], name="action_grant_unique")]


class PetitionEvent(models.Model):
    """The timeline: one row per move, note and issued document."""

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    unit = models.ForeignKey(Unit, models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("时间"), db_index=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["at", "id"]

    @property
    def label(self) -> str:
        from .transitions import TABLE

        t = TABLE.get(self.action)
        return str(t.label) if t else str(OTHER_EVENT_LABELS.get(self.action, self.action))


# Labels of timeline entries written outside the transition table, registered by the packages that
# write them (oversight's 包案 entries), so every timeline (page, API, dossier) names them alike.
OTHER_EVENT_LABELS: dict[str, str] = {}


class RoutingRule(models.Model):
    """分办规则: matters of a category (and its subtree) in a region (and below) go to a unit."""

    category = models.ForeignKey("petitions.Category", models.CASCADE, null=True, blank=True,
                                 verbose_name=_("内容分类"))
    region = models.ForeignKey("org.Region", models.CASCADE, null=True, blank=True, verbose_name=_("问题属地"))
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+", verbose_name=_("承办单位"))
    owner = models.ForeignKey(Unit, models.CASCADE, null=True, blank=True, related_name="+",
                              verbose_name=_("适用的分办单位"))
    priority = models.IntegerField(_("优先级"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("分办规则")
        verbose_name_plural = _("分办规则")
        ordering = ["-priority", "id"]
