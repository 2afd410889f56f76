"""批量导入: upload a ledger, check the mapping on a preview, import it in the background.

Thin views over `xinfang.imports`: parse the form, call one service, render.
"""

from __future__ import annotations

import io
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xinfang.common.errors import ApplicationError, NotFound
from xinfang.imports import limits
from xinfang.imports.access import register_units
from xinfang.imports.fields import FIELD_ORDER, field_label
from xinfang.imports.mapping import mapping_from_columns, mapping_problems
from xinfang.imports.progress import job_progress
from xinfang.imports.selectors import import_job_get, import_job_preview, import_jobs_of
from xinfang.imports.services import import_job_create, import_job_start, import_job_update
from xinfang.petitions.choices import Channel, DemandType, Nature
from xinfang.petitions.models import ImportJob
from xinfang.reports.exports import table_xlsx

from .common import export_requested, xlsx_download

ERRORS_SHOWN = 500


def _job_or_404(request, job_id) -> ImportJob:
    try:
        return import_job_get(request.user, job_id)
    except NotFound:
        raise Http404 from None


def _field_choices():
    return [("", _("（不导入）"))] + [(name, f"{field_label(name)}") for name in FIELD_ORDER]


@login_required
def import_view(request):
    """The upload form and the user's recent imports."""
    units = register_units(request.user)
    error, status = None, 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if not units:
            error = ApplicationError(_("您没有登记信访件的权限。"), "illegal_transition")
        elif upload is None:
            error = ApplicationError(_("请选择要导入的文件（.xlsx 或 .csv）。"), "invalid", "file")
        elif upload.size > limits.MAX_BYTES:
            error = ApplicationError(_("文件过大：不能超过%(mb)d MB。请拆分后分批导入。") % {
                "mb": limits.MAX_BYTES >> 20}, "invalid", "file")
        else:
            try:
                job = import_job_create(actor=request.user, filename=upload.name, data=upload.read(),
                                        unit_code=request.POST.get("unit") or None,
                                        channel=request.POST.get("channel", ""))
            except ApplicationError as exc:
                error = exc
            else:
                return redirect("web:import_job", job_id=job.pk)
        status = error.status if error else 200
    elif export_requested(request):
        return _export(request)
    return render(request, "web/imports/index.html", {
        "active": "imports", "units": units, "channels": Channel.choices, "error": error,
        "jobs": import_jobs_of(request.user), "max_rows": limits.MAX_ROWS,
        "max_mb": limits.MAX_BYTES >> 20, "values": request.POST,
    }, status=status)


def _export(request):
    """最近的导入 (the user's own jobs) as xlsx."""
    title = _("最近的导入")
    made = table_xlsx(
        request.user, title=title,
        headers=[(_("文件名"), 36), (_("上传时间"), 18), (_("登记单位"), 22), (_("状态"), 10), (_("行数"), 8),
                 (_("已导入"), 8)],
        rows=([j.filename, j.created_at, j.unit.name, j.get_state_display(), j.total_rows or "",
               j.created_count or ""] for j in import_jobs_of(request.user)))
    return xlsx_download(request, made, title=title, data={"table": "imports"})


def _posted_mapping(request, headers: list[str]) -> dict[str, str]:
    chosen = {}
    for i in range(len(headers)):
        key = f"map_{i}"
        if key in request.POST:
            chosen[i] = request.POST.get(key, "")
    return mapping_from_columns(headers, chosen)


def _job_context(request, job: ImportJob, *, error=None, mapping=None) -> dict:
    ctx = {"active": "imports", "job": job, "error": error, "field_choices": _field_choices(),
           "channels": Channel.choices, "preview": None, "file_error": None,
           "errors": job.errors[:ERRORS_SHOWN], "errors_more": max(len(job.errors) - ERRORS_SHOWN, 0),
           "editable": job.state in (ImportJob.State.UPLOADED, ImportJob.State.PREVIEWED, ImportJob.State.FAILED),
           "running": job.state in (ImportJob.State.QUEUED, ImportJob.State.RUNNING)}
    if ctx["editable"]:
        try:
            ctx["preview"] = import_job_preview(job, mapping=mapping)
        except ApplicationError as exc:
            ctx["file_error"] = exc
            ctx["editable"] = False
    if ctx["running"]:
        ctx.update(_progress_context(job))
    return ctx


@login_required
def import_job_view(request, job_id):
    """GET: the mapping and the preview (or the progress, or the result). POST: change the mapping."""
    job = _job_or_404(request, job_id)
    if request.method == "POST":
        try:
            preview = import_job_preview(job)
            mapping = _posted_mapping(request, preview.table.headers)
            import_job_update(actor=request.user, job=job, mapping=mapping,
                              channel=request.POST.get("channel", job.channel))
        except ApplicationError as exc:
            job.refresh_from_db()
            # htmx swaps only successful responses: the error is shown inside the swapped form
            return render(request, "web/imports/job.html", _job_context(request, job, error=exc),
                          status=200 if request.htmx else exc.status)
        if not request.htmx:
            return redirect("web:import_job", job_id=job.pk)
    return render(request, "web/imports/job.html", _job_context(request, job))


@login_required
@require_POST
def import_commit_view(request, job_id):
    """开始导入: save the mapping shown on the page, then queue the job."""
    job = _job_or_404(request, job_id)
    try:
        if any(k.startswith("map_") for k in request.POST):
            preview = import_job_preview(job)
            mapping = _posted_mapping(request, preview.table.headers)
            import_job_update(actor=request.user, job=job, mapping=mapping,
                              channel=request.POST.get("channel", job.channel))
            problems = mapping_problems(mapping, job.channel)
            if problems:
                raise ApplicationError(problems[0], "invalid", "mapping")
        import_job_start(actor=request.user, job=job)
    except ApplicationError as exc:
        job.refresh_from_db()
        return render(request, "web/imports/job.html", _job_context(request, job, error=exc), status=exc.status)
    return redirect("web:import_job", job_id=job.pk)


def _progress_context(job: ImportJob) -> dict:
    phase, done, total = job_progress(job)
    percent = int(done * 100 / total) if total else 0
    return {"phase": phase, "done": done, "total": total, "percent": percent}


@login_required
@require_GET
def import_progress_view(request, job_id):
    """The progress bar, polled by htmx every second; a finished job reloads the page."""
    job = _job_or_404(request, job_id)
    ctx = {"job": job, "oob": request.htmx, **_progress_context(job)}
    response = render(request, "web/imports/_progress.html", ctx)
    if ctx["phase"] == "finished" and request.htmx:
        response["HX-Refresh"] = "true"
    return response


# the header row of the template: (header, width, note)
TEMPLATE_COLUMNS = [
    ("原编号", 14, "选填。原台账或原系统中的编号，用于防止重复导入。"),
    ("收到时间", 18, "必填。如 2026-03-02 09:30、2026/3/2、2026年3月2日；不带时间按 0 点，北京时间。"),
    ("信访形式", 12, "必填（或导入时指定默认值）。来信、来访、来电、网上信访、电子邮件、传真、12345热线、上级转交办。"),
    ("标题", 28, "必填。不超过200字；若整列缺失，取反映内容的第一句。"),
    ("反映内容", 50, "必填。"),
    ("诉求", 30, "选填。"),
    ("内容分类", 16, "选填。分类代码（如 010101）或名称（如 物业管理，或 城乡建设/住房保障与房地产/物业管理）。"),
    ("性质", 12, "选填，默认申诉求决类。建议意见类、检举控告类、申诉求决类。"),
    ("诉求类型", 10, "选填。咨询、求助、投诉、举报、建议、感谢、其他。"),
    ("问题属地", 16, "选填。区划代码或名称（如 东湖区城关街道）。"),
    ("人数", 8, "选填，默认为信访人数量。"),
    ("信访人姓名", 12, "必填（匿名件填“匿名”）。多人用顿号分隔，或写“张三等5人”。"),
    ("身份证号", 22, "选填。18位，请把本列设为文本格式。"),
    ("联系电话", 15, "选填。手机号或带区号的固定电话。"),
    ("地址", 30, "选填。"),
    ("被反映单位", 16, "选填。单位代码或全称。"),
    ("被反映人", 10, "选填。"),
    ("是否紧急", 10, "选填。是/否。"),
    ("是否匿名", 10, "选填。是/否。"),
    ("涉法涉诉", 10, "选填。是/否。"),
    ("状态", 10, "选填，历史台账用。已登记、已受理、办理中（按已受理导入）、已答复、已办结；不填时按所填的最晚时间确定。"),
    ("受理时间", 18, "选填。已受理、已答复、已办结的必填；不早于收到时间，不晚于今天。"),
    ("答复时间", 18, "选填。出具处理意见的时间；已答复、已办结的必填；不早于受理时间。"),
    ("办结时间", 18, "选填。已办结的必填；不早于答复时间。"),
    ("处理结果", 12, "选填。支持、解释说明、不予支持；已答复、已办结的必填。"),
    ("承办单位", 16, "选填。单位代码或全称；默认为登记单位。"),
]


@login_required
@require_GET
def import_template_view(request):
    """下载导入模板: an xlsx with the expected headers, generated now (never a committed binary)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    if not register_units(request.user):
        raise Http404
    wb = Workbook()
    ws = wb.active
    ws.title = _("信访件")
    required = {"收到时间", "信访形式", "标题", "反映内容", "信访人姓名"}
    ws.append([h for h, _w, _n in TEMPLATE_COLUMNS])
    for i, (header, width, note) in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="A61B1B" if header in required else "4A5A6A")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.comment = Comment(note, "xinfang")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = width
        if header in ("收到时间", "受理时间", "答复时间", "办结时间"):
            for row in range(2, 1002):
                ws.cell(row=row, column=i).number_format = "yyyy-mm-dd hh:mm"
        if header in ("身份证号", "联系电话", "原编号", "内容分类", "问题属地"):
            for row in range(2, 1002):
                ws.cell(row=row, column=i).number_format = "@"  # text: keeps all 18 digits and leading zeros
    ws.freeze_panes = "A2"
    lists = {
        "信访形式": [str(label) for _v, label in Channel.choices],
        "性质": [str(label) for _v, label in Nature.choices],
        "诉求类型": [str(label) for _v, label in DemandType.choices],
        "是否紧急": ["是", "否"], "是否匿名": ["是", "否"], "涉法涉诉": ["是", "否"],
        "状态": ["已登记", "已受理", "办理中", "已答复", "已办结"], "处理结果": ["支持", "解释说明", "不予支持"],
    }
    for i, (header, _w, _n) in enumerate(TEMPLATE_COLUMNS, start=1):
        if header in lists:
            dv = DataValidation(type="list", formula1='"' + ",".join(lists[header]) + '"', allow_blank=True)
            dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}5000")
            ws.add_data_validation(dv)
    help_ws = wb.create_sheet(_("填写说明"))
    help_ws.append([_("列"), _("说明")])
    for header, _w, note in TEMPLATE_COLUMNS:
        help_ws.append([header, note])
    help_ws.append([])
    help_ws.append([_("说明"), _("每次最多导入%(n)d行。全部行校验无误才会导入，任何一行有错误则全部不导入，并列出每一处错误。")
                    % {"n": limits.MAX_ROWS}])
    help_ws.append([_("示例"), "2026-03-02 09:30 | 来访 | 小区物业违规收取停车费 | …… | 张三 | 13800138000"])
    help_ws.column_dimensions["A"].width = 14
    help_ws.column_dimensions["B"].width = 100
    for cell in help_ws[1]:
        cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = quote(_("信访件导入模板") + ".xlsx")
    response["Content-Disposition"] = f"attachment; filename=\"import-template.xlsx\"; filename*=UTF-8''{name}"
    return response
