"""超期通报: the overdue league table of a period (issue 10).

The units under a parent unit (as on the scorecard: its direct sub-units or every unit of a level),
ranked by their overdue petitions (超期件数, most first), then by the overdue rate (超期率 = 超期件数 ÷
信访件数), with each unit's overdue petitions listed (number, title, received, due day, which limit
was missed). The definitions are the scorecard's (`reports.scorecard`), which takes them from
`reports.statistics`. Titles are shown as `petition_texts` gives them to the viewer (an accusation's
identifiers masked outside its handling chain).

Outputs: the page, a print page, a PDF (WeasyPrint, the fonts of the notices) and an xlsx workbook.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.petitions.choices import Status
from xinfang.petitions.selectors import petition_texts
from xinfang.reports import scorecard as sc
from xinfang.reports import statistics as st

LEAGUE_MEASURES = ("items", "acc_missed", "rep_missed")
LIST_MAX = 200  # overdue petitions listed per unit (the count is always complete)


@dataclass
class LeagueItem:
    id: int
    number: str
    title: str
    received_at: dt.datetime
    due_on: dt.date | None
    status: str
    missed: str  # 受理 / 办理 / 受理、办理
    unit_name: str


@dataclass
class LeagueRow:
    unit: object
    items: int
    overdue: int
    rank: int | None
    petitions: list[LeagueItem]

    @property
    def overdue_rate(self) -> float | None:
        return None if not self.items else float(st.round_half_up(100.0 * self.overdue / self.items, 1))


@dataclass
class League:
    period: st.Period
    as_of: dt.datetime
    parent: object
    level: str
    rows: list[LeagueRow]

    @property
    def total_overdue(self) -> int:
        return sum(r.overdue for r in self.rows)

    @property
    def total_items(self) -> int:
        return sum(r.items for r in self.rows)


def league_build(user, *, date_from: dt.date | None = None, date_to: dt.date | None = None,
                 unit_code: str | None = None, level: str | None = None,
                 as_of: dt.datetime | None = None) -> League:
    as_of = as_of or timezone.now()
    period = st.make_period(date_from, date_to, as_of=as_of)
    level = sc.check_level(level)
    parent = sc.resolve_parent(user, unit_code)
    units = sc.row_units(user, parent, level)
    counts, overdue = sc._group(user, period, parent, units, as_of, LEAGUE_MEASURES)
    status = dict(Status.choices)
    rows = []
    for u in units:
        items = []
        for o in overdue[u.pk][:LIST_MAX]:
            p = o.petition
            missed = "、".join(x for x, on in ((_("受理"), o.acceptance), (_("办理"), o.reply)) if on)
            items.append(LeagueItem(p.pk, p.number, petition_texts(user, p).title, p.received_at, p.due_on,
                                    str(status.get(p.status, p.status)), missed,
                                    (p.handling_unit or p.receiving_unit).name))
        rows.append(LeagueRow(u, int(counts[u.pk]["items"]), len(overdue[u.pk]), None, items))
    rows.sort(key=lambda r: (-r.overdue, -(r.overdue_rate or 0), r.unit.path))
    prev, rank = None, 0
    for i, r in enumerate(rows, start=1):
        key = (r.overdue, r.overdue_rate)
        if key != prev:
            rank, prev = i, key
        r.rank = rank if r.overdue else None
    return League(period, as_of, parent, level, rows)


def league_notes() -> list[str]:
    return [
        _("超期件数：统计期间收到的信访件中，受理时限（登记转送、受理告知）或办理时限已逾期完成或逾期未完成的件数，"
          "同一件只计一次；超期率 = 超期件数 ÷ 信访件数。信访件计入其当前承办单位（未交办的计入登记单位），"
          "下级单位的数字计入上级单位。按超期件数从多到少排列，件数相同的按超期率；没有超期件的单位不排名次。"),
        _("检举控告类信访件对承办链条以外的人员，标题中的身份信息已脱敏。"),
    ]


def league_title(league: League) -> str:
    return _("%(unit)s%(period)s信访事项超期情况通报") % {"unit": league.parent.name, "period": league.period.label()}


def league_xlsx(user, league: League):
    from xinfang.reports.exports import RATE_FORMAT, Sheet, tables_xlsx

    table = Sheet(_("超期排名"), [(_("名次"), 6), (_("单位"), 30), (_("信访件数"), 10), (_("超期件数"), 10),
                                (_("超期率（%）"), 12, RATE_FORMAT)],
                  ([r.rank if r.rank is not None else "—", r.unit.name, r.items, r.overdue, r.overdue_rate]
                   for r in league.rows))
    items = Sheet(_("超期信访件"), [(_("单位"), 30), (_("信访件编号"), 22), (_("标题"), 40), (_("收到时间"), 18),
                                  (_("到期日"), 12), (_("超期环节"), 12), (_("状态"), 10), (_("承办单位"), 28)],
                  ([r.unit.name, i.number, i.title, i.received_at, i.due_on, i.missed, i.status, i.unit_name]
                   for r in league.rows for i in r.petitions))
    return tables_xlsx(user, title=league_title(league), sheets=[table, items],
                       criteria=[(_("统计期间"), f"{league.period.start} — {league.period.end}"),
                                 (_("单位"), league.parent.name), (_("层级"), sc.level_label(league.level))],
                       notes=league_notes())


def league_html(league: League, *, pdf: bool = False, back: str = "") -> str:
    """The printable league table (the print page, and the PDF's source)."""
    from xinfang.reports.notices.render import PDF_FONTS

    return render_to_string("web/scorecards/league_print.html", {
        "league": league, "title": league_title(league), "notes": league_notes(), "pdf": pdf, "back": back, "fonts": PDF_FONTS,
        "level_label": sc.level_label(league.level), "printed_at": timezone.localtime()})


def league_pdf(league: League) -> bytes:
    from weasyprint import HTML

    return HTML(string=league_html(league, pdf=True)).write_pdf()
