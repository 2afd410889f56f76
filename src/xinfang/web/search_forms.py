"""The 查询 (search) filter form: GET parameters in, a `PetitionFilter` out."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from xinfang.org.choices import Level
from xinfang.org.jurisdiction import visible_units
from xinfang.org.models import Region
from xinfang.petitions.choices import Channel, Status, VisitKind
from xinfang.petitions.filters import PetitionFilter
from xinfang.petitions.search import MAX_QUERY_CHARS
from xinfang.petitions.selectors import categories_tree

FLAG_FIELDS = ("overdue", "urgent", "escalated", "litigation", "anonymous", "repeat")
# the GET parameters that make up a search (kept in saved filters and export links)
PARAMS = ("q", "status", "channel", "visit_kind", "category", "unit", "region", "received_from", "received_to",
          *FLAG_FIELDS, "sort")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=MAX_QUERY_CHARS,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("标题、内容中的任意词语，或信访人的完整姓名")}))
    status = forms.MultipleChoiceField(label=_("状态"), required=False, choices=Status.choices,
                                       widget=forms.CheckboxSelectMultiple)
    channel = forms.MultipleChoiceField(label=_("信访形式"), required=False, choices=Channel.choices,
                                        widget=forms.CheckboxSelectMultiple)
    visit_kind = forms.MultipleChoiceField(label=_("来访类型"), required=False, choices=VisitKind.choices,
                                           widget=forms.CheckboxSelectMultiple)
    category = forms.ChoiceField(label=_("内容分类"), required=False)
    unit = forms.ChoiceField(label=_("单位"), required=False)
    region = forms.ChoiceField(label=_("问题属地"), required=False)
    received_from = forms.DateField(label=_("收到日期自"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    received_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label=_("已超期"), required=False)
    urgent = forms.BooleanField(label=_("紧急"), required=False)
    escalated = forms.BooleanField(label=_("越级"), required=False)
    litigation = forms.BooleanField(label=_("涉法涉诉"), required=False)
    anonymous = forms.BooleanField(label=_("匿名"), required=False)
    repeat = forms.BooleanField(label=_("重复信访"), required=False)

    def __init__(self, data=None, *, user=None, **kwargs):
        super().__init__(data, **kwargs)
        blank = [("", _("全部"))]
        self.fields["category"].choices = blank + [
            (c.code, "\u3000" * (c.level - 1) + c.name) for c in categories_tree()]
        units = visible_units(user).order_by("path") if user is not None else []
        self.fields["unit"].choices = blank + [(u.code, u.name) for u in units]
        regions = Region.objects.exclude(level=Level.VILLAGE).order_by("path").only("code", "name", "path")
        self.fields["region"].choices = blank + [
            (r.code, "\u3000" * (r.path.count("/") - 2) + r.name) for r in regions]

    @property
    def options(self) -> dict[str, list[tuple[str, str, bool]]]:
        """(value, label, selected) per choice field: rendered by a plain loop, ~20x faster than
        Django's per-option widget templates (the category and region lists are long)."""
        out = {}
        for name in ("category", "unit", "region", "status", "channel", "visit_kind"):
            value = self[name].value()
            chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value or "")}
            out[name] = [(str(v), str(label), str(v) in chosen) for v, label in self.fields[name].choices]
        return out

    @property
    def multi_fields(self):
        return [self[name] for name in ("status", "channel", "visit_kind")]

    @property
    def flag_fields(self):
        return [(name, self.fields[name].label, bool(self[name].value())) for name in FLAG_FIELDS]

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("结束日期不能早于开始日期。"))
        return data

    def to_filter(self) -> PetitionFilter:
        d = self.cleaned_data
        return PetitionFilter(
            q=(d.get("q") or "").strip(), status=d.get("status") or [], channel=d.get("channel") or [],
            visit_kind=d.get("visit_kind") or [], category=d.get("category") or "", unit=d.get("unit") or "",
            region=d.get("region") or "", received_from=d.get("received_from"), received_to=d.get("received_to"),
            **{name: bool(d.get(name)) for name in FLAG_FIELDS})

    def criteria(self) -> list[tuple[str, str]]:
        """(label, value) of every criterion in use, for the page and the export's first rows."""
        out = []
        for name, fld in self.fields.items():
            value = self.cleaned_data.get(name)
            if not value:
                continue
            if isinstance(fld, forms.BooleanField):
                out.append((str(fld.label), "✓"))
            elif isinstance(fld, forms.MultipleChoiceField):
                labels = dict(fld.choices)
                out.append((str(fld.label), "、".join(str(labels.get(v, v)) for v in value)))
            elif isinstance(fld, forms.ChoiceField):
                labels = dict(fld.choices)
                out.append((str(fld.label), str(labels.get(value, value)).strip("\u3000")))
            else:
                out.append((str(fld.label), str(value)))
        return out


def search_params(data: QueryDict) -> QueryDict:
    """Only the known search parameters of `data`, without empty values (for links and saving)."""
    keep = QueryDict(mutable=True)
    for key in PARAMS:
        values = [v for v in data.getlist(key) if v.strip()]
        if values:
            keep.setlist(key, [v[:200] for v in values[:20]])
    return keep


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=64, strip=True)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
