"""批量导入 of legacy ledgers with their history: status, acceptance/reply/close times, outcome and
handling unit. A closed case imports closed with its deadlines met at the recorded times (late when
after the due day), a replied case replied without a running 复查 window, an accepted case with its
handling limit counted from the recorded acceptance; the stored facts agree with the rows; the KPIs
count them; an impossible order of dates refuses the whole file."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from xinfang.audit.models import AuditEntry
from xinfang.audit.services import audit_verify
from xinfang.imports.access import resolve_unit
from xinfang.imports.committing import import_table
from xinfang.imports.mapping import match_headers
from xinfang.imports.reading import read_table
from xinfang.petitions.models import Petition, PetitionAccess
from xinfang.reports.models import IssuedDocument
from xinfang.reports.statistics import kpi_def, make_period, totals
from xinfang.workflow import deadlines as dl
from xinfang.workflow.facts import FACT_FIELDS, MET_LATE, MET_ON_TIME, RUNNING, facts_refresh
from xinfang.workflow.models import Deadline, PetitionEvent, Reply
from xinfang.workflow.services import deadlines_sweep, petitions_close_expired

HEADERS = ["原编号", "收到时间", "信访形式", "标题", "反映内容", "姓名", "状态", "受理时间", "答复时间", "办结时间",
           "处理结果", "承办单位"]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def ago(days: int, hm: str | None = "09:30") -> str:
    day = timezone.localdate() - dt.timedelta(days=days)
    return f"{day:%Y-%m-%d} {hm}" if hm else f"{day:%Y-%m-%d}"


def instant(days: int, hm: str | None = "09:30") -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days)
    h, m = (int(x) for x in (hm or "00:00").split(":"))
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, h, m))


def row(ext, received, status, accepted="", replied="", closed="", outcome="", unit="", title="历史件"):
    return [ext, received, "来信", title, f"{title}的反映内容。", "张三", status, accepted, replied, closed, outcome, unit]


def ledger() -> list[list]:
    return [
        # closed on time: accepted 5 days after receipt (a date without a time), replied 35 days later
        row("H-A", ago(100), "已办结", ago(95, None), ago(60, "15:00"), ago(50, "10:00"), "支持"),
        # replied late, in another unit: accepted 35 days after receipt, replied 85 days after acceptance
        row("H-B", ago(130), "已答复", ago(95), ago(10), "", "不予支持", "东湖区教育局"),
        # 办理中: accepted (no handler named), its handling limit running from the recorded acceptance
        row("H-C", ago(10), "办理中", ago(8), title="在办件"),
        # accepted 85 days ago: its 60-day handling limit has passed
        row("H-D", ago(90), "已受理", ago(85), title="超期件"),
        # no status: the latest date given decides (replied)
        row("H-E", ago(30), "", ago(29), ago(20), "", "解释说明"),
    ]


def csv_bytes(rows, headers=HEADERS) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def run_import(users, rows, headers=HEADERS):
    table = read_table(csv_bytes(rows, headers), "历史台账.csv")
    user = users["demo_clerk"]
    return import_table(table, match_headers(table.headers), actor=user, unit=resolve_unit(user, None))


def counts():
    return (Petition.objects.count(), Reply.objects.count(), Deadline.objects.count(), PetitionEvent.objects.count(),
            AuditEntry.objects.count(), PetitionAccess.objects.count())


def by_ext() -> dict[str, Petition]:
    return {p.external_id: p for p in Petition.objects.select_related("handling_unit")}


def test_history_columns_are_recognised():
    assert match_headers(HEADERS[6:]) == {"status": "状态", "accepted_at": "受理时间", "replied_at": "答复时间",
                                          "closed_at": "办结时间", "outcome": "处理结果", "handling_unit": "承办单位"}
    assert match_headers(["办理状态", "受理日期", "回复日期", "结案日期", "办理结果", "承办部门"]) == {
        "status": "办理状态", "accepted_at": "受理日期", "replied_at": "回复日期", "closed_at": "结案日期",
        "outcome": "办理结果", "handling_unit": "承办部门"}


def test_a_ledger_with_closed_replied_and_accepted_cases(users, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE  # any notice queued after commit would be issued at once
    with django_capture_on_commit_callbacks(execute=True):
        result = run_import(users, ledger())
    assert result.errors == [] and result.created == 5
    p = by_ext()
    a, b, c, d, e = (p[k] for k in ("H-A", "H-B", "H-C", "H-D", "H-E"))
    today = timezone.localdate()

    # statuses and the recorded instants
    assert [x.status for x in (a, b, c, d, e)] == ["closed", "replied", "accepted", "accepted", "replied"]
    assert a.accepted_at == instant(95, None) and a.replied_at == instant(60, "15:00")
    assert a.closed_at == instant(50, "10:00")
    assert b.replied_at == instant(10) and b.closed_at is None and c.replied_at is None and c.handler is None
    assert b.handling_unit.code == "DH-JY" and a.handling_unit.code == "DH-XF" == c.handling_unit.code
    assert PetitionAccess.objects.filter(petition=b, unit__code="DH-JY").exists()  # the handling unit sees it
    assert [(r.petition.external_id, r.outcome, r.kind, r.approved_at) for r in Reply.objects.order_by("petition__seq")] \
        == [("H-A", "support", "reply", a.replied_at), ("H-B", "decline", "reply", b.replied_at),
            ("H-E", "explain", "reply", e.replied_at)]
    assert Reply.objects.get(petition=b).unit.code == "DH-JY"

    # deadlines: met at the recorded times, late when after the due day; a closed case has nothing open
    def limit(x, kind):
        return x.deadlines.get(kind=kind)

    assert limit(a, "accept").met_at == a.accepted_at and limit(a, "accept").met_at.date() <= limit(a, "accept").due
    assert limit(a, "handle").start == dl.local_date(a.accepted_at) and limit(a, "handle").met_at == a.replied_at
    assert dl.local_date(limit(a, "handle").met_at) <= limit(a, "handle").due
    assert not a.deadlines.filter(met_at__isnull=True, cancelled=False).exists()
    assert a.due_on is None and a.warning_level == "normal"
    assert dl.local_date(limit(b, "accept").met_at) > limit(b, "accept").due  # accepted late
    assert dl.local_date(limit(b, "handle").met_at) > limit(b, "handle").due  # replied late
    assert not Deadline.objects.filter(kind__in=("review_request", "rereview_request")).exists()  # no 复查 window
    assert not b.deadlines.filter(met_at__isnull=True, cancelled=False).exists() and b.warning_level == "normal"
    handle_c = limit(c, "handle")
    start = timezone.localdate(c.accepted_at)
    assert (handle_c.start, handle_c.due, handle_c.met_at) == (start, dl.compute_due(start, 60, False)[0], None)
    assert (c.due_kind, c.due_on, c.warning_level) == ("handle", handle_c.due, "normal")
    assert limit(c, "accept").met_at == c.accepted_at
    assert d.due_on < today and d.warning_level == "overdue"  # counted from the recorded acceptance

    # the stored facts are exactly what facts_refresh computes from the rows
    for x in (a, b, c, d, e):
        fresh = Petition.objects.get(pk=x.pk)
        for f in FACT_FIELDS:
            setattr(fresh, f, None)
        facts_refresh(fresh)
        assert {f: getattr(fresh, f) for f in FACT_FIELDS} == {f: getattr(x, f) for f in FACT_FIELDS}, x.external_id
    assert (a.fact_accept, a.fact_reply) == (MET_ON_TIME, MET_ON_TIME)
    assert (b.fact_accept, b.fact_reply) == (MET_LATE, MET_LATE)
    assert (c.fact_reply, c.fact_reply_open_due) == (RUNNING, handle_c.due)
    assert a.facts_at == a.replied_at

    # the timeline: in order, marked imported, naming no document; no notice was issued
    assert list(a.events.order_by("at", "id").values_list("action", flat=True)) == [
        "register", "accept", "approve_reply", "close"]
    assert a.events.get(action="register").at == a.received_at
    events = PetitionEvent.objects.all()
    assert all(not ev.data.get("documents") and ev.data.get("imported") for ev in events)
    assert IssuedDocument.objects.count() == 0
    assert audit_verify().ok and AuditEntry.objects.filter(action="petition.history_import").count() == 5

    # nothing changes them later: the sweep leaves the overdue flag alone, no 复查 window closes a case
    deadlines_sweep()
    assert petitions_close_expired(today + dt.timedelta(days=400)) == 0
    assert Petition.objects.get(pk=b.pk).status == "replied" and Petition.objects.get(pk=a.pk).warning_level == "normal"


@pytest.mark.parametrize("stored_facts", [True, False])
def test_the_reports_count_the_imported_cases(users, settings, stored_facts):
    settings.XINFANG = {**settings.XINFANG, "REPORT_STORED_FACTS": stored_facts}  # the facts and the rows agree
    assert run_import(users, ledger()).created == 5
    period = make_period(timezone.localdate() - dt.timedelta(days=140), None)
    c = totals(users["demo_clerk"], period)
    assert c["items"] == 5
    # 按期办结率: A and E answered on time, B late, D overdue, C not yet due
    assert (c["rep_on_time"], c["rep_late"], c["rep_overdue"], c["rep_pending"]) == (2, 1, 1, 1)
    assert c.kpi(kpi_def("on_time_reply")) == 50.0
    assert (c["acc_timely"], c["acc_late"]) == (4, 1)  # B was accepted 35 days after receipt
    assert c["replied"] == 3  # A, B and E have a reply


def test_closed_before_accepted_refuses_the_whole_file(users):
    rows = ledger()
    rows.append(row("H-F", ago(40), "已办结", ago(30), ago(30, "10:00"), ago(35), "支持"))  # spreadsheet row 7
    before = counts()
    result = run_import(users, rows)
    assert [(e.row, e.column, e.field) for e in result.errors] == [(7, "办结时间", "closed_at")]
    assert "不能早于" in result.errors[0].message and ago(35, None) in result.errors[0].message
    assert result.created == 0 and counts() == before  # all rows or none


@pytest.mark.parametrize(("cells", "column", "message"), [
    (dict(status="已办结", accepted=ago(9), replied=ago(8), outcome="支持"), "办结时间", "请填写办结时间"),
    (dict(status="已答复", accepted=ago(9), replied=ago(8)), "处理结果", "请填写处理结果"),
    (dict(status="已答复", replied=ago(8), outcome="支持"), "受理时间", "请填写受理时间"),
    (dict(status="已受理", accepted=ago(9), replied=ago(8)), "答复时间", "不应填写答复时间"),
    (dict(status="已受理", accepted=ago(9), outcome="支持"), "处理结果", "不应填写处理结果"),
    (dict(status="已登记", unit="DH-JY"), "承办单位", "不应填写承办单位"),
    (dict(status="已结束", accepted=ago(9)), "状态", "无法识别的状态"),
    (dict(status="已答复", accepted=ago(9), replied=ago(8), outcome="部分"), "处理结果", "无法识别的处理结果"),
    (dict(status="已受理", accepted=ago(9), unit="不存在的局"), "承办单位", "承办单位不存在"),
    (dict(status="已受理", accepted=ago(-3)), "受理时间", "受理时间不能晚于当前时间"),
    (dict(status="已受理", accepted=ago(11)), "受理时间", "不能早于收到时间"),
    (dict(status="已答复", accepted=ago(5), replied=ago(7), outcome="支持"), "答复时间", "不能早于受理时间"),
    (dict(status="已受理", accepted="2026年2月30日"), "受理时间", "日期不存在"),
])
def test_impossible_histories_are_refused_per_row_in_chinese(users, cells, column, message):
    result = run_import(users, [row("X-1", ago(10), **cells)])
    assert [e.column for e in result.errors] == [column], result.errors
    assert message in result.errors[0].message and result.errors[0].row == 2
    assert Petition.objects.count() == 0


def test_a_date_without_time_on_the_day_of_receipt_counts_as_after_it(users):
    result = run_import(users, [row("X-2", ago(3, "15:20"), "已受理", ago(3, None))])
    assert result.errors == []
    p = Petition.objects.get()
    assert p.accepted_at == p.received_at == instant(3, "15:20")


def test_an_accusation_cannot_be_handled_by_the_accused_unit(users):
    headers = [*HEADERS, "性质", "被反映单位"]
    rows = [[*row("X-3", ago(10), "已受理", ago(9), unit="DH-JY"), "检举控告类", "DH-JY"]]
    before = counts()
    result = run_import(users, rows, headers)  # checked by the workflow at commit, reported on the row
    assert [(e.row, e.column) for e in result.errors] == [(2, "承办单位")]
    assert "被检举控告的单位" in result.errors[0].message and counts() == before


def test_the_command_imports_history_columns(users, tmp_path):
    path = tmp_path / "历史台账.csv"
    path.write_bytes(csv_bytes(ledger()[:1]))
    out = io.StringIO()
    call_command("import_petitions", str(path), "--user", "demo_clerk", stdout=out, stderr=io.StringIO())
    assert "导入成功：共导入1件信访件" in out.getvalue()
    assert "状态(status)←“状态”" in out.getvalue()
    assert Petition.objects.get().status == "closed"


def test_the_workflow_service_refuses_an_impossible_history_and_writes_nothing(users, register):
    from xinfang.common.errors import ApplicationError
    from xinfang.workflow.history import petition_history_apply

    clerk = users["demo_clerk"]
    p, _code = register(received_at=instant(10))
    before = counts()
    for kwargs, field in [
        (dict(status="closed", accepted_at=instant(9), replied_at=instant(8), closed_at=instant(9, "08:00"),
              outcome="support"), "closed_at"),
        (dict(status="accepted", accepted_at=instant(11)), "accepted_at"),
        (dict(status="accepted", accepted_at=instant(-1)), "accepted_at"),
        (dict(status="accepted"), "accepted_at"),
        (dict(status="accepted", accepted_at=instant(9), replied_at=instant(8)), "replied_at"),
        (dict(status="replied", accepted_at=instant(9), replied_at=instant(8), outcome="maybe"), "outcome"),
        (dict(status="in_handling", accepted_at=instant(9)), "status"),
    ]:
        with pytest.raises(ApplicationError) as exc:
            petition_history_apply(petition=p, actor=clerk, **kwargs)
        assert exc.value.field == field, kwargs
    assert counts() == before and Petition.objects.get(pk=p.pk).status == "registered"
    petition_history_apply(petition=p, actor=clerk, status="accepted", accepted_at=instant(9))
    assert p.status == "accepted" and p.version == 2
    with pytest.raises(ApplicationError, match="只有刚登记的信访件"):
        petition_history_apply(petition=p, actor=clerk, status="accepted", accepted_at=instant(9))
