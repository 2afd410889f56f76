"""系统管理 · 时限规则: the defaults (S22 maxima) and the units' own, tighter limits."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from xinfang.common.errors import ApplicationError
from xinfang.org.admin_scope import admin_covers, is_global_admin, managed_q, require_admin
from xinfang.org.models import Unit
from xinfang.reports.exports import table_xlsx
from xinfang.workflow import config_services
from xinfang.workflow import deadlines as dl
from xinfang.workflow.choices import DeadlineKind
from xinfang.workflow.models import DeadlinePolicy

from ..common import export_requested, xlsx_download
from .common import admin_required, not_found_or, post_values, render_manage, unit_choices

EXTRA_LABELS = {
    "extension_max": gettext_lazy("延期上限"),
    "hotline_consult": gettext_lazy("12345热线·咨询"),
    "hotline_help": gettext_lazy("12345热线·求助"),
    "hotline_suggest": gettext_lazy("12345热线·建议"),
    "hotline_complaint": gettext_lazy("12345热线·投诉"),
    "hotline_report": gettext_lazy("12345热线·举报"),
}


def policy_label(key: str) -> str:
    labels = dict(DeadlineKind.choices)
    return str(labels.get(key) or EXTRA_LABELS.get(key) or key)


def _policy_rows(user) -> list[dict]:
    """Per time limit: the law's days, the default row (if edited) and the overrides `user` manages."""
    defaults = {p.key: p for p in DeadlinePolicy.objects.filter(unit__isnull=True)}
    overrides = DeadlinePolicy.objects.filter(unit__isnull=False).select_related("unit").order_by("unit__path")
    if not is_global_admin(user):
        overrides = overrides.filter(managed_q(user, "unit"))
    by_key: dict[str, list] = {}
    for o in overrides:
        by_key.setdefault(o.key, []).append(o)
    rows = []
    for key, (days, working, source) in dl.DEFAULT_POLICIES.items():
        rows.append({"key": key, "label": policy_label(key), "law_days": days, "law_working": working,
                     "law_source": source, "row": defaults.get(key), "overrides": by_key.get(key, [])})
    return rows


@admin_required
def deadlines_view(request):
    rows = _policy_rows(request.user)
    if export_requested(request):
        return _export(request, rows)
    return render_manage(request, "web/manage/deadlines.html", {
        "rows": rows, "keys": [(k, policy_label(k)) for k in dl.DEFAULT_POLICIES],
        "units": unit_choices(request.user)}, tab="deadlines")


def _days_text(days: int, working: bool) -> str:
    return f"{days}{_('个工作日') if working else _('日')}"


def _export(request, rows: list[dict]):
    """One row per rule in force: the default of each time limit, then the units' own limits."""
    out = []
    for r in rows:
        law = _days_text(r["law_days"], r["law_working"])
        d = r["row"]
        out.append([r["label"], r["key"], _("默认"), d.days if d else r["law_days"],
                    d.working_days if d else r["law_working"], d.is_active if d else True,
                    (d.source if d else "") or r["law_source"], law])
        out += [[r["label"], r["key"], o.unit.name, o.days, o.working_days, o.is_active, o.source, law]
                for o in r["overrides"]]
    title = _("时限规则")
    made = table_xlsx(
        request.user, title=title,
        headers=[(_("时限项目"), 22), (_("项目代码"), 18), (_("适用单位"), 28), (_("天数"), 6), (_("按工作日计"), 10),
                 (_("启用"), 6), (_("依据"), 40), (_("法定/默认"), 12)],
        rows=out)
    return xlsx_download(request, made, title=title, data={"table": "manage.deadlines"})


def _parse_days(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise ApplicationError(_("天数应为整数。"), "invalid", "days") from None


def _save(request, policy: DeadlinePolicy, values: dict) -> DeadlinePolicy:
    policy.days = _parse_days(values.get("days"))
    policy.working_days = request.POST.get("working_days") in ("on", "1", "true")
    policy.is_active = request.POST.get("is_active") in ("on", "1", "true")
    policy.source = (values.get("source") or "")[:128]
    return config_services.deadline_policy_save(actor=request.user, policy=policy)


@admin_required
def deadline_edit_view(request, policy_id):
    policy = DeadlinePolicy.objects.select_related("unit", "unit__region").filter(pk=policy_id).first()
    if policy is None or not admin_covers(request.user, policy.unit):
        raise Http404
    error = None
    if request.method == "POST":
        values = post_values(request, "days", "source")
        try:
            _save(request, policy, values)
        except ApplicationError as exc:
            error = not_found_or(exc)
        else:
            messages.success(request, _("已保存时限：%(k)s") % {"k": policy_label(policy.key)})
            return redirect("web:manage_deadlines")
    law = dl.DEFAULT_POLICIES.get(policy.key)
    return render_manage(request, "web/manage/deadline_form.html", {
        "policy": policy, "label": policy_label(policy.key), "law": law, "error": error},
        tab="deadlines", status=error.status if error else 200)


@admin_required
@require_POST
def deadline_override_view(request):
    """Add (or change) a unit's own limit for one key."""
    values = post_values(request, "key", "unit", "days", "source")
    try:
        unit = Unit.objects.select_related("region").filter(code=values["unit"]).first()
        if unit is None:
            raise ApplicationError(_("单位不存在：%(v)s") % {"v": values["unit"] or "—"}, "invalid", "unit")
        require_admin(request.user, unit)
        if values["key"] not in dl.DEFAULT_POLICIES:
            raise ApplicationError(_("请选择时限项目。"), "invalid", "key")
        policy = DeadlinePolicy.objects.filter(key=values["key"], unit=unit).first() or \
            DeadlinePolicy(key=values["key"], unit=unit)
        _save(request, policy, values)
    except ApplicationError as exc:
        exc = not_found_or(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存%(u)s的时限：%(k)s") % {"u": unit.name, "k": policy_label(values["key"])})
    return redirect("web:manage_deadlines")


@admin_required
@require_POST
def deadline_delete_view(request, policy_id):
    policy = DeadlinePolicy.objects.select_related("unit", "unit__region").filter(pk=policy_id).first()
    if policy is None or policy.unit_id is None or not admin_covers(request.user, policy.unit):
        raise Http404
    try:
        config_services.deadline_policy_delete(actor=request.user, policy_id=policy.pk)
    except ApplicationError as exc:
        exc = not_found_or(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除%(u)s的时限，恢复使用默认时限。") % {"u": policy.unit.name})
    return redirect("web:manage_deadlines")
