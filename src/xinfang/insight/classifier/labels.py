"""The model's labels mapped to the deployment's first-level Category rows.

A label (a first-level category name as the training data spelled it) maps to the active first-level
category whose name is
1. exactly the label, else
2. the label's entry in `ALIASES` (the names one category had over the years, e.g. 卫生计生 for
   卫生健康 since the 2018 reform), else
3. a part of a name written with "/" (环境保护 for "环境保护/生态环境"; 自然资源 for "国土/自然资源"),
   or an alias of such a part.
A label that maps to nothing is never suggested.
"""

from __future__ import annotations

# label as trained -> the names a deployment may use for that category (first match wins)
ALIASES: dict[str, tuple[str, ...]] = {
    "卫生计生": ("卫生健康", "卫生和计划生育", "医疗卫生"),
    "卫生和计划生育": ("卫生健康", "卫生计生"),
    "卫生健康": ("卫生计生", "卫生和计划生育"),
    "环境保护": ("生态环境", "环保"),
    "生态环境": ("环境保护", "环保"),
    "国土资源": ("自然资源", "国土"),
    "自然资源": ("国土资源", "国土"),
    "劳动和社会保障": ("劳动社保", "人力资源和社会保障", "劳动保障"),
    "人力资源和社会保障": ("劳动和社会保障", "劳动社保"),
    "教育文体": ("教育", "教育文化体育"),
    "商贸旅游": ("商贸", "商务"),
    "交通运输": ("交通",),
    "城乡建设": ("住房城乡建设", "住建"),
    "农村农业": ("农业农村", "农林水利"),
    "农业农村": ("农村农业", "农林水利"),
}


def _parts(name: str) -> list[str]:
    return [p.strip() for p in name.split("/") if p.strip()]


def label_map(labels: list[str], roots: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """{label: (code, name)} for the labels that map to one of `roots` (first-level (code, name) rows)."""
    by_name = {name.strip(): (code, name) for code, name in roots}
    by_part: dict[str, tuple[str, str]] = {}
    for code, name in roots:
        for part in _parts(name):
            by_part.setdefault(part, (code, name))
    out: dict[str, tuple[str, str]] = {}
    for label in labels:
        key = label.strip()
        found = by_name.get(key)
        for alias in ALIASES.get(key, ()):
            if found is None:
                found = by_name.get(alias)
        if found is None:
            for candidate in (*_parts(key), *ALIASES.get(key, ())):
                found = by_part.get(candidate)
                if found is not None:
                    break
        if found is not None:
            out[label] = found
    return out
