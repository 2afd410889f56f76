"""Workbench preferences: saved search filters."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedFilter(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("名称"), max_length=64)
    query = models.TextField(_("查询条件"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("常用查询")
        verbose_name_plural = _("常用查询")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique")]
