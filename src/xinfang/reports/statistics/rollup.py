"""Rolling raw group values (ids) up to report rows with readable keys and labels."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from xinfang.org.jurisdiction import units_of
from xinfang.org.models import Region, Unit
from xinfang.petitions.choices import Channel, Nature, VisitKind
from xinfang.petitions.models import Category

from .aggregation import Counts

# ---- rolling groups up to readable keys ----------------------------------------------------------

@dataclass
class Row:
    key: str  # what drill() takes
    label: str
    counts: Counts = field(default_factory=Counts)
    previous: Counts | None = None  # 同比
    prior: Counts | None = None  # 环比
    sort: tuple = ()


class Rollup:
    """Maps raw group values (ids) of one dimension to report keys and labels."""

    def __init__(self, dim: str, anchor: Region | None = None):
        self.dim = dim
        self.anchor = anchor
        self._units: dict[int, Unit] = {}
        self._cats: dict[int, Category] = {}
        self._regions: dict[int, Region] = {}
        self._by_code: dict[str, Region] = {}

    def prepare(self, raw_values: Iterable) -> None:
        ids = {v for v in raw_values if v not in (None, "")}
        if self.dim == "unit":
            self._units.update({u.pk: u for u in Unit.objects.filter(pk__in=ids)})
        elif self.dim == "category":
            cats = {c.pk: c for c in Category.objects.all()}
            self._cats.update(cats)
            self._cat_code = {c.code: c for c in cats.values()}
        elif self.dim == "region":
            regions = list(Region.objects.filter(pk__in=ids))
            codes = {code for r in regions for code in r.path.strip("/").split("/")}
            if self.anchor is not None:
                codes |= set(self.anchor.path.strip("/").split("/"))
            for r in Region.objects.filter(code__in=codes):
                self._by_code[r.code] = r
            for r in regions:
                self._regions[r.pk] = r
                self._by_code[r.code] = r
            if self.anchor is None and regions:
                self.anchor = self._common_ancestor(regions)

    def _common_ancestor(self, regions: list[Region]) -> Region | None:
        paths = [r.path.strip("/").split("/") for r in regions]
        common = _common_codes(paths)
        if not common:
            return None
        # group by the children of the deepest common region (a single region is its own group)
        if all(len(p) == len(common) for p in paths):
            common = common[:-1]
        return self._by_code.get(common[-1]) if common else None

    def key(self, raw) -> tuple[str, str, tuple]:
        """(key, label, sort) of a raw group value."""
        if self.dim == "unit":
            unit = self._units.get(raw)
            return (unit.code, unit.name, (unit.path,)) if unit else ("", _("（未知单位）"), ("~",))
        if self.dim == "category":
            cat = self._cats.get(raw)
            if cat is None:
                return "", _("未分类"), ("~",)
            top = self._cat_code.get(cat.path.strip("/").split("/")[0], cat)
            return top.code, top.name, (top.path,)
        if self.dim == "region":
            region = self._regions.get(raw)
            if region is None:
                return "", _("未填写"), ("~",)
            parts = region.path.strip("/").split("/")
            if self.anchor is not None:
                anchor_parts = self.anchor.path.strip("/").split("/")
                if parts[:len(anchor_parts)] == anchor_parts and len(parts) > len(anchor_parts):
                    child = self._by_code.get(parts[len(anchor_parts)], region)
                    return child.code, child.name, (child.path,)
            return f"{region.code}=", region.name, (region.path,)
        if self.dim == "channel":
            return raw, str(Channel(raw).label) if raw in Channel.values else raw, (Channel.values.index(raw)
                                                                                    if raw in Channel.values else 99,)
        if self.dim == "visit_kind":
            if not raw:
                return "", _("非来访"), (9,)
            return raw, str(VisitKind(raw).label), (VisitKind.values.index(raw),)
        if self.dim == "nature":
            return raw, str(Nature(raw).label) if raw in Nature.values else raw, (raw,)
        if self.dim == "month":
            return raw, raw, (raw,)
        return str(raw), str(raw), (str(raw),)


def anchor_region(user, unit: Unit | None) -> Region | None:
    """Where 'by region' starts: the unit filter's region, else the common region of the user's units
    (None for a user without units: then the data's own common region)."""
    if unit is not None:
        return unit.region
    regions = [u.region for u in units_of(user)]
    if not regions:
        return None
    common = _common_codes([r.path.strip("/").split("/") for r in regions])
    return Region.objects.filter(code=common[-1]).first() if common else None


def _common_codes(paths: list[list[str]]) -> list[str]:
    """The region codes every path starts with (the common ancestors, outermost first)."""
    common = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return common


def rollup(dim: str, groups: dict[tuple, Counts], *, index: int = 0, rolled: Rollup | None = None,
           extra: Iterable[dict[tuple, Counts]] = ()) -> tuple[dict[str, Row], Rollup]:
    """Sum grouped Counts up to report rows of dimension `dim` (the `index`-th element of the keys)."""
    extra = list(extra)
    if rolled is None:
        rolled = Rollup(dim)
        rolled.prepare({k[index] for g in [groups, *extra] for k in g})
    rows: dict[str, Row] = {}
    for raw, counts in groups.items():
        key, label, sort = rolled.key(raw[index])
        row = rows.setdefault(key, Row(key, label, sort=sort))
        row.counts.add(counts)
    return rows, rolled


def _attach(rows: dict[str, Row], rolled: Rollup, groups: dict[tuple, Counts], index: int, attr: str) -> None:
    for raw, counts in groups.items():
        key, label, sort = rolled.key(raw[index])
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(key, label, sort=sort)
        if getattr(row, attr) is None:
            setattr(row, attr, Counts())
        getattr(row, attr).add(counts)
    for row in rows.values():
        if getattr(row, attr) is None:
            setattr(row, attr, Counts())
