from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWN = "town", _("乡镇/街道")
    VILLAGE = "village", _("村/社区")


LEVEL_RANK = {Level.PROVINCE: 1, Level.CITY: 2, Level.COUNTY: 3, Level.TOWN: 4, Level.VILLAGE: 5}


class UnitKind(models.TextChoices):
    GOVERNMENT = "government", _("人民政府")
    PETITION_OFFICE = "petition_office", _("信访工作机构")
    DEPARTMENT = "department", _("职能部门")
    TOWN = "town", _("乡镇/街道")
    VILLAGE = "village", _("村/社区委员会")
    DISCIPLINE = "discipline", _("纪检监察机关")
    POLITICS_LAW = "politics_law", _("政法机关")


class Role(models.TextChoices):
    CLERK = "clerk", _("接访登记员")
    DISPATCHER = "dispatcher", _("分办员")
    HANDLER = "handler", _("承办人")
    LEADER = "leader", _("领导")
    SUPERVISOR = "supervisor", _("督查员")
    ANALYST = "analyst", _("统计分析员")
    INFORMANT = "informant", _("信息员")
    ADMIN = "admin", _("系统管理员")
