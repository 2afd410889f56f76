"""The portal's petition form: what the citizen posted (kept as typed for a re-render) and the choices
the form offers (natures, the 内容分类 tree in first-level groups, the regions of the intake unit)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.org.models import Region
from xinfang.petitions.choices import Nature
from xinfang.petitions.models import Category

from .selectors.profile import intake_unit
from .services.submit import Submission

HONEYPOT = "website"  # a field people never see; a bot that fills it is refused
TEXTS = ("nature", "title", "content", "demands", "category", "problem_region", "accused_person", "name",
         "id_number", "phone", "address")
MAX_INPUT = 60_000  # characters kept of any one posted text (the limits themselves are the service's)
MAX_REGIONS = 3000

NATURE_HELP = {
    Nature.SUGGESTION: gettext_lazy("对政府工作提出建议、意见。"),
    Nature.ACCUSATION: gettext_lazy("检举、控告公职人员或单位的违法失职行为，可以匿名。"),
    Nature.APPEAL: gettext_lazy("反映自身合法权益受到侵害，要求解决问题。"),
}


@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class Group:
    label: str
    options: tuple[Option, ...]


def submission_from_post(post, files=None) -> Submission:
    values = {k: (post.get(k) or "")[:MAX_INPUT] for k in TEXTS}
    for k in ("nature", "category", "problem_region", "name", "id_number", "phone"):
        values[k] = values[k].strip()
    uploads = [f for f in (files.getlist("attachments") if files is not None else []) if f and f.name]
    return Submission(**values, anonymous=post.get("anonymous") in ("on", "1", "true"), files=uploads)


def honeypot_filled(post) -> bool:
    return bool((post.get(HONEYPOT) or "").strip())


def nature_options() -> list[dict]:
    return [{"code": code, "label": label, "help": NATURE_HELP[code]} for code, label in Nature.choices]


def category_groups() -> list[Group]:
    """The active categories: one group per first-level category, starting with that category itself
    (when the citizen is unsure of the detail), then its second and third levels ("二级 / 三级")."""
    rows = list(Category.objects.filter(is_active=True).order_by("path").values_list("code", "name", "path"))
    names = {code: name for code, name, _path in rows}
    groups: dict[str, list[Option]] = {}
    labels: dict[str, str] = {}
    for code, name, path in rows:
        parts = path.strip("/").split("/")
        root = parts[0]
        if root not in names:  # below an inactive first level: not offered
            continue
        if code == root:
            labels[root] = name
            groups.setdefault(root, []).insert(0, Option(code, _("%(name)s（其他或不确定）") % {"name": name}))
            continue
        label = " / ".join(names.get(c, c) for c in parts[1:])
        groups.setdefault(root, []).append(Option(code, label))
    return [Group(labels[root], tuple(opts)) for root, opts in groups.items() if root in labels]


def region_options() -> list[Option]:
    """The regions under the intake unit's region (itself first), labelled from below it: "区 / 镇 / 村"."""
    unit = intake_unit()
    qs = Region.objects.all()
    top = unit.region if unit is not None and unit.region_id else None
    if top is not None:
        qs = qs.filter(path__startswith=top.path)
    regions = list(qs.order_by("path").values_list("code", "name", "path")[:MAX_REGIONS])
    names = {code: name for code, name, _path in regions}
    skip = len(top.path.strip("/").split("/")) - 1 if top is not None else 0
    out = []
    for code, name, path in regions:
        parts = path.strip("/").split("/")[skip:]
        out.append(Option(code, " / ".join(names.get(c, c) for c in parts) or name))
    return out


__all__ = ["HONEYPOT", "Group", "Option", "category_groups", "honeypot_filled", "nature_options",
           "region_options", "submission_from_post"]
