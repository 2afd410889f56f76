"""Issued official documents (GB/T 9704 notices) and their numbering."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.org.models import Unit
from xinfang.petitions.models import Petition


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("登记回执")
    ACCEPT = "accept", _("受理告知书")
    REJECT = "reject", _("不予受理告知书")
    REFUSE_AGAIN = "refuse_again", _("不再受理告知书")
    ROUTE = "route", _("转送/交办告知书")
    EXTENSION = "extension", _("延长办理期限告知书")
    REPLY = "reply", _("信访处理意见书")
    REVIEW = "review", _("复查意见书")
    REREVIEW = "rereview", _("复核意见书")
    MEDIATION = "mediation", _("调解协议书")
    COMPLETION = "completion", _("办结报告")
    DIVERT = "divert", _("信访事项告知书")
    HEARING = "hearing", _("听证通知书")


class IssuedDocument(models.Model):
    petition = models.ForeignKey(Petition, models.CASCADE, related_name="documents")
    kind = models.CharField(_("文书"), max_length=16, choices=DocumentKind.choices)
    number = models.CharField(_("文号"), max_length=64)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("发文机关"))
    event_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    docx = models.FileField(upload_to="documents/%Y/")
    pdf = models.FileField(upload_to="documents/%Y/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = _("文书")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["event_id", "kind"], name="document_per_event")]

    def __str__(self):
        return f"{self.number} {self.title}"


class DocumentSequence(models.Model):
    unit = models.ForeignKey(Unit, models.CASCADE)
    kind = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "kind", "year"], name="document_sequence_unique")]
