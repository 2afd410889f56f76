"""`xinfang insight hotspots [--from D --to D] [--top N] [--csv FILE] --format json|md`.

The `insight` management command calls `add_arguments(parser)` for its `hotspots` sub-command and
`run(options, stdout)` to execute it. Over the database (every petition: the command runs as the
operator) or, with `--csv`, over a file with the hot-issue columns (留言编号, 留言用户, 留言主题,
留言时间, 留言详情, 点赞数) without a database.

json: a list, hottest first, each {"rank", "title", "score", "items", "person_times", "persons",
"escalated", "support", "first_at", "last_at", "trend": [{"week", "items"}], "members": [{"number",
"external_id"}]}; md: a readable table.
"""

from __future__ import annotations

import datetime as dt
import json

from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError

from . import csvdata, engine

TOP_DEFAULT = 20


def add_arguments(parser) -> None:
    parser.add_argument("--from", dest="date_from", default=None, help="开始日期 YYYY-MM-DD（含）")
    parser.add_argument("--to", dest="date_to", default=None, help="结束日期 YYYY-MM-DD（含）")
    parser.add_argument("--top", type=int, default=TOP_DEFAULT, help="前N个热点（默认20）")
    parser.add_argument("--csv", dest="csv", default=None, help="从CSV文件计算（热点留言的列），不读数据库")
    parser.add_argument("--format", dest="format", choices=["json", "md"], default="json")


def _date(raw, name: str) -> dt.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ApplicationError(_("日期格式无效：%(v)s（应为YYYY-MM-DD）") % {"v": raw}, "invalid", name) from None


def _iso(at) -> str | None:
    return at.isoformat() if at is not None else None


def compute(options) -> list[dict]:
    """The hot spots as plain dicts (see the module docstring)."""
    date_from, date_to = _date(options.get("date_from"), "from"), _date(options.get("date_to"), "to")
    top = options.get("top") or TOP_DEFAULT
    if not isinstance(top, int) or top < 1:
        raise ApplicationError(_("--top 应为正整数。"), "invalid", "top")
    if date_from and date_to and date_from > date_to:
        raise ApplicationError(_("开始日期不能晚于结束日期。"), "invalid", "from")
    if options.get("csv"):
        docs = csvdata.read_messages(options["csv"])
        docs = [d for d in docs if (not date_from or (d.at and d.at.date() >= date_from))
                and (not date_to or (d.at and d.at.date() <= date_to))]
        as_of = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min) if date_to else None
        if as_of is not None and docs:
            as_of = min(as_of, max(d.at for d in docs if d.at))
        spots = engine.hot_spots(docs, as_of=as_of, top=top)
        members = lambda s: [{"number": "", "external_id": docs[m].key} for m in s.members]  # noqa: E731
    else:
        from . import selectors

        start, end = selectors.period(date_from, date_to)
        lo, hi = selectors._bounds(start, end)
        from xinfang.petitions.models import Petition

        petitions = list(selectors.petitions_between(Petition.objects.all(), lo, hi)[:selectors.MAX_PETITIONS])
        docs = selectors.petition_docs(petitions)
        from django.utils import timezone

        spots = engine.hot_spots(docs, as_of=min(hi, timezone.now()) if docs else None, top=top)
        members = lambda s: [{"number": docs[m].extra["petition"].number,  # noqa: E731
                              "external_id": docs[m].extra["petition"].external_id} for m in s.members]
    return [{"rank": rank, "title": s.title, "score": s.score, "items": s.items, "person_times": s.person_times,
             "persons": s.persons, "escalated": s.escalated, "support": s.support,
             "first_at": _iso(s.first_at), "last_at": _iso(s.last_at),
             "trend": [{"week": w.isoformat(), "items": n} for w, n in s.trend], "members": members(s)}
            for rank, s in enumerate(spots, start=1)]


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def as_markdown(rows: list[dict]) -> str:
    head = [_("排名"), _("热点"), _("热度"), _("件次"), _("人次"), _("信访人数"), _("期间"), _("相关信访件")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        refs = [m["number"] or m["external_id"] for m in r["members"]]
        shown = "、".join(refs[:8]) + (_("等%(n)d件") % {"n": len(refs)} if len(refs) > 8 else "")
        span = f"{(r['first_at'] or '')[:10]} — {(r['last_at'] or '')[:10]}"
        lines.append("| " + " | ".join(_cell(v) for v in (r["rank"], r["title"], r["score"], r["items"],
                                                           r["person_times"], r["persons"], span, shown)) + " |")
    if not rows:
        lines.append(_("（没有热点问题）"))
    return "\n".join(lines) + "\n"


def run(options, stdout) -> int:
    """Write the hot spots to `stdout` in `options["format"]`; an ApplicationError propagates (the command
    turns it into a CommandError with its message)."""
    rows = compute(options)
    if options.get("format") == "md":
        stdout.write(as_markdown(rows))
    else:
        stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    return len(rows)
