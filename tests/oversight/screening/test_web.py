"""The screening pages through Django's test client: the informant's form and home panel, a leader's
urgent banner and acknowledgement, the ledger (filters, create/edit, xlsx export), a report's two
one-step outcomes and a round's completion."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from xinfang.oversight.screening import services
from xinfang.oversight.screening.models import (
    InformantReport,
    ReportStatus,
    RiskItem,
    ScreeningRound,
    UrgentAlert,
)

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client, org):
    def _as(username):
        client.logout()
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return _as


def text(r) -> str:
    return r.content.decode()


def test_an_informant_files_an_urgent_report_and_a_leader_acknowledges_it(as_user):
    c = as_user("demo_informant")
    home = text(c.get("/"))
    assert "data-informant-panel" in home and 'href="/screening/report/"' in home
    assert 'data-nav="screening_report_new"' in home and 'data-nav="screening_risks"' not in home
    form = c.get("/screening/report/")
    assert form.status_code == 200 and "data-report-form" in text(form) and 'value="990102001001"' in text(form)
    r = c.post("/screening/report/", {"title": "", "content": "内容"})
    assert r.status_code == 422 and "请填写标题" in text(r) and "内容" in text(r)
    assert not InformantReport.objects.exists()
    r = c.post("/screening/report/", {"title": "业主扬言集体上访", "content": "周五到区政府", "region": "990102001001",
                                      "people_involved": "约30人", "urgent": "1"})
    assert r.status_code == 302 and r["Location"] == "/screening/reports/"
    report = InformantReport.objects.get()
    assert report.urgent and report.reporter.username == "demo_informant"
    home = text(c.get("/"))
    assert "业主扬言集体上访" in home and "data-urgent-alerts" not in home  # the informant's own list
    assert c.get("/screening/risks/").status_code == 403 and c.get("/screening/rounds/").status_code == 403

    leader = as_user("demo_town_leader")
    home = text(leader.get("/"))
    assert f'data-urgent-report="{report.pk}"' in home and "业主扬言集体上访" in home
    r = leader.post(f"/screening/reports/{report.pk}/ack/")
    assert r.status_code == 302 and r["Location"] == "/"
    assert "data-urgent-alerts" not in text(leader.get("/"))
    assert f'data-urgent-report="{report.pk}"' in text(as_user("demo_reviewer").get("/"))  # per leader
    assert as_user("demo_town_leader2").post(f"/screening/reports/{report.pk}/ack/").status_code == 404
    assert "data-urgent-alerts" not in text(as_user("demo_leader").get("/"))  # a department's leader: no


def test_the_ledger_page_filters_creates_edits_and_exports(as_user, org):
    c = as_user("demo_town_leader")
    r = c.post("/screening/risks/new/", {"title": "", "unit": "DH-T1", "level": "high"})
    assert r.status_code == 422 and "请填写矛盾纠纷事项" in text(r)
    r = c.post("/screening/risks/new/", {"title": "=HYPERLINK(\"x\")拆迁补偿纠纷", "unit": "DH-T1-V1", "level": "high",
                                         "people_count": "12", "owner": "demo_town_leader", "due": "2026-01-05",
                                         "status": "open", "region": "990102001001"})
    item = RiskItem.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/screening/risks/{item.pk}/"
    services.risk_create(actor=get_user_model().objects.get(username="demo_town_leader"),
                         data={"title": "低风险事项", "unit": "DH-T1", "level": "low"})
    listing = text(c.get("/screening/risks/?level=high"))
    assert "拆迁补偿纠纷" in listing and "低风险事项" not in listing
    assert "低风险事项" in text(c.get("/screening/risks/?status=active&unit=DH-T1&q=%E4%BD%8E"))
    assert "拆迁补偿纠纷" in text(c.get("/screening/risks/?overdue=1"))
    assert c.get("/screening/risks/?due_before=zz&level=%00&page=x").status_code == 200
    assert c.get("/screening/risks/?unit=%00&q=%00&status=%00").status_code == 200  # PostgreSQL refuses NUL
    # edit
    r = c.post(f"/screening/risks/{item.pk}/", {"title": "拆迁补偿纠纷", "level": "major", "status": "resolved",
                                                "outcome": ""})
    assert r.status_code == 422 and "化解结果" in text(r)
    r = c.post(f"/screening/risks/{item.pk}/", {"title": "拆迁补偿纠纷", "level": "major", "status": "controlled",
                                                "owner": "demo_town_leader", "people_count": "12"})
    item.refresh_from_db()
    assert r.status_code == 302 and item.level == "major" and item.status == "controlled"
    # export: the filtered rows, formulas neutralised
    r = c.get("/screening/risks/?export=xlsx&level=major")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "矛盾纠纷事项" and len(rows) == 2 and rows[1][0] == "拆迁补偿纠纷" and rows[1][5] == "重大"
    # scope: the other district and a department answer 404 on the item
    assert as_user("demo_town_leader2").get(f"/screening/risks/{item.pk}/").status_code == 404
    assert as_user("demo_handler").get(f"/screening/risks/{item.pk}/").status_code == 404
    assert as_user("demo_informant").get(f"/screening/risks/{item.pk}/").status_code == 404
    assert c.get("/screening/risks/99999999999999999999999/").status_code == 404


def test_a_report_page_turns_it_into_a_ledger_item_or_a_petition(as_user, org):
    informant = get_user_model().objects.get(username="demo_informant")
    a = services.report_create(actor=informant, title="土地纠纷", content="两户因宅基地争执")
    b = services.report_create(actor=informant, title="欠薪", content="工地拖欠工资", urgent=True)
    c = as_user("demo_town_leader")
    page = text(c.get(f"/screening/reports/{a.pk}/"))
    assert "data-to-risk" in page and "data-register" not in page  # a leader is no clerk
    r = c.post(f"/screening/reports/{a.pk}/to-risk/", {"level": "bogus"})
    assert r.status_code == 422 and "风险等级无效" in text(r)
    r = c.post(f"/screening/reports/{a.pk}/to-risk/", {"level": "medium", "due": "2026-12-31"})
    a.refresh_from_db()
    assert a.status == ReportStatus.RISK and r["Location"] == f"/screening/risks/{a.risk_id}/"
    clerk = as_user("demo_clerk")
    assert "data-register" in text(clerk.get(f"/screening/reports/{b.pk}/"))
    r = clerk.post(f"/screening/reports/{b.pk}/register/", {"channel": "visit", "petitioner_name": "赵六"})
    b.refresh_from_db()
    assert b.status == ReportStatus.PETITION and r["Location"] == f"/petitions/{b.petition_id}/"
    assert clerk.post(f"/screening/reports/{b.pk}/register/").status_code == 409
    # the informant sees the outcome of their reports, no staff forms
    page = text(as_user("demo_informant").get(f"/screening/reports/{b.pk}/"))
    assert "已登记信访件" in page and "data-register" not in page and "data-to-risk" not in page
    assert as_user("demo_informant2").get(f"/screening/reports/{b.pk}/").status_code == 404


def test_a_round_page_completes_the_round(as_user, org):
    services.screening_sweep(at("2026-12-02"))
    rnd = ScreeningRound.objects.get(unit__code="DH-T1-V1")
    assert "data-round-close" not in text(as_user("demo_informant").get(f"/screening/rounds/{rnd.pk}/"))
    c = as_user("demo_town_leader")
    assert "幸福社区" in text(c.get("/screening/rounds/"))
    r = c.post(f"/screening/rounds/{rnd.pk}/", {"findings": ""})
    assert r.status_code == 422
    r = c.post(f"/screening/rounds/{rnd.pk}/", {"findings": "未发现新的矛盾纠纷。"})
    rnd.refresh_from_db()
    assert r.status_code == 302 and rnd.status == "closed"
    assert as_user("demo_town_leader2").get(f"/screening/rounds/{rnd.pk}/").status_code == 404
    assert not UrgentAlert.objects.exists()


def test_the_schedule_page_is_for_administrators(as_user, org):
    assert as_user("demo_clerk").get("/screening/schedule/").status_code == 403
    c = as_user("demo_admin")
    page = text(c.get("/screening/schedule/"))
    assert 'data-level="village"' in page and "每周" in page
    r = c.post("/screening/schedule/", {"level": "town", "unit": "DH-T2", "cadence": "bogus"})
    assert r.status_code == 422 and "排查周期无效" in text(r)
    r = c.post("/screening/schedule/", {"level": "town", "unit": "DH-T2", "cadence": "weekly", "note": "试行"})
    assert r.status_code == 302
    assert 'data-override="DH-T2"' in text(c.get("/screening/schedule/"))
