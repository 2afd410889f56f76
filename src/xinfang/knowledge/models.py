"""知识库 / 典型案例: policies and exemplary handled cases, so good practice travels between units."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Article(models.Model):
    class Kind(models.TextChoices):
        POLICY = "policy", _("政策法规")
        CASE = "case", _("典型案例")

    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    lesson = models.TextField(_("经验启示"), blank=True)
    source = models.CharField(_("出处/文号"), max_length=200, blank=True)
    category = models.ForeignKey("petitions.Category", models.SET_NULL, null=True, blank=True,
                                 verbose_name=_("内容分类"))
    petition = models.ForeignKey("petitions.Petition", models.SET_NULL, null=True, blank=True,
                                 related_name="knowledge_articles", verbose_name=_("来源信访件"))
    unit = models.ForeignKey("org.Unit", models.SET_NULL, null=True, blank=True, verbose_name=_("提供单位"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_published = models.BooleanField(_("发布"), default=True)

    class Meta:
        verbose_name = _("知识条目")
        verbose_name_plural = _("知识条目")
        ordering = ["-updated_at"]

    def __str__(self):
        return self.title
