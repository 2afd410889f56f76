"""Regions, units (a tree), staff memberships with roles (DESIGN §1, §5)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import LEVEL_RANK, Level, Role, UnitKind


class Region(models.Model):
    """An administrative area with its code (GB/T 2260 style); `path` holds the codes from the root."""

    code = models.CharField(_("区划代码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("上级区划"))
    path = models.CharField(max_length=255, db_index=True, editable=False)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "/") + self.code + "/"
        super().save(*args, **kwargs)

    @property
    def rank(self) -> int:
        return LEVEL_RANK[self.level]

    def full_name(self) -> str:
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class Unit(models.Model):
    """A body that receives or handles petitions; `path` holds unit codes from the root."""

    code = models.CharField(_("单位代码"), max_length=32, unique=True)
    name = models.CharField(_("单位名称"), max_length=128)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    kind = models.CharField(_("单位类型"), max_length=16, choices=UnitKind.choices)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    region = models.ForeignKey(Region, models.PROTECT, related_name="units", verbose_name=_("所属区划"))
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("上级单位"))
    path = models.CharField(max_length=512, db_index=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    # S22 Art 35/36: a 复查 goes to the handling body's superior administrative body (上级主管机关) or the
    # people's government at its level (本级人民政府); both are stated per unit (see org.hierarchy).
    superior = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="subordinates",
                                 verbose_name=_("上级主管机关"))
    government = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("本级人民政府"))

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "/") + self.code + "/"
        super().save(*args, **kwargs)

    @property
    def rank(self) -> int:
        return LEVEL_RANK[self.level]

    def is_within(self, other: "Unit") -> bool:
        return self.path.startswith(other.path)


class Membership(models.Model):
    """A staff member's role in a unit. One user may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships",
                             verbose_name=_("用户"))
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="memberships", verbose_name=_("单位"))
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} @ {self.unit} ({self.get_role_display()})"


class StaffProfile(models.Model):
    """Facts about a staff member used for recusal checks (S22 Art 28)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="staff_profile")
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    id_number_index = models.CharField(max_length=40, blank=True, db_index=True)
    phone_index = models.CharField(max_length=40, blank=True, db_index=True)

    class Meta:
        verbose_name = _("工作人员信息")
        verbose_name_plural = _("工作人员信息")
