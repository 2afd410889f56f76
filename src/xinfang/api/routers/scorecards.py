"""/api/v1 量化考核, 超期通报 and 问责记录 (issue 10).

- `GET /reports/scorecard`: the units under `unit` (default: the caller's) at `level`, each with its KPIs
  (DESIGN §6), overdue, urging and supervision counts, the component scores, the total score and the
  rank, plus the weights and the formula (`xinfang.reports.scorecard`). Report roles only (404 else).
- `GET /reports/overdue-league`: the 超期通报 league table with the overdue petitions per unit.
- `GET /accountability`, `GET /accountability/{record_id}`, `POST /accountability`: accountability
  records within the caller's jurisdiction; recording is for leaders and supervisors of a unit covering
  the target unit."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

try:
    from ninja import Status
except ImportError:  # django-ninja < 1.6 takes a (status, body) tuple
    def Status(status, body):  # noqa: N802
        return status, body

from xinfang.common.errors import ApplicationError
from xinfang.oversight.scorecards import selectors as acc_sel
from xinfang.oversight.scorecards import services as acc_svc
from xinfang.reports import league as lg
from xinfang.reports import scorecard as sc
from xinfang.reports.access import may_see_reports

from ..schemas import Text

router = Router(tags=["scorecards"])


def _require(request) -> None:
    if not may_see_reports(request.user):
        raise ApplicationError(_("不存在。"), "not_found")


class ScoreFilters(Schema):
    date_from: dt.date | None = Field(None, alias="from", description="开始日期（含），默认本年1月1日")
    date_to: dt.date | None = Field(None, alias="to", description="结束日期（含），默认今天")
    unit: Text | None = Field(None, max_length=64, description="上级单位代码，默认本人所在单位")
    level: Text = Field("", max_length=16, description="排名层级：空为下一级单位，或 county、town、village 等")


@router.get("/reports/scorecard", summary="量化考核排名（各单位指标、超期、催办、督办、得分与名次）")
def scorecard(request, filters: Query[ScoreFilters]):
    _require(request)
    card = sc.scorecard_build(request.user, date_from=filters.date_from, date_to=filters.date_to,
                              unit_code=filters.unit, level=filters.level)
    return sc.scorecard_json(card)


@router.get("/reports/overdue-league", summary="超期通报（各单位超期件数、超期率及超期信访件）")
def overdue_league(request, filters: Query[ScoreFilters]):
    _require(request)
    league = lg.league_build(request.user, date_from=filters.date_from, date_to=filters.date_to,
                             unit_code=filters.unit, level=filters.level)
    return {
        "period": league.period.as_dict(), "unit": {"code": league.parent.code, "name": league.parent.name},
        "level": league.level, "title": lg.league_title(league), "notes": lg.league_notes(),
        "units": [{"code": r.unit.code, "name": r.unit.name, "rank": r.rank, "items": r.items, "overdue": r.overdue,
                   "overdue_rate": r.overdue_rate,
                   "petitions": [{"id": i.id, "number": i.number, "title": i.title,
                                  "received_at": timezone.localtime(i.received_at).isoformat(timespec="seconds"),
                                  "due_on": i.due_on, "missed": i.missed, "status": i.status}
                                 for i in r.petitions]} for r in league.rows],
    }


# ---- 问责记录 --------------------------------------------------------------------------------------------

class AccountabilityIn(Schema):
    kind: Text = Field(max_length=16, description="interview 约谈、criticism 通报批评、accountability 问责")
    unit: Text = Field(max_length=64, description="被问责单位代码")
    people: Text = Field("", max_length=1000, description="涉及人员")
    reason: Text = Field(max_length=4000, description="事由")
    decision: Text = Field(max_length=4000, description="处理决定")
    document_no: Text = Field("", max_length=64, description="文号")
    decided_on: dt.date | None = Field(None, description="决定日期，默认今天")
    petitions: list[int | Text] = Field(default_factory=list, max_length=100, description="相关信访件（ID或编号）")


class AccountabilityFilters(Schema):
    kind: Text = Field("", max_length=16)
    unit: Text = Field("", max_length=64, description="被问责单位（含下级）")
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")
    q: Text = Field("", max_length=100)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


def _record(user, rec) -> dict:
    cited, hidden = acc_sel.cited_petitions(user, rec)
    return {"id": rec.pk, "kind": rec.kind, "kind_label": rec.get_kind_display(),
            "unit": {"code": rec.unit.code, "name": rec.unit.name},
            "issuing_unit": {"code": rec.issuing_unit.code, "name": rec.issuing_unit.name},
            "people": rec.people, "reason": rec.reason, "decision": rec.decision, "document_no": rec.document_no,
            "decided_by": rec.decided_by.username, "decided_at": timezone.localtime(rec.decided_at).isoformat(),
            "petitions": [{"id": p.pk, "number": p.number} for p in cited], "petitions_outside_scope": hidden}


@router.get("/accountability", summary="问责记录（约谈、通报批评、问责）")
def accountability_list(request, filters: Query[AccountabilityFilters]):
    _require(request)
    qs = acc_sel.accountability_list(request.user, kind=filters.kind, unit_code=filters.unit,
                                     date_from=filters.date_from, date_to=filters.date_to, q=filters.q)
    return {"count": qs.count(),
            "items": [_record(request.user, r) for r in qs[filters.offset:filters.offset + filters.limit]]}


@router.get("/accountability/{record_id}", summary="一条问责记录")
def accountability_get(request, record_id: int):
    _require(request)
    return _record(request.user, acc_sel.accountability_get(request.user, record_id))


@router.post("/accountability", summary="记录问责决定（通知被问责单位领导）", response={201: dict})
def accountability_create(request, body: AccountabilityIn):
    rec = acc_svc.accountability_create(actor=request.user, kind=body.kind, unit=body.unit, people=body.people,
                                        reason=body.reason, decision=body.decision, document_no=body.document_no,
                                        decided_on=body.decided_on, petitions=list(body.petitions))
    return Status(201, _record(request.user, rec))
