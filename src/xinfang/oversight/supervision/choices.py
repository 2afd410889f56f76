"""Choices and timeline actions of 督办 (supervision orders) and 领导批示 (instructions)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupervisionStatus(models.TextChoices):
    OPEN = "open", _("待反馈")
    PROGRESS = "progress", _("已报进展")
    REPORTED = "reported", _("待审核")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已销号")


# the target unit owes an answer in these states (its 待办; the due-date warnings)
SUPERVISION_WAITING = frozenset({SupervisionStatus.OPEN, SupervisionStatus.PROGRESS, SupervisionStatus.RETURNED})
SUPERVISION_CLOSED = frozenset({SupervisionStatus.ACCEPTED})


class ReportKind(models.TextChoices):
    PROGRESS = "progress", _("进展报告")
    RESULT = "result", _("结果报告")


class Decision(models.TextChoices):
    ACCEPTED = "accepted", _("同意销号")
    RETURNED = "returned", _("退回")


class InstructionStatus(models.TextChoices):
    OPEN = "open", _("待反馈")
    REPORTED = "reported", _("已反馈")
    CLOSED = "closed", _("已办结")


INSTRUCTION_WAITING = frozenset({InstructionStatus.OPEN})

# Timeline actions (PetitionEvent.action) of the steps after the moves `supervise` and `instruct`.
EVENT_SUPERVISION_REPORT = "supervision_report"
EVENT_SUPERVISION_ACCEPT = "supervision_accept"
EVENT_SUPERVISION_RETURN = "supervision_return"
EVENT_INSTRUCTION_REPORT = "instruction_report"
EVENT_INSTRUCTION_CLOSE = "instruction_close"
EVENT_LABELS = {
    EVENT_SUPERVISION_REPORT: _("督办反馈"),
    EVENT_SUPERVISION_ACCEPT: _("督办销号"),
    EVENT_SUPERVISION_RETURN: _("督办反馈退回"),
    EVENT_INSTRUCTION_REPORT: _("批示件反馈"),
    EVENT_INSTRUCTION_CLOSE: _("批示件办结"),
}
