"""Early-warning alerts (预警) and the public support of petitions where known (点赞数/反对数 of an
imported message board)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    HOTSPOT = "hotspot", _("热点上升")
    REGION = "region", _("属地上升")
    CATEGORY = "category", _("分类上升")
    COLLECTIVE = "collective", _("集体访")
    CONVERGING = "converging", _("多人同事")


class Alert(models.Model):
    """One alert: fired once per `key` (the kind, what rose and the week), with why it fired."""

    kind = models.CharField(_("类型"), max_length=16, choices=AlertKind.choices)
    key = models.CharField(_("键"), max_length=200, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    why = models.TextField(_("触发原因"))
    fired_at = models.DateTimeField(_("触发时间"), db_index=True)
    week = models.DateField(_("所在周"))  # the Monday of the week counted
    count = models.PositiveIntegerField(_("本周件次"), default=0)
    baseline = models.FloatField(_("基线（前8周周均）"), null=True, blank=True)
    p_value = models.FloatField(_("P值"), null=True, blank=True)
    members = models.ManyToManyField("petitions.Petition", related_name="+", verbose_name=_("相关信访件"))
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name=_("知悉人"))
    acknowledged_at = models.DateTimeField(_("知悉时间"), null=True, blank=True)

    class Meta:
        ordering = ["-fired_at", "-id"]
        verbose_name = _("预警")
        verbose_name_plural = _("预警")

    def __str__(self):
        return self.title


class PetitionSupport(models.Model):
    """Public support of one petition where known (a message board's likes and dislikes)."""

    petition = models.OneToOneField("petitions.Petition", models.CASCADE, primary_key=True, related_name="+")
    likes = models.PositiveIntegerField(_("点赞数"), default=0)
    dislikes = models.PositiveIntegerField(_("反对数"), default=0)

    class Meta:
        verbose_name = _("公众支持")
        verbose_name_plural = _("公众支持")
