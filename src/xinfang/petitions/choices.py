from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    LETTER = "letter", _("来信")
    VISIT = "visit", _("来访")
    PHONE = "phone", _("来电")
    ONLINE = "online", _("网上信访")
    EMAIL = "email", _("电子邮件")
    FAX = "fax", _("传真")
    HOTLINE = "hotline", _("12345热线")
    TRANSFER_IN = "transfer_in", _("上级转交办")


class VisitKind(models.TextChoices):
    INDIVIDUAL = "individual", _("个人访")
    GROUP = "group", _("群体访")
    COLLECTIVE = "collective", _("集体访")


class Nature(models.TextChoices):
    SUGGESTION = "suggestion", _("建议意见类")
    ACCUSATION = "accusation", _("检举控告类")
    APPEAL = "appeal", _("申诉求决类")


class DemandType(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGEST = "suggest", _("建议")
    THANKS = "thanks", _("感谢")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ROUTED = "routed", _("已转交办")
    ACCEPTED = "accepted", _("已受理")
    IN_HANDLING = "in_handling", _("办理中")
    REPLY_PENDING = "reply_pending", _("答复待审批")
    REPLIED = "replied", _("已答复")
    UNDER_REVIEW = "under_review", _("复查中")
    REVIEWED = "reviewed", _("已复查")
    UNDER_REREVIEW = "under_rereview", _("复核中")
    FINAL = "final", _("已复核终结")
    CLOSED = "closed", _("已办结")
    REJECTED = "rejected", _("不予/不再受理")
    DIVERTED = "diverted", _("已告知引导")
    ARCHIVED = "archived", _("已存档")
    MERGED = "merged", _("已并案")


CLOSED_STATES = {Status.FINAL, Status.CLOSED, Status.REJECTED, Status.DIVERTED, Status.ARCHIVED, Status.MERGED}
OPEN_STATES = {s for s in Status.values if s not in CLOSED_STATES}


class PetitionerKind(models.TextChoices):
    PERSON = "person", _("个人")
    ORGANISATION = "organisation", _("单位/组织")


class AttachmentKind(models.TextChoices):
    LETTER = "letter", _("来信原件")
    IDENTITY = "identity", _("身份证明")
    EVIDENCE = "evidence", _("证据材料")
    RECORDING = "recording", _("录音录像")
    OTHER = "other", _("其他")


class WarningLevel(models.TextChoices):
    NORMAL = "normal", _("正常")
    NOTICE = "notice", _("预警")
    WARNING = "warning", _("警告")
    SEVERE = "severe", _("严重警告")
    OVERDUE = "overdue", _("超期")
