"""References in a ledger by code or name: categories, regions and units (database reads, cached
per value). Each look-up returns (code or None, display name, Chinese error message)."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from xinfang.org.models import Region, Unit
from xinfang.petitions.models import Category

# Category labels of other taxonomies (message boards, older national trees) and the names they go by
# here: a label is looked up under its own name first, then under these.
CATEGORY_SYNONYMS = {
    "卫生计生": ("卫生健康", "卫生"),
    "医疗卫生": ("卫生健康",),
    "环境保护": ("环境保护/生态环境", "生态环境"),
    "生态环境": ("环境保护/生态环境", "环境保护"),
    "国土资源": ("国土/自然资源", "自然资源"),
    "自然资源": ("国土/自然资源", "国土资源"),
    "劳动保障": ("劳动和社会保障",),
    "人力资源和社会保障": ("劳动和社会保障",),
    "教育": ("教育文体",),
    "农业农村": ("农村农业",),
    "三农": ("农村农业",),
    "住房城乡建设": ("城乡建设",),
    "交通": ("交通运输",),
    "商务": ("商贸旅游",),
}


class Lookups:
    """Category, region and unit references by code or name; cached per value. DB-backed.

    `category_by_name`: the category column holds labels (a message board's 一级标签): each is matched
    by name only (a first-level category first, then the only one of that name at any level, then
    the names in `CATEGORY_SYNONYMS` or a "/"-part of a name such as 环境保护/生态环境); a label that
    matches nothing leaves the row unclassified instead of failing it (`unmatched` counts them)."""

    def __init__(self, *, category_by_name: bool = False):
        self._cache: dict[tuple[str, str], tuple[str | None, str, str]] = {}
        self.category_by_name = category_by_name
        self.unmatched: dict[str, int] = {}

    # each returns (code or None, display name, error message)
    def category(self, text: str):
        if self.category_by_name:
            found = self._cached("category_name", text, self._category_name)
            if not found[0]:
                self.unmatched[text] = self.unmatched.get(text, 0) + 1
            return found
        found = self._cached("category", text, self._category)
        if found[0] is None and text in CATEGORY_SYNONYMS:
            named = self._cached("category_name", text, self._category_name)
            if named[0]:
                return named
        return found

    def region(self, text: str):
        return self._cached("region", text, self._region)

    def unit(self, text: str):
        return self._cached("unit", text, self._unit)

    def handling_unit(self, text: str):
        return self._cached("handling_unit", text, self._handling_unit)

    def _cached(self, kind, text, fn):
        key = (kind, text)
        if key not in self._cache:
            self._cache[key] = fn(text)
        return self._cache[key]

    @staticmethod
    def _squash(text: str) -> str:
        return re.sub(r"[\s/／\\>＞\-—·|、,，]+", "", unicodedata.normalize("NFKC", text))

    def _category(self, text: str):
        qs = Category.objects.filter(is_active=True).select_related("parent", "parent__parent")
        found = qs.filter(code=text).first()
        if found is None and text.isdigit() and len(text) % 2 == 1:
            found = qs.filter(code="0" + text).first()  # Excel dropped the leading zero
        if found is not None:
            return found.code, found.full_name(), ""
        candidates = list(qs.filter(name=text))
        parts = [p for p in re.split(r"\s*[/／\\>＞|]\s*|\s*[-—]\s*", unicodedata.normalize("NFKC", text)) if p]
        if not candidates and len(parts) > 1:
            # a path such as 城乡建设/住房保障与房地产/物业管理 (names may hold a "/" themselves)
            tails = {"/".join(parts[i:]) for i in range(len(parts))} | set(parts)
            candidates = list(qs.filter(name__in=tails))
            want = self._squash(text)
            candidates = [c for c in candidates if self._squash(c.full_name()).endswith(want)]
        if len(candidates) == 1:
            return candidates[0].code, candidates[0].full_name(), ""
        if not candidates:
            return None, "", _("内容分类不存在：%(code)s") % {"code": text}
        return None, "", _("内容分类“%(name)s”对应多个分类（%(list)s），请填写分类代码或完整名称。") % {
            "name": text, "list": "；".join(f"{c.code} {c.full_name()}" for c in candidates[:5])}

    def _category_name(self, text: str):
        """(code, full name, "") of the category a label names, ("", "", "") when none does."""
        label = unicodedata.normalize("NFKC", text).strip()
        qs = Category.objects.filter(is_active=True).select_related("parent", "parent__parent")
        for name in (label, *CATEGORY_SYNONYMS.get(label, ())):
            found = list(qs.filter(name=name).order_by("level", "path")[:2])
            if found and (len(found) == 1 or found[0].level < found[1].level):
                return found[0].code, found[0].full_name(), ""
        # a name made of alternatives: 环境保护/生态环境, 国土/自然资源
        for c in qs.filter(name__contains=label).order_by("level", "path"):
            if label in re.split(r"\s*[/／、]\s*", c.name):
                return c.code, c.full_name(), ""
        return "", "", ""

    def _region(self, text: str):
        found = Region.objects.filter(code=text).first()
        if found is not None:
            return found.code, found.full_name(), ""
        want = self._squash(text)
        names = list(Region.objects.filter(name=text).select_related("parent"))
        if not names:
            # a longer form: the last names in the chain, e.g. 东湖区城关街道 or 示范市/东湖区
            tail = Region.objects.filter(name__in=self._tails(want))
            names = [r for r in tail if self._squash(r.full_name()).endswith(want)]
        if len(names) == 1:
            return names[0].code, names[0].full_name(), ""
        if not names:
            return None, "", _("问题属地不存在：%(code)s") % {"code": text}
        return None, "", _("问题属地“%(name)s”对应多个区划（%(list)s），请填写区划代码或带上级名称。") % {
            "name": text, "list": "；".join(f"{r.code} {r.full_name()}" for r in names[:5])}

    @staticmethod
    def _tails(text: str) -> list[str]:
        return [text[i:] for i in range(len(text)) if len(text) - i >= 2][:40]

    def _unit(self, text: str):
        return self._unit_in(Unit.objects.all(), text, _("被反映单位“%(name)s”对应多个单位，请填写单位代码。"),
                             _("被反映单位不存在：%(code)s"))

    def _handling_unit(self, text: str):
        return self._unit_in(Unit.objects.filter(is_active=True), text,
                             _("承办单位“%(name)s”对应多个单位，请填写单位代码。"), _("承办单位不存在或已停用：%(code)s"))

    @staticmethod
    def _unit_in(qs, text: str, ambiguous: str, missing: str):
        found = qs.filter(code=text).first()
        if found is None:
            matches = list(qs.filter(name=text)[:3]) or list(qs.filter(short_name=text)[:3])
            if len(matches) > 1:
                return None, "", ambiguous % {"name": text}
            found = matches[0] if matches else None
        if found is None:
            return None, "", missing % {"code": text}
        return found.code, found.name, ""
