"""Signatures of petitions' texts for finding the same matter, and staff decisions on candidates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.petitions.models import Petition


class Signature(models.Model):
    """The MinHash signature of one petition's cleaned title and content (text.py), and a digest of
    that text so a save that did not change the text costs no recomputation."""

    petition = models.OneToOneField(Petition, models.CASCADE, primary_key=True, related_name="+")
    digest = models.CharField(max_length=24)
    minhash = models.BinaryField()


class Band(models.Model):
    """One LSH band key of a petition's signature: petitions sharing a key are worth scoring."""

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="+")
    bucket = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["bucket", "petition"], name="sim_band_bucket")]


class Kind(models.TextChoices):
    REPEAT = "repeat", _("重复信访（同人同事）")
    DUPLICATE = "duplicate", _("同事异人（联名/并案）")


class Decision(models.TextChoices):
    CONFIRMED = "confirmed", _("确认")
    REJECTED = "rejected", _("排除")


class SimilarDecision(models.Model):
    """A staff member's word on one candidate of one petition (the latest decision counts)."""

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="+", verbose_name=_("信访件"))
    candidate = models.ForeignKey(Petition, models.CASCADE, related_name="+", verbose_name=_("相似信访件"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    decision = models.CharField(_("结论"), max_length=12, choices=Decision.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+",
                           verbose_name=_("确认人"))
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("相似件认定")
        verbose_name_plural = _("相似件认定")
        constraints = [models.UniqueConstraint(fields=["petition", "candidate", "kind"], name="similar_decision_unique")]
