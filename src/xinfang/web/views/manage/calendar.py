"""系统管理 · 节假日: per year, the holidays and 调休 workdays; one day at a time or a whole year pasted
from the State Council notice. Every change recomputes the open deadlines it touches. For a year whose
schedule is not entered, the statutory holidays the deadlines use (computed from the 放假办法) are
shown apart, marked as computed and provisional."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.common.calendar import statutory_holidays
from xinfang.common.errors import ApplicationError
from xinfang.common.models import CalendarDay, CalendarYear
from xinfang.common.text import normalise
from xinfang.org.admin_scope import require_global_admin
from xinfang.reports.exports import table_xlsx
from xinfang.workflow import config_services
from xinfang.workflow.models import Deadline
from xinfang.workflow.services import calendar_year_set

from ..common import export_requested, xlsx_download
from .common import admin_required, not_found_or, render_manage

REST_WORDS = {"休", "假", "休息", "放假", "节假日", "holiday", "off", "rest"}
WORK_WORDS = {"班", "上班", "补班", "调休上班", "工作日", "workday", "work"}
_DATE = r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
_LINE = re.compile(rf"^{_DATE}(?:\s*(?:~|至|到|--|—|－|\.\.)\s*{_DATE})?\s+(\S+)(?:\s+(.*))?$")
WEEKDAYS = [gettext_lazy("周一"), gettext_lazy("周二"), gettext_lazy("周三"), gettext_lazy("周四"),
            gettext_lazy("周五"), gettext_lazy("周六"), gettext_lazy("周日")]
MAX_RANGE = 31


def parse_schedule(text: str) -> list[tuple[dt.date, bool, str]]:
    """Lines like "2027-01-01 休 元旦", "2027-02-05~2027-02-11 休 春节" or "2027-02-14 班 春节调休".
    Blank lines and lines starting with # are skipped. Raises ApplicationError naming the bad line."""
    days: dict[dt.date, tuple[bool, str]] = {}
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = normalise(raw)
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        bad = ApplicationError(_("第%(n)d行格式不正确：“%(line)s”。应为“2027-01-01 休 元旦”或“2027-02-14 班 春节调休”。")
                               % {"n": n, "line": raw.strip()[:60]}, "invalid", "schedule")
        if not m:
            raise bad
        try:
            start = dt.date(int(m[1]), int(m[2]), int(m[3]))
            end = dt.date(int(m[4]), int(m[5]), int(m[6])) if m[4] else start
        except ValueError:
            raise ApplicationError(_("第%(n)d行的日期不存在：“%(line)s”。") % {"n": n, "line": raw.strip()[:60]},
                                   "invalid", "schedule") from None
        word = m[7].lower()
        if word in REST_WORDS:
            is_workday = False
        elif word in WORK_WORDS:
            is_workday = True
        else:
            raise bad
        if end < start or (end - start).days >= MAX_RANGE:
            raise ApplicationError(_("第%(n)d行的日期范围无效（最多%(m)d天）。") % {"n": n, "m": MAX_RANGE},
                                   "invalid", "schedule")
        name = (m[8] or "").strip()[:64]
        day = start
        while day <= end:
            if day in days and days[day][0] != is_workday:
                raise ApplicationError(_("第%(n)d行：%(d)s 与前面的行矛盾。") % {"n": n, "d": day.isoformat()},
                                       "invalid", "schedule")
            days[day] = (is_workday, name)
            day += dt.timedelta(days=1)
    if not days:
        raise ApplicationError(_("请粘贴该年的节假日安排，每行一天或一段日期。"), "invalid", "schedule")
    return [(d, w, nm) for d, (w, nm) in sorted(days.items())]


def _year_param(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


def _as_text(rows) -> str:
    return "\n".join(f"{r.date.isoformat()} {'班' if r.is_workday else '休'} {r.name}".rstrip() for r in rows)


@admin_required
def calendar_view(request):
    today = timezone.localdate()
    missing = config_services.calendar_missing_years(today)
    year = _year_param(request.GET.get("year") or request.POST.get("year"), missing[0] if missing else today.year)
    error, paste = None, None
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            require_global_admin(request.user)
            count, done = _apply(request, op, year)
        except ApplicationError as exc:
            error = not_found_or(exc)
            paste = request.POST.get("schedule") if op == "paste" else None
        else:
            messages.success(request, done + _("已重新计算%(n)d个未完成的时限。") % {"n": count})
            return redirect(f"{request.path}?year={year}")
    rows = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
    for r in rows:
        r.weekday = WEEKDAYS[r.date.weekday()]
    if request.method == "GET" and export_requested(request):
        covered = CalendarYear.objects.filter(year=year).exists()
        return _export(request, year, rows, [] if covered else _computed_rows(year, rows))
    covered = CalendarYear.objects.filter(year=year).first()
    years = sorted(set(CalendarYear.objects.values_list("year", flat=True)) | {today.year, today.year + 1, year})
    provisional = Deadline.objects.filter(provisional=True, met_at__isnull=True, cancelled=False).count()
    computed = [] if covered else _computed_rows(year, rows)
    return render_manage(request, "web/manage/calendar.html", {
        "year": year, "years": years, "rows": rows, "covered": covered, "missing": missing, "computed": computed,
        "holidays": sum(1 for r in rows if not r.is_workday), "workdays": sum(1 for r in rows if r.is_workday),
        "provisional": provisional, "error": error,
        "paste": paste if paste is not None else _as_text(rows), "values": request.POST if error else {}},
        tab="calendar", status=error.status if error else 200)


class ComputedDay:
    """A statutory holiday computed for a year without an entered schedule (for display only)."""

    def __init__(self, date: dt.date, name: str, entered: CalendarDay | None):
        self.date, self.name, self.entered = date, name, entered
        self.weekday = WEEKDAYS[date.weekday()]


def _computed_rows(year: int, rows: list[CalendarDay]) -> list[ComputedDay]:
    """The statutory holidays of `year` by the 放假办法; `entered` is the admin's row for the same day
    (which wins over the computed one)."""
    entered = {r.date: r for r in rows}
    return [ComputedDay(d, name, entered.get(d)) for d, name in statutory_holidays(year).items()]


def _export(request, year: int, rows: list[CalendarDay], computed: list[ComputedDay]):
    title = _("%(year)s年节假日安排") % {"year": year}
    notes = [_("只列出与“周一至周五上班、周六周日休息”不同的日子（以及节日期间的周末）。")]
    if computed:
        days = "；".join(f"{c.date.isoformat()} {c.name}" for c in computed if c.entered is None)
        notes.append(_("该年的国务院节假日安排尚未录入。按《全国年节及纪念日放假办法》推算的法定节假日（暂定，"
                       "期限届满日不落在这些日子）：%(days)s。") % {"days": days or _("（均已录入）")})
    made = table_xlsx(
        request.user, title=title, sheet_title=str(year),
        headers=[(_("日期"), 12), (_("星期"), 6), (_("安排"), 10), (_("名称"), 20)],
        rows=([r.date, r.weekday, _("调休上班") if r.is_workday else _("休息"), r.name] for r in rows),
        criteria=[(_("年份"), year)],
        notes=notes)
    return xlsx_download(request, made, title=title, data={"table": "manage.calendar", "year": year})


def _date(value, field="date") -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise ApplicationError(_("请填写有效的日期。"), "invalid", field) from None


def _apply(request, op: str, year: int) -> tuple[int, str]:
    actor, post = request.user, request.POST
    if op == "add":
        day = _date(post.get("date"))
        if day.year != year:
            raise ApplicationError(_("日期%(d)s不属于%(y)d年。") % {"d": day, "y": year}, "invalid", "date")
        is_workday = post.get("kind") == "work"
        name = (post.get("name") or "").strip()[:64]
        count = config_services.calendar_day_save(actor=actor, day=day, is_workday=is_workday, name=name)
        return count, _("已保存 %(d)s（%(k)s）。") % {"d": day.isoformat(), "k": _("上班") if is_workday else _("休息")}
    if op == "delete":
        day = _date(post.get("date"))
        count = config_services.calendar_day_delete(actor=actor, day=day)
        return count, _("已删除 %(d)s，该日按普通周末规则计算。") % {"d": day.isoformat()}
    if op in ("mark", "unmark"):
        count = config_services.calendar_year_mark(actor=actor, year=year, covered=op == "mark")
        if op == "mark":
            return count, _("已将%(y)d年标记为安排已完整录入。") % {"y": year}
        return count, _("已取消%(y)d年的完整标记，跨入该年的时限将标记为待定。") % {"y": year}
    if op == "paste":
        days = parse_schedule(post.get("schedule") or "")
        count = calendar_year_set(actor=actor, year=year, days=days)
        return count, _("已录入%(y)d年节假日安排（%(n)d天）。") % {"y": year, "n": len(days)}
    raise ApplicationError(_("未知的操作。"), "invalid")
