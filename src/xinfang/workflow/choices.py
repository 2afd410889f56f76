from django.db import models
from django.utils.translation import gettext_lazy as _


class DeadlineKind(models.TextChoices):
    ROUTE = "route", _("登记转送时限")
    ACCEPT = "accept", _("受理告知时限")
    OBJECT = "object", _("异议退回时限")
    HANDLE = "handle", _("办理时限")
    FAST_TRACK = "fast_track", _("简易办理时限")
    REPORT = "report", _("交办结果报告时限")
    HOTLINE = "hotline", _("热线办理时限")
    REVIEW_REQUEST = "review_request", _("复查申请期限")
    REVIEW_ANSWER = "review_answer", _("复查办理时限")
    REREVIEW_REQUEST = "rereview_request", _("复核申请期限")
    REREVIEW_ANSWER = "rereview_answer", _("复核办理时限")


class Outcome(models.TextChoices):
    SUPPORT = "support", _("支持")
    EXPLAIN = "explain", _("解释说明")
    DECLINE = "decline", _("不予支持")


class ReplyKind(models.TextChoices):
    REPLY = "reply", _("信访处理意见书")
    FAST_TRACK = "fast_track", _("简易办理答复")
    REVIEW = "review", _("复查意见书")
    REREVIEW = "rereview", _("复核意见书")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class EvaluationSource(models.TextChoices):
    CITIZEN = "citizen", _("信访人网上评价")
    CALLBACK = "callback", _("回访")


class RouteKind(models.TextChoices):
    FORWARD = "forward", _("转送")
    ASSIGN = "assign", _("交办")


class DivertTarget(models.TextChoices):
    POLITICS_LAW = "politics_law", _("政法机关（涉法涉诉）")
    DISCIPLINE = "discipline", _("纪检监察机关")
    OTHER = "other", _("其他有权机关")


class DeliveryMethod(models.TextChoices):
    IN_PERSON = "in_person", _("当面送达")
    POST = "post", _("邮寄送达")
    ELECTRONIC = "electronic", _("电子送达")
    ENTRUSTED = "entrusted", _("委托送达")
    ANNOUNCEMENT = "announcement", _("公告送达")


class HearingStage(models.TextChoices):
    HANDLING = "handling", _("办理阶段")
    REREVIEW = "rereview", _("复核阶段")


# The written opinion in force in each state (the one to deliver, and whose delivery opens a window).
CURRENT_OPINION_KINDS = {
    "replied": (ReplyKind.REPLY, ReplyKind.FAST_TRACK),
    "reviewed": (ReplyKind.REVIEW,),
    "final": (ReplyKind.REREVIEW,),
}
