"""Periodic bulletins (信访情况通报) and the annual report (S22 Art 41), in the office's own words.

`bulletin_build` gathers every figure from `statistics` (a handful of GROUP BY queries) into one
JSON-ready dict; the renderers turn that dict into Markdown, JSON, DOCX or XLSX, so every output
says the same thing. Nothing here counts on its own.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.common.errors import ApplicationError
from xinfang.org.choices import UnitKind
from xinfang.org.jurisdiction import units_of
from xinfang.petitions.choices import Channel, Status, VisitKind
from xinfang.petitions.selectors import petition_texts

from . import statistics as st

OVERDUE_LIST_MAX = 200
FORMATS = ("md", "json", "docx", "xlsx")
ANNUAL_FORMATS = ("md", "docx")
CONTENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# How each channel is named and counted in the prose: (channel, name, measure word)
CHANNEL_WORDS = [
    (Channel.HOTLINE, gettext_lazy("热线电话"), gettext_lazy("个")),
    (Channel.PHONE, gettext_lazy("来电"), gettext_lazy("个")),
    (Channel.LETTER, gettext_lazy("来信"), gettext_lazy("件")),
    (Channel.ONLINE, gettext_lazy("网上信访"), gettext_lazy("件")),
    (Channel.EMAIL, gettext_lazy("电子邮件"), gettext_lazy("件")),
    (Channel.FAX, gettext_lazy("传真"), gettext_lazy("件")),
    (Channel.TRANSFER_IN, gettext_lazy("上级转交办"), gettext_lazy("件")),
]
ALWAYS_SHOWN = {Channel.HOTLINE, Channel.LETTER, Channel.ONLINE}


def office_name(user, unit) -> str:
    """Who speaks in the bulletin: the unit asked for, else the user's petition office (or first unit)."""
    if unit is not None:
        return unit.name
    units = units_of(user)
    for u in units:
        if u.kind == UnitKind.PETITION_OFFICE:
            return u.name
    return units[0].name if units else _("全系统")


# ---- prose ---------------------------------------------------------------------------------------

def _no_baseline_text(has_data: bool, basis_last_year: bool = True) -> str:
    if not has_data:
        return _("去年同期无数据") if basis_last_year else _("上期无数据")
    return _("去年同期为0") if basis_last_year else _("上期为0")


def one_change(c: st.Change, has_data: bool) -> str:
    """同比上升了7% / 同比下降了13% / 同比持平 / 同比基本持平 / 去年同期无数据 / 去年同期为0 / 与去年同期均为0."""
    if c.direction == "no_baseline":
        return _no_baseline_text(has_data)
    if c.direction == "none":
        return _("与去年同期均为0")
    return st.change_text(c)


def pair_change(a: st.Change, b: st.Change, has_data: bool, names: tuple[str, str]) -> str:
    """Two figures' changes in one clause: 同比分别上升了7%和28% when they move the same way."""
    if a.direction == b.direction and a.direction in ("up", "down"):
        verb = _("上升了") if a.direction == "up" else _("下降了")
        return _("同比分别%(v)s%(a)d%%和%(b)d%%") % {"v": verb, "a": abs(a.pct), "b": abs(b.pct)}
    if a.direction == b.direction == "flat":
        return _("同比均持平")
    if a.direction == b.direction == "none":
        return _("与去年同期均为0")
    if a.direction == b.direction == "no_baseline":
        return _("去年同期均为0") if has_data else _("去年同期无数据")
    return _("%(n1)s%(c1)s，%(n2)s%(c2)s") % {"n1": names[0], "c1": one_change(a, has_data),
                                            "n2": names[1], "c2": one_change(b, has_data)}


def _visits_sentence(cur: st.Counts, old: st.Counts, has_data: bool, office: str, period_label: str) -> str:
    b, p = st.change(cur["batches"], old["batches"]), st.change(cur["persons"], old["persons"])
    text = _("%(period)s，%(office)s共接待群众来访%(b)d批(次)、%(p)d人(次)，%(chg)s。") % {
        "period": period_label, "office": office, "b": cur["batches"], "p": cur["persons"],
        "chg": pair_change(b, p, has_data, (_("批次"), _("人次")))}
    parts = []
    for kind in (VisitKind.INDIVIDUAL, VisitKind.GROUP, VisitKind.COLLECTIVE):
        kb, kp = cur[f"vk_{kind}_batches"], cur[f"vk_{kind}_persons"]
        ob, op = old[f"vk_{kind}_batches"], old[f"vk_{kind}_persons"]
        if not (kb or ob):
            continue
        parts.append(_("%(kind)s%(b)d批(次)、%(p)d人(次)，%(chg)s") % {
            "kind": VisitKind(kind).label, "b": kb, "p": kp,
            "chg": pair_change(st.change(kb, ob), st.change(kp, op), has_data, (_("批次"), _("人次")))})
    for channel, name, word in CHANNEL_WORDS:
        n, o = cur[f"ch_{channel}"], old[f"ch_{channel}"]
        if channel not in ALWAYS_SHOWN and not (n or o):
            continue
        parts.append(_("%(name)s%(n)d%(word)s，%(chg)s") % {
            "name": name, "n": n, "word": word, "chg": one_change(st.change(n, o), has_data)})
    if parts:
        text += _("其中：") + "；".join(parts) + "。"
    return text


def _total_sentence(cur: st.Counts, old: st.Counts, has_data: bool) -> str:
    return _("以上合计登记各类信访事项%(n)d件(次)，%(chg)s；其中重复信访%(r)d件(次)，越级信访%(e)d件(次)。") % {
        "n": cur["items"], "chg": one_change(st.change(cur["items"], old["items"]), has_data),
        "r": cur["repeat"], "e": cur["escalated"]}


def _kpi_sentence(kpis: list[dict]) -> str:
    parts = []
    for k in kpis:
        if k["value"] is None:
            parts.append(_("%(label)s暂无可计件数") % {"label": k["label"]})
        elif k["kind"] == "rate":
            parts.append(_("%(label)s%(v)s%%（%(n)s/%(d)s）") % {
                "label": k["label"], "v": st.fmt_rate(k["value"], "mean"), "n": k["numerator"], "d": k["denominator"]}
                + _kpi_change_text(k))
        else:
            parts.append(_("%(label)s%(v)s天") % {"label": k["label"], "v": st.fmt_rate(k["value"], "mean")}
                         + _kpi_change_text(k))
    return _("受理办理方面：") + "；".join(parts) + "。"


def _kpi_change_text(k: dict) -> str:
    """，同比上升2.3个百分点 / 下降 / 持平; for mean days 同比增加/减少N天; nothing without a baseline."""
    yoy = k.get("yoy") or {}
    delta = yoy.get("change")
    if delta is None:
        return ""
    if delta == 0:
        return _("，同比持平")
    n = st.fmt_rate(abs(delta), "mean")
    if k["kind"] == "rate":
        return (_("，同比上升%(n)s个百分点") if delta > 0 else _("，同比下降%(n)s个百分点")) % {"n": n}
    return (_("，同比增加%(n)s天") if delta > 0 else _("，同比减少%(n)s天")) % {"n": n}


def _hot_sentence(categories: list[dict]) -> str:
    top = [c for c in categories if c["items"]][:3]
    if not top:
        return ""
    parts = [_("%(name)s%(n)d件(次)（占%(s)s%%）") % {"name": c["label"], "n": c["items"], "s": c["share"]}
             for c in top]
    return _("从反映的问题看，排在前列的是：") + "、".join(parts) + "。"


# ---- building ------------------------------------------------------------------------------------

def _row_dict(row: st.Row, total_items: int, has_data: bool) -> dict:
    c, old = row.counts, row.previous or st.Counts()
    chg = st.change(c["items"], old["items"])
    share = float(st.round_half_up(100.0 * c["items"] / total_items, 1)) if total_items else None
    return {"key": row.key, "label": row.label, "items": c["items"], "batches": c["batches"], "persons": c["persons"],
            "share": share, "previous_items": old["items"], "yoy": chg.as_dict(), "yoy_text": one_change(chg, has_data)}


def _overdue_rows(petitions, kind_label: str, today: dt.date, user=None) -> list[dict]:
    rows = []
    for p in petitions:
        due = p.due_on
        # the title as `user` may see it: an accuser's identity masked outside the handling chain
        rows.append({"id": p.pk, "number": p.number, "title": petition_texts(user, p).title, "kind": kind_label,
                     "unit": (p.handling_unit or p.receiving_unit).name, "status": str(Status(p.status).label),
                     "received": timezone.localtime(p.received_at).date().isoformat(),
                     "due": due.isoformat() if due else None,
                     "days_overdue": (today - due).days if due and due < today else None})
    return rows


def bulletin_build(user, *, date_from: dt.date | None = None, date_to: dt.date | None = None,
                   unit_code: str | None = None, as_of: dt.datetime | None = None) -> dict:
    """Every figure of the bulletin for the period (JSON-ready)."""
    as_of = as_of or timezone.now()
    period = st.make_period(date_from, date_to, as_of=as_of)
    unit = st.resolve_unit(user, unit_code)
    prev, prior = period.same_period_last_year(), period.previous()
    dims = ("unit", "category", "region")
    # the period and the same period last year with every KPI (last year judged at the same distance
    # from its end); the previous period (环比) needs only the counts, and is last year's period again
    # when the period is a whole year
    collected: dict[str, list] = {}
    # (each grouped by unit, by category and by region on its own, summed up in SQL)
    calls = [lambda: st.aggregate_each(user, period, dims, unit=unit, as_of=as_of,
                                       collect=("acc_overdue", "rep_overdue"), collected=collected),
             lambda: st.aggregate_each(user, prev, dims, unit=unit, as_of=period.shift_instant(prev, as_of))]
    if prior != prev:
        calls.append(lambda: st.aggregate(user, prior, unit=unit, as_of=as_of, kpis=False,
                                          measures=st.VOLUME_MEASURES))
    cur_g, old_g, *rest = st.in_parallel(*calls)
    # the totals: the sum of the groups of one dimension (every petition is in one unit group)
    cur, old = st._sum(cur_g["unit"].values()), st._sum(old_g["unit"].values())
    prior_t = rest[0][()] if rest else st._sum(old_g["unit"].values())
    has_data = old["items"] > 0
    office = office_name(user, unit)

    tables = {}
    for dim in dims:
        rolled = st.Rollup(dim, st.anchor_region(user, unit) if dim == "region" else None)
        rolled.prepare({*cur_g[dim], *old_g[dim]})
        rows, _r = st.rollup(dim, {(raw,): c for raw, c in cur_g[dim].items()}, rolled=rolled)
        st._attach(rows, rolled, {(raw,): c for raw, c in old_g[dim].items()}, 0, "previous")
        tables[dim] = list(rows.values())
    by_category = sorted(tables["category"], key=lambda r: (-r.counts["items"], r.sort))
    categories = [{"rank": i, **_row_dict(r, cur["items"], has_data)} for i, r in enumerate(by_category, start=1)]
    regions = [_row_dict(r, cur["items"], has_data) for r in sorted(tables["region"], key=lambda r: r.sort)]
    units = []
    for r in sorted(tables["unit"], key=lambda r: (-r.counts["items"], r.sort)):
        if not r.counts["items"]:
            continue
        units.append({**_row_dict(r, cur["items"], has_data), "kpis": st.kpi_values(r.counts),
                      "overdue": r.counts["rep_overdue"] + r.counts["acc_overdue"]})

    today = timezone.localtime(as_of).date()
    # the petitions behind the two overdue counts, from the same query as the counts
    overdue = (_overdue_rows(st.overdue_petitions(collected.get("acc_overdue", []), OVERDUE_LIST_MAX),
                             _("超期未受理"), today, user)
               + _overdue_rows(st.overdue_petitions(collected.get("rep_overdue", []), OVERDUE_LIST_MAX),
                               _("超期未答复"), today, user))

    kpis = st.kpi_values(cur, old)
    paragraphs = [_visits_sentence(cur, old, has_data, office, period.label()), _total_sentence(cur, old, has_data),
                  _kpi_sentence(kpis)]
    hot = _hot_sentence(categories)
    if hot:
        paragraphs.append(hot)
    paragraphs.append(_("截至%(d)s，本期信访件中超期未受理%(a)d件、超期未答复%(b)d件%(list)s。") % {
        "d": f"{today.year}年{today.month}月{today.day}日", "a": cur["acc_overdue"], "b": cur["rep_overdue"],
        "list": _("，清单附后") if overdue else ""})

    return {
        "title": _("%(office)s信访情况通报") % {"office": office},
        "office": office,
        "unit": {"code": unit.code, "name": unit.name} if unit else None,
        "period": period.as_dict(),
        "same_period_last_year": prev.as_dict(),
        "previous_period": prior.as_dict(),
        "as_of": timezone.localtime(as_of).isoformat(timespec="seconds"),
        "paragraphs": paragraphs,
        "totals": {**st.volume_dict(cur), "yoy": st.volume_changes(cur, old), "mom": st.volume_changes(cur, prior_t),
                   "previous": st.volume_dict(old), "previous_period_totals": st.volume_dict(prior_t)},
        "kpis": kpis,
        "tables": {"by_category": categories, "by_region": regions, "by_unit": units, "overdue": overdue,
                   "overdue_truncated": cur["acc_overdue"] > OVERDUE_LIST_MAX or cur["rep_overdue"] > OVERDUE_LIST_MAX},
        "definitions": [{"key": k.key, "label": k.label, "definition": k.definition} for k in st.kpi_definitions()],
        "notes": [*st.general_notes(),
                  _("统计截至%(t)s；各项办理情况按该时刻已记录的事实计算。") % {
                      "t": timezone.localtime(as_of).strftime("%Y-%m-%d %H:%M")}],
    }


# ---- rendering -----------------------------------------------------------------------------------

def _kpi_cell(k: dict) -> str:
    return st.fmt_rate(k["value"], k["kind"])


def _kpi_delta_cell(k: dict) -> str:
    """+2.3个百分点 / -1.5天 / —"""
    delta = (k.get("yoy") or {}).get("change")
    if delta is None:
        return "—"
    unit = _("个百分点") if k["kind"] == "rate" else _("天")
    return f"{'+' if delta > 0 else ''}{st.fmt_rate(delta, 'mean')}{unit}"


def _table_specs(data: dict) -> list[tuple[str, list[str], list[list]]]:
    """(caption, headers, rows) of every table, shared by the Markdown, DOCX and XLSX renderers."""
    t = data["tables"]
    share = lambda v: "—" if v is None else f"{v}%"  # noqa: E731
    specs = [
        (_("表1 信访总量"), [_("项目"), _("本期"), _("去年同期"), _("同比")], _volume_rows(data)),
        (_("表2 反映问题分类（按件次排序）"), [_("排名"), _("内容分类"), _("件次"), _("占比"), _("去年同期"), _("同比")],
         [[r["rank"], r["label"], r["items"], share(r["share"]), r["previous_items"], r["yoy_text"]]
          for r in t["by_category"] if r["items"] or r["previous_items"]]),
        (_("表3 问题属地"), [_("属地"), _("件次"), _("来访批次"), _("来访人次"), _("去年同期"), _("同比")],
         [[r["label"], r["items"], r["batches"], r["persons"], r["previous_items"], r["yoy_text"]]
          for r in t["by_region"] if r["items"] or r["previous_items"]]),
    ]
    kpi_labels = [k["label"] for k in data["kpis"]]
    specs.append((_("表4 承办单位办理情况"), [_("承办单位"), _("件次"), *kpi_labels, _("超期件")],
                  [[r["label"], r["items"], *[_kpi_cell(k) for k in r["kpis"]], r["overdue"]]
                   for r in t["by_unit"]]))
    specs.append((_("表5 关键指标"), [_("指标"), _("本期"), _("分子/分母"), _("去年同期"), _("同比变化")],
                  [[k["label"], _kpi_cell(k),
                    "—" if k["numerator"] is None else
                    (f"{k['numerator']}/{k['denominator']}" if k["kind"] == "rate" else
                     _("已答复%(n)s件") % {"n": k["denominator"]}),
                    _kpi_cell({**k, "value": (k.get("yoy") or {}).get("previous")}),
                    _kpi_delta_cell(k)]
                   for k in data["kpis"]]))
    specs.append((_("表6 超期清单"), [_("类别"), _("信访件编号"), _("标题"), _("承办单位"), _("收到日期"), _("到期日"),
                                    _("超期天数"), _("状态")],
                  [[r["kind"], r["number"], r["title"], r["unit"], r["received"], r["due"] or "—",
                    r["days_overdue"] if r["days_overdue"] is not None else "—", r["status"]]
                   for r in t["overdue"]]))
    return specs


def _volume_rows(data: dict) -> list[list]:
    tot, yoy, prev = data["totals"], data["totals"]["yoy"], data["totals"]["previous"]
    has_data = prev["items"] > 0

    def line(label, key, cur_v, prev_v):
        c = st.Change(cur_v, prev_v, yoy[key]["change_pct"], yoy[key]["direction"])
        return [label, cur_v, prev_v, one_change(c, has_data)]

    rows = [line(_("信访总件次"), "items", tot["items"], prev["items"]),
            line(_("来访批次"), "batches", tot["batches"], prev["batches"]),
            line(_("来访人次"), "persons", tot["person_times"], prev["person_times"])]
    for kind in VisitKind.values:
        label = VisitKind(kind).label
        rows.append(line(_("其中：%(k)s批次") % {"k": label}, f"vk_{kind}_batches",
                         tot["by_visit_kind"][kind]["batches"], prev["by_visit_kind"][kind]["batches"]))
        rows.append(line(_("其中：%(k)s人次") % {"k": label}, f"vk_{kind}_persons",
                         tot["by_visit_kind"][kind]["person_times"], prev["by_visit_kind"][kind]["person_times"]))
    for ch in Channel.values:
        rows.append(line(str(Channel(ch).label), f"ch_{ch}", tot["by_channel"][ch], prev["by_channel"][ch]))
    return rows


def _md_cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def render_md(data: dict) -> str:
    out = [f"# {data['title']}", "", f"**{_('统计期间')}**：{data['period']['label']}"
           f"（{data['period']['from']} — {data['period']['to']}）", ""]
    out += [p + "\n" for p in data["paragraphs"]]
    for caption, headers, rows in _table_specs(data):
        out += [f"## {caption}", ""]
        if not rows:
            out += [_("（无）"), ""]
            continue
        out.append("| " + " | ".join(_md_cell(h) for h in headers) + " |")
        out.append("|" + "---|" * len(headers))
        out += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
        out.append("")
    if data["tables"]["overdue_truncated"]:
        out += [_("超期清单仅列出前%(n)d件。") % {"n": OVERDUE_LIST_MAX}, ""]
    out += [f"## {_('说明')}", ""]
    out += [f"- {n}" for n in data["notes"]]
    out += [f"- {d['definition']}" for d in data["definitions"]]
    return "\n".join(out) + "\n"


def render_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _docx_document():
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    for name in ("Normal", "Heading 1", "Heading 2", "Title"):
        style = doc.styles[name]
        style.font.name = "FangSong" if name == "Normal" else "SimHei"
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), "仿宋" if name == "Normal" else "黑体")
    doc.styles["Normal"].font.size = Pt(12)
    return doc


def _docx_table(doc, headers, rows):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, h in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(h)
    for row in rows:
        cells = table.add_row().cells
        for cell, v in zip(cells, row, strict=True):
            cell.text = _plain(v)
    return table


def _plain(value) -> str:
    """Text a document can hold (control characters removed)."""
    text = "" if value is None else str(value)
    return "".join(ch for ch in text if ch in "\t\n" or ord(ch) >= 32)


def render_docx(data: dict) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = _docx_document()
    title = doc.add_heading(data["title"], level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph(f"{_('统计期间')}：{data['period']['label']}（{data['period']['from']} — "
                            f"{data['period']['to']}）")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for p in data["paragraphs"]:
        para = doc.add_paragraph(p)
        para.paragraph_format.first_line_indent = doc.styles["Normal"].font.size * 2
    return _docx_tables_and_notes(doc, data, _table_specs(data))


_PERCENT = re.compile(r"^-?\d+(\.\d+)?%$")


def _xlsx_value(value):
    """A table value for a spreadsheet: rates such as "81.8%" become numbers (0.818) to compute with."""
    from .exports import safe_cell

    if isinstance(value, str) and _PERCENT.match(value):
        return float(st.round_half_up(float(value[:-1]), 1)) / 100
    return safe_cell(value)


def render_xlsx(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from .exports import safe_cell

    wb = Workbook()
    ws = wb.active
    ws.title = _("通报")
    ws.column_dimensions["A"].width = 120
    ws.append([safe_cell(data["title"])])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([safe_cell(f"{_('统计期间')}：{data['period']['label']}（{data['period']['from']} — {data['period']['to']}）")])
    for p in data["paragraphs"]:
        ws.append([safe_cell(p)])
        ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    for i, (caption, headers, rows) in enumerate(_table_specs(data), start=1):
        sheet = wb.create_sheet(title=f"{_('表')}{i}")
        sheet.append([safe_cell(caption)])
        sheet["A1"].font = Font(bold=True)
        sheet.append([safe_cell(h) for h in headers])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_xlsx_value(v) for v in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, float) and isinstance(row[cell.column - 1], str):
                    cell.number_format = "0.0%"  # a rate written 81.8% in the text, a number here
        for col, width in zip("ABCDEFGHIJKL", [16, 22, 12, 12, 12, 18, 12, 12, 12, 12, 12, 12], strict=False):
            sheet.column_dimensions[col].width = width
    notes = wb.create_sheet(title=_("说明"))
    notes.column_dimensions["A"].width = 140
    for n in [*data["notes"], *[d["definition"] for d in data["definitions"]]]:
        notes.append([safe_cell(n)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def render(data: dict, fmt: str, *, stem: str = "bulletin") -> tuple[bytes, str, str]:
    """(content, content type, file name) of the bulletin in `fmt`."""
    if fmt not in FORMATS:
        raise ApplicationError(_("不支持的格式：%(f)s（可选：%(opts)s）") % {
            "f": str(fmt)[:20], "opts": "、".join(FORMATS)}, "invalid", "format")
    name = f"{stem}-{data['period']['from']}-{data['period']['to']}.{fmt}"
    if fmt == "md":
        return render_md(data).encode("utf-8"), CONTENT_TYPES[fmt], name
    if fmt == "json":
        return render_json(data), CONTENT_TYPES[fmt], name
    if fmt == "docx":
        return render_docx(data), CONTENT_TYPES[fmt], name
    return render_xlsx(data), CONTENT_TYPES[fmt], name


# ---- the annual report (S22 Art 41) --------------------------------------------------------------

def annual_build(user, *, year: int, unit_code: str | None = None, as_of: dt.datetime | None = None) -> dict:
    """The yearly 信访工作情况 report to the government of the same level (S22 Art 41): the bulletin's
    figures for the year, arranged as the report's sections, with the sections only people can write
    (problems, suggestions) left as a skeleton to fill in."""
    as_of = as_of or timezone.now()
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ApplicationError(_("年份无效。"), "invalid", "year") from None
    if not 1901 <= year <= timezone.localtime(as_of).year:
        raise ApplicationError(_("年份无效。"), "invalid", "year")
    data = bulletin_build(user, date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31), unit_code=unit_code,
                          as_of=as_of)
    office = data["office"]
    period = st.Period(dt.date.fromisoformat(data["period"]["from"]), dt.date.fromisoformat(data["period"]["to"]))
    data["hot_titles"] = [{"title": t, "items": n} for t, n in
                          st.hot_titles(user, period, unit=st.resolve_unit(user, unit_code), limit=10)]
    cats = [c for c in data["tables"]["by_category"] if c["items"]][:5]
    sections = [
        (_("一、信访总体情况"), data["paragraphs"][:2]),
        (_("二、信访反映的主要问题"), [
            _hot_sentence(data["tables"]["by_category"]) or _("本年度未登记信访事项。"),
            *([_("反映较多的事项：") + "；".join(f"{t['title']}（{t['items']}件次）" for t in data["hot_titles"][:5])
               + "。"] if data["hot_titles"] else []),
            *[_("%(name)s方面：%(n)d件(次)，%(chg)s。") % {"name": c["label"], "n": c["items"], "chg": c["yoy_text"]}
              for c in cats]]),
        (_("三、信访事项办理情况"), [data["paragraphs"][2], data["paragraphs"][-1]]),
        (_("四、存在的主要问题"), [_("（请结合本地区、本部门实际填写：信访工作中存在的突出问题、矛盾纠纷化解中的难点、"
                                  "制度机制方面的不足等。）")]),
        (_("五、下一步工作打算和意见建议"), [_("（请填写：对改进工作、完善政策、解决普遍性问题的意见建议。）")]),
    ]
    return {"title": _("%(office)s关于%(y)d年度信访工作情况的报告") % {"office": office, "y": year},
            "office": office, "year": year, "basis": _("依据《信访工作条例》第四十一条"), "sections": sections,
            "bulletin": data}


def render_annual(report: dict, fmt: str) -> tuple[bytes, str, str]:
    if fmt not in ANNUAL_FORMATS:
        raise ApplicationError(_("不支持的格式：%(f)s（可选：%(opts)s）") % {
            "f": str(fmt)[:20], "opts": "、".join(ANNUAL_FORMATS)}, "invalid", "format")
    name = f"annual-report-{report['year']}.{fmt}"
    data = report["bulletin"]
    if fmt == "md":
        out = [f"# {report['title']}", "", f"*{report['basis']}*", ""]
        for heading, paras in report["sections"]:
            out += [f"## {heading}", ""] + [p + "\n" for p in paras]
        out += [f"## {_('附表')}", ""]
        for caption, headers, rows in _table_specs(data)[:5]:
            out += [f"### {caption}", ""]
            if not rows:
                out += [_("（无）"), ""]
                continue
            out.append("| " + " | ".join(_md_cell(h) for h in headers) + " |")
            out.append("|" + "---|" * len(headers))
            out += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows] + [""]
        out += [f"## {_('说明')}", ""] + [f"- {n}" for n in data["notes"]]
        out += [f"- {d['definition']}" for d in data["definitions"]]
        return ("\n".join(out) + "\n").encode("utf-8"), CONTENT_TYPES["md"], name
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = _docx_document()
    title = doc.add_heading(report["title"], level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(report["basis"]).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for heading, paras in report["sections"]:
        doc.add_heading(heading, level=1)
        for p in paras:
            para = doc.add_paragraph(p)
            para.paragraph_format.first_line_indent = doc.styles["Normal"].font.size * 2
    doc.add_heading(_("附表"), level=1)
    return _docx_tables_and_notes(doc, data, _table_specs(data)[:5]), CONTENT_TYPES["docx"], name


def _docx_tables_and_notes(doc, data: dict, specs) -> bytes:
    """The tables (or （无）) and the notes with every definition that end both DOCX reports."""
    for caption, headers, rows in specs:
        doc.add_heading(caption, level=2)
        if rows:
            _docx_table(doc, headers, rows)
        else:
            doc.add_paragraph(_("（无）"))
    doc.add_heading(_("说明"), level=2)
    for n in [*data["notes"], *[d["definition"] for d in data["definitions"]]]:
        doc.add_paragraph(n, style="List Bullet")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
