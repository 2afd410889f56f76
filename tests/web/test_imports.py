"""批量导入 in the workbench: upload, preview with an editable mapping, progress, commit, the error
report, the template; and the whole path in a real browser."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xinfang.imports import limits
from xinfang.imports.access import resolve_unit
from xinfang.imports.committing import import_table
from xinfang.imports.fields import FIELDS
from xinfang.imports.mapping import match_headers
from xinfang.imports.progress import progress_path
from xinfang.imports.reading import read_table
from xinfang.petitions.models import ImportJob, Petition, Petitioner

VALID_ID = "11010519491231002X"
HEADERS = ["原编号", "来信来访日期", "信访形式", "事由", "反映内容", "诉求", "姓名", "身份证号", "联系电话", "人数",
           "分类", "问题属地"]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def day(n: int) -> str:
    return f"{timezone.localdate() - dt.timedelta(days=n):%Y-%m-%d} 09:30"


def rows(bad_id_row: int | None = None) -> list[list]:
    data = [
        ["W-1", day(3), "来访", "小区物业违规收取停车费", "幸福小区物业违规收取地面停车费。", "退还", "张三", VALID_ID,
         "13800138000", "1", "物业管理", "东湖区城关街道"],
        ["W-2", day(2), "来电", "夜间施工噪音", "工地夜间施工。", "停工", "李四", "", "13900139000", "", "", "东湖区"],
        ["W-3", day(1), "来信", "拖欠工资", "公司拖欠三个月工资。", "支付工资", "王五", "", "", "", "拖欠工资", ""],
    ]
    if bad_id_row is not None:
        data[bad_id_row - 2][7] = "110105194912310021"  # wrong check digit
    return data


def csv_file(data, name="台账.csv", encoding="gbk") -> SimpleUploadedFile:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADERS)
    w.writerows(data)
    return SimpleUploadedFile(name, buf.getvalue().encode(encoding), content_type="text/csv")


def xlsx_data(data) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for r in data:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def clerk_client(client, users):
    client.force_login(users["demo_clerk"])
    return client


def upload(client, f, **extra) -> ImportJob:
    response = client.post("/imports/", {"file": f, **extra})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.latest("pk")
    assert response["Location"] == f"/imports/{job.pk}/"
    return job


def mapping_form(html: str) -> dict:
    """The selected option of every map_N select, as the browser would post it."""
    form = {}
    for name, body in re.findall(r'<select name="(map_\d+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        form[name] = chosen.group(1) if chosen else ""
    return form


def test_upload_preview_commit(clerk_client, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    page = clerk_client.get("/imports/").content.decode()
    assert "下载导入模板" in page and 'type="file"' in page
    job = upload(clerk_client, csv_file(rows()))
    assert job.state == ImportJob.State.PREVIEWED and job.total_rows == 3
    html = clerk_client.get(f"/imports/{job.pk}/").content.decode()
    form = mapping_form(html)
    assert form["map_3"] == "title" and form["map_6"] == "petitioner_name" and form["map_0"] == "external_id"
    assert "共 3 行数据" in html and "表头在第 1 行" in html
    # the preview shows rows as they will be stored, personal data masked
    assert "示范省示范市东湖区城关街道" in html and "城乡建设 / 住房保障与房地产 / 物业管理" in html
    assert "张*" in html and "110105********002X" in html and VALID_ID not in html and "13800138000" not in html
    assert "张三" not in html  # the column samples are masked too
    assert 'data-row="2"' in html and 'data-row="4"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk_client.post(f"/imports/{job.pk}/commit/", {**form, "channel": ""})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.created_count == 3
    html = clerk_client.get(f"/imports/{job.pk}/").content.decode()
    assert "导入完成" in html and "已导入3件信访件" in html
    assert Petition.objects.filter(receiving_unit__code="DH-XF").count() == 3
    assert "已完成" in clerk_client.get("/imports/").content.decode()  # listed among recent imports


def test_a_bad_row_is_reported_and_nothing_is_imported(clerk_client, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    job = upload(clerk_client, csv_file(rows(bad_id_row=3)))
    html = clerk_client.get(f"/imports/{job.pk}/").content.decode()
    assert re.search(r'<tr class="bad" data-row="3">.*?身份证号码校验位错误', html, re.S)  # seen in the preview
    with django_capture_on_commit_callbacks(execute=True):
        clerk_client.post(f"/imports/{job.pk}/commit/", mapping_form(html))
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert job.errors == [{"row": 3, "column": "身份证号", "field": "petitioner_id_number",
                           "message": "身份证号码校验位错误，请核对最后一位。"}]
    html = clerk_client.get(f"/imports/{job.pk}/").content.decode()
    assert "未导入" in html and "共1处错误（涉及1行），全部未导入" in html
    assert re.search(r'<tr data-row="3"><td class="num">3</td><td>身份证号</td><td>身份证号码校验位错误', html)
    assert Petition.objects.count() == 0 and Petitioner.objects.count() == 0
    assert "重新导入" in html  # the mapping can be changed and the job run again


def test_the_mapping_is_editable(clerk_client):
    job = upload(clerk_client, csv_file(rows()))
    form = mapping_form(clerk_client.get(f"/imports/{job.pk}/").content.decode())
    form["map_5"] = ""  # 诉求: not imported
    form["map_0"] = ""
    response = clerk_client.post(f"/imports/{job.pk}/", {**form, "channel": "letter"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert "demands" not in job.mapping and "external_id" not in job.mapping and job.channel == "letter"
    # two columns for one field: refused with a message, inside the form htmx swaps
    form["map_4"] = "title"
    response = clerk_client.post(f"/imports/{job.pk}/", form, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "“标题”被指定给了多列：事由、反映内容" in html
    assert html.index("被指定给了多列") > html.index('id="import-setup"')
    assert clerk_client.post(f"/imports/{job.pk}/", form).status_code == 422
    job.refresh_from_db()
    assert job.mapping["content"] == "反映内容"
    # a required column unmapped: the start button is disabled and the commit refused
    form["map_4"] = ""
    html = clerk_client.post(f"/imports/{job.pk}/", form, HTTP_HX_REQUEST="true").content.decode()
    assert "缺少必填列：反映内容" in html and re.search(r'disabled id="import-start"', html)
    assert clerk_client.post(f"/imports/{job.pk}/commit/", form).status_code == 422
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEWED


@pytest.mark.parametrize(("f", "message"), [
    (SimpleUploadedFile("报告.pdf", b"%PDF-1.4 x"), "不支持的文件类型：pdf"),
    (SimpleUploadedFile("台账.xlsx", b""), "文件是空的"),
    (SimpleUploadedFile("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64), "旧版 Excel"),
    (SimpleUploadedFile("台账.xlsx", b"not a zip at all"), "不是有效的 .xlsx"),
    (SimpleUploadedFile("台账.csv", "2026-03-02,来信,停车收费,物业乱收停车费,张三\n".encode("gbk")), "未找到表头行"),
    (None, "请选择要导入的文件"),
])
def test_unusable_uploads_never_500(clerk_client, f, message):
    response = clerk_client.post("/imports/", {"file": f} if f else {})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_too_many_rows(clerk_client, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 2)
    response = clerk_client.post("/imports/", {"file": csv_file(rows())})
    assert response.status_code == 422 and "最多2行" in response.content.decode()


def test_progress_endpoint(clerk_client, users):
    job = upload(clerk_client, csv_file(rows()))
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED, total_rows=3)
    html = clerk_client.get(f"/imports/{job.pk}/").content.decode()
    assert 'id="import-progress"' in html and 'hx-trigger="every 1s"' in html and "排队中" in html
    assert 'id="import-setup"' not in html  # no mapping changes while it runs
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING, message="validate",
                                               processed_rows=1, total_rows=4)
    html = clerk_client.get(f"/imports/{job.pk}/progress/").content.decode()
    assert 'data-phase="validate"' in html and "1 / 4" in html and "width: 25%" in html
    assert 'hx-trigger="every 1s"' in html
    ImportJob.objects.filter(pk=job.pk).update(message="write", processed_rows=0)
    path = progress_path(job.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("3")  # the write phase reports through the side file on SQLite
    html = clerk_client.get(f"/imports/{job.pk}/progress/").content.decode()
    assert 'data-phase="write"' in html and "3 / 4" in html and "width: 75%" in html
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.DONE, message="已导入4件信访件。")
    response = clerk_client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true" and "hx-trigger" not in response.content.decode()
    assert "HX-Refresh" not in clerk_client.get(f"/imports/{job.pk}/progress/")


def test_jobs_are_private(client, clerk_client, users):
    job = upload(clerk_client, csv_file(rows()))
    client.force_login(users["demo_clerk2"])
    for url in (f"/imports/{job.pk}/", f"/imports/{job.pk}/progress/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/imports/{job.pk}/commit/").status_code == 404
    assert client.get("/imports/999999/").status_code == 404
    assert job.filename not in client.get("/imports/").content.decode()


def test_only_registering_staff_may_import(client, users):
    client.force_login(users["demo_handler"])
    html = client.get("/imports/").content.decode()
    assert "没有登记信访件的权限" in html and 'type="file"' not in html
    response = client.post("/imports/", {"file": csv_file(rows())})
    assert response.status_code == 409 and ImportJob.objects.count() == 0
    assert client.get("/imports/template/").status_code == 404


def test_the_template_is_generated_and_imports_back(clerk_client, users):
    from openpyxl import load_workbook

    response = clerk_client.get("/imports/template/")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    data = response.content
    table = read_table(data, "template.xlsx")
    mapping = match_headers(table.headers)
    assert set(mapping) == set(FIELDS)  # every column of the template is recognised
    assert table.rows == []
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    values = {"收到时间": dt.datetime.now().replace(microsecond=0) - dt.timedelta(days=1), "信访形式": "来访",
              "标题": "模板导入", "反映内容": "用模板登记的一件。", "信访人姓名": "赵七", "身份证号": VALID_ID,
              "内容分类": "010101", "问题属地": "990102001", "是否紧急": "是"}
    for i, cell in enumerate(ws[1], start=1):
        if cell.value in values:
            ws.cell(row=2, column=i, value=values[cell.value])
    buf = io.BytesIO()
    wb.save(buf)
    table = read_table(buf.getvalue(), "filled.xlsx")
    user = users["demo_clerk"]
    result = import_table(table, match_headers(table.headers), actor=user, unit=resolve_unit(user, None))
    assert result.errors == [] and result.created == 1
    p = Petition.objects.get()
    assert p.is_urgent and p.category.code == "010101" and p.petitioners.get().id_number == VALID_ID


# ---- a real browser ------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_bad_row_is_reported_and_nothing_imported(org, login, live_server, settings):
    settings.TASKS = IMMEDIATE
    page = login("demo_clerk")
    page.click("a[data-nav=imports]")
    page.wait_for_load_state("networkidle")
    assert "批量导入" in page.inner_text("h1")
    page.set_input_files("input[name=file]", files=[{"name": "东湖区台账.xlsx", "mimeType": XLSX,
                                                     "buffer": xlsx_data(rows(bad_id_row=3))}])
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "东湖区台账.xlsx" in page.inner_text("h1")
    assert page.locator("select[name=map_3]").input_value() == "title"
    bad = page.locator("table.import-preview tr.bad")
    assert bad.count() == 1 and bad.get_attribute("data-row") == "3"
    # change the mapping through htmx: the preview is redrawn in place, no page load
    page.evaluate("window.__same_page = true")
    page.select_option("select[name=map_3]", "")  # 事由 not imported: titles come from the content
    page.wait_for_selector("text=没有指定标题列，取反映内容的第一句")
    first_title = page.locator("table.import-preview tbody tr").first.locator("td").nth(3).inner_text()
    assert first_title == "幸福小区物业违规收取地面停车费"
    page.select_option("select[name=map_3]", "title")
    page.wait_for_selector("text=没有指定标题列", state="detached")
    page.select_option("select[name=map_5]", "")  # 诉求 not imported
    page.wait_for_selector("tr.unmapped select[name=map_5]", state="attached")
    assert page.evaluate("window.__same_page") is True
    page.click("#import-start")
    page.wait_for_load_state("networkidle")
    report = page.locator("table.import-errors")
    report.wait_for()
    assert report.locator("tbody tr").count() == 1
    cells = report.locator("tbody tr td").all_inner_texts()
    assert cells == ["3", "身份证号", "身份证号码校验位错误，请核对最后一位。"]
    assert "全部未导入" in page.inner_text("main")
    assert Petition.objects.count() == 0 and Petitioner.objects.count() == 0
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.FAILED and "demands" not in job.mapping and job.mapping["title"] == "事由"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_progress_polls_until_done(org, login, live_server):
    from xinfang.imports.tasks import import_petitions_job

    page = login("demo_clerk")
    page.goto(live_server.url + "/imports/")
    page.set_input_files("input[name=file]", files=[{"name": "ledger.xlsx", "mimeType": XLSX,
                                                     "buffer": xlsx_data(rows())}])
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    page.click("#import-start")  # queued in the database backend; no worker runs in this test
    page.wait_for_selector("#import-progress[data-phase=queued]")
    assert "排队中" in page.inner_text("#import-progress")
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.QUEUED
    import_petitions_job.call(job.pk)  # what the worker does
    page.wait_for_selector("section.import-result.ok", timeout=10_000)  # the poll saw it finish
    assert "已导入3件信访件" in page.inner_text("main")
    assert Petition.objects.count() == 3
