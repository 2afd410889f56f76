"""登记 (intake): the per-channel form, refusals that keep what was typed, the repeat look-up, the
query code shown once, the printable receipt; and one collective visit in a real browser."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from intake_helpers import ID_A, ID_B, id_number, intake_data, logged_in

from xinfang.audit.models import AuditEntry
from xinfang.petitions.models import Attachment, Petition, Petitioner
from xinfang.petitions.services import query_code_hash

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(users):
    """client_for(username) -> a test client logged in as that demo account."""
    return lambda username: logged_in(users[username])


@pytest.fixture
def clerk(users):
    return logged_in(users["demo_clerk"])

CHANNELS = ["letter", "visit", "phone", "online", "email", "fax", "hotline", "transfer_in"]
CODE_RE = re.compile(r'class="query-code">([A-Z0-9]{8})<')


def _rows(n, reps):
    return [{"name": f"居民{i + 1:02d}", "id_number": id_number(i + 1), "rep": i < reps} for i in range(n)]


def test_intake_redirects_to_last_channel(clerk):
    response = clerk.get("/intake/")
    assert response.status_code == 302 and response["Location"] == "/intake/visit/"
    clerk.get("/intake/hotline/")
    assert clerk.get("/intake/")["Location"] == "/intake/hotline/"


@pytest.mark.parametrize("channel", CHANNELS)
def test_form_renders_per_channel(clerk, channel):
    response = clerk.get(f"/intake/{channel}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="intake-form"' in html and "保存登记" in html
    assert html.count(" autofocus") == 1  # exactly one field gets the cursor
    focus = "p-0-phone" if channel in ("phone", "hotline") else "p-0-name"
    assert re.search(rf'name="{focus}"[^>]*autofocus', html, re.S)
    assert 'list="category-list"' in html and "城乡建设 / 住房保障与房地产 / 物业管理" in html
    assert "示范省 / 示范市 / 东湖区 / 城关街道" in html  # the region picker
    assert 'class="on" aria-current="page"' in html


def test_unknown_channel_is_404(clerk):
    assert clerk.get("/intake/pigeon/").status_code == 404


def test_non_clerk_may_not_register(client_for):
    response = client_for("demo_handler").get("/intake/visit/")
    assert response.status_code == 403
    assert "没有登记信访件的权限" in response.content.decode()
    response = client_for("demo_handler").post("/intake/visit/", intake_data())
    assert response.status_code == 403 and Petition.objects.count() == 0


@pytest.mark.parametrize("channel", CHANNELS)
def test_happy_path_per_channel(clerk, channel):
    extra = {"external_id": "GD-2026-0001"} if channel not in ("visit", "letter", "phone") else {}
    if channel == "hotline":
        extra["demand_type"] = "complaint"
    response = clerk.post(f"/intake/{channel}/", intake_data(**extra))
    assert response.status_code == 302, response.content.decode()[:2000]
    p = Petition.objects.get()
    assert response["Location"] == f"/petitions/{p.pk}/"
    assert p.channel == channel and p.receiving_unit.code == "DH-XF" and p.status == "registered"
    assert p.category.code == "010101" and p.problem_region.code == "990102001"
    assert p.title == "小区物业违规收取停车费" and p.headcount == 1 and p.visit_kind == "individual"
    if extra.get("external_id"):
        assert p.external_id == "GD-2026-0001"
    person = p.petitioner_links.get().petitioner
    assert person.name == "张三" and person.id_number == ID_A and person.phone == "13800138000"
    page = clerk.get(response["Location"]).content.decode()
    assert p.number in page and "已登记" in page
    code = CODE_RE.search(page).group(1)
    assert p.query_code_hash == query_code_hash(p.number, code)


def test_query_code_shown_once_and_never_stored(clerk):
    response = clerk.post("/intake/visit/", intake_data())
    p = Petition.objects.get()
    first = clerk.get(response["Location"]).content.decode()
    code = CODE_RE.search(first).group(1)
    assert f"/petitions/{p.pk}/receipt/" in first  # the printable receipt is one click away
    assert code not in clerk.get(response["Location"]).content.decode()  # the message is gone
    # never stored with the petition: only its keyed hash is
    values = [str(v) for v in Petition.objects.filter(pk=p.pk).values().get().values()]
    assert not any(code in v for v in values)
    assert not any(code in str(e.data) for e in AuditEntry.objects.all())
    receipt = clerk.get(f"/petitions/{p.pk}/receipt/")
    html = receipt.content.decode()
    assert receipt.status_code == 200 and "no-store" in receipt["Cache-Control"]
    assert code in html and p.number in html
    again = clerk.get(f"/petitions/{p.pk}/receipt/").content.decode()
    assert code not in again and "已告知" in again and p.number in again


def test_receipt_contents(clerk):
    clerk.post("/intake/letter/", intake_data())
    p = Petition.objects.get()
    html = clerk.get(f"/petitions/{p.pk}/receipt/").content.decode()
    for text in ("信访事项登记回执", "东湖区信访局", p.number, "张*", "来信", "小区物业违规收取停车费",
                 "15日内", "第二十二条、第二十三条", "查询码", "/portal/"):
        assert text in html, text
    assert p.received_at.astimezone().strftime("%Y年") in html
    assert "13800138000" not in html and ID_A not in html  # no personal data in clear
    assert "data-print" in html  # the print button (app.js prints; no inline handler under the CSP)


def test_receipt_outside_jurisdiction_is_404(clerk, client_for):
    clerk.post("/intake/visit/", intake_data())
    p = Petition.objects.get()
    assert client_for("demo_clerk2").get(f"/petitions/{p.pk}/receipt/").status_code == 404


def test_collective_visit_of_six_with_five_representatives(clerk):
    response = clerk.post("/intake/visit/", intake_data(rows=_rows(6, 5), headcount="6"))
    assert response.status_code == 302, response.content.decode()[:3000]
    p = Petition.objects.get()
    assert p.headcount == 6 and p.visit_kind == "collective"
    links = list(p.petitioner_links.order_by("position"))
    assert len(links) == 6 and sum(lk.is_representative for lk in links) == 5
    assert [lk.petitioner.name for lk in links] == [f"居民{i:02d}" for i in range(1, 7)]


def test_headcount_defaults_to_the_petitioners(clerk):
    clerk.post("/intake/visit/", intake_data(rows=_rows(3, 1)))
    p = Petition.objects.get()
    assert p.headcount == 3 and p.visit_kind == "group"


def test_six_representatives_refused_with_everything_kept(clerk):
    response = clerk.post("/intake/visit/", intake_data(rows=_rows(6, 6), headcount="6"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "代表人数不超过5人" in html
    assert 'data-for="petitioners"' in html
    for i in range(1, 7):
        assert f'value="居民{i:02d}"' in html and f'value="{id_number(i)}"' in html
    assert all(re.search(f'name="p-{i}-rep"[^>]* checked', html) for i in range(6))
    assert re.search('name="p-0-rep"[^>]* autofocus', html)  # the cursor goes to the representatives
    assert 'value="6"' in html and 'value="小区物业违规收取停车费"' in html
    assert Petition.objects.count() == 0 and Petitioner.objects.count() == 0


def test_invalid_id_number_keeps_values_and_shows_chinese_error(clerk):
    rows = [{"name": "张三", "id_number": ID_A, "phone": "13800138000"},
            {"name": "李四", "id_number": "110105198001010012", "phone": "13900139000", "address": "青山镇桃园村"}]
    response = clerk.post("/intake/visit/", intake_data(rows=rows, demands="请求退费", accused_person="王某"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "身份证号码校验位错误，请核对最后一位" in html and 'data-for="p-1-id_number"' in html
    # the invalid field is marked and gets the cursor
    assert re.search(r'name="p-1-id_number" value="110105198001010012"[^>]*class="lk mono invalid"[^>]*autofocus', html)
    for kept in ('value="李四"', 'value="13900139000"', 'value="青山镇桃园村"', 'value="张三"',
                 'value="小区物业违规收取停车费"', "业主多次反映无果", "请求退费", 'value="王某"',
                 'value="城乡建设 / 住房保障与房地产 / 物业管理"', 'value="示范省 / 示范市 / 东湖区 / 城关街道"'):
        assert kept in html, kept
    assert Petition.objects.count() == 0 and Petitioner.objects.count() == 0


def test_blank_rows_are_ignored_and_renumbered(clerk):
    data = intake_data(rows=[])
    data.update({"p-0-name": "", "p-3-name": "赵六", "p-3-phone": "13700137000", "p-7-name": "钱七",
                 "p-7-id_number": "bad"})
    response = clerk.post("/intake/visit/", data)
    assert response.status_code == 422
    html = response.content.decode()
    # 钱七 is the second petitioner: the error points at row 1 after renumbering
    assert 'data-for="p-1-id_number"' in html and 'name="p-1-name" value="钱七"' in html


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "", "请填写标题"),
    ("content", "", "请填写反映内容"),
    ("category", "不存在的分类", "内容分类不存在"),
    ("problem_region", "火星", "问题属地不存在"),
    ("accused_unit", "不存在的单位", "被反映单位不存在"),
    ("headcount", "很多", "人数应为正整数"),
    ("received_at", "昨天", "收到时间格式无效"),
    ("received_at", "2099-01-01T10:00", "收到时间不能晚于当前时间"),
])
def test_field_errors_are_shown_next_to_the_field(clerk, field, value, message):
    response = clerk.post("/intake/visit/", intake_data(**{field: value}))
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html and f'data-for="{field}"' in html
    assert Petition.objects.count() == 0


def test_pickers_accept_codes_and_names(clerk):
    data = intake_data(category="010101", problem_region="990102001", accused_unit="东湖区住房和城乡建设局（DH-ZJ）",
                       nature="accusation")
    assert clerk.post("/intake/visit/", data).status_code == 302
    p = Petition.objects.get()
    assert p.category.code == "010101" and p.problem_region.code == "990102001"
    assert p.accused_unit.code == "DH-ZJ" and p.nature == "accusation"


def test_flags_anonymous_without_petitioners(clerk):
    data = intake_data(rows=[], is_anonymous="on", is_urgent="on", is_litigation="on")
    assert clerk.post("/intake/letter/", data).status_code == 302
    p = Petition.objects.get()
    assert p.is_anonymous and p.is_urgent and p.is_litigation and p.petitioner_links.count() == 0


def test_no_petitioner_and_not_anonymous_is_refused(clerk):
    response = clerk.post("/intake/letter/", intake_data(rows=[]))
    assert response.status_code == 422
    assert "请至少填写一名信访人" in response.content.decode()


def test_attachments_are_stored(clerk):
    data = intake_data(attachment_kind="letter")
    data["attachments"] = [SimpleUploadedFile("来信.pdf", b"%PDF-1.4 test", "application/pdf"),
                           SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff test", "image/jpeg")]
    response = clerk.post("/intake/letter/", data)
    assert response.status_code == 302
    atts = list(Attachment.objects.order_by("original_name"))
    assert [a.original_name for a in atts] == ["photo.jpg", "来信.pdf"]
    assert all(a.kind == "letter" and a.petition == Petition.objects.get() for a in atts)


def test_bad_attachment_refused_and_nothing_stored(clerk):
    data = intake_data()
    data["attachments"] = [SimpleUploadedFile("ok.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
                           SimpleUploadedFile("virus.exe", b"MZ", "application/octet-stream")]
    response = clerk.post("/intake/visit/", data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "不支持的附件类型" in html and 'data-for="attachments"' in html and "请重新选择附件" in html
    assert Petition.objects.count() == 0 and Attachment.objects.count() == 0


# ---- look-up and repeat ------------------------------------------------------------------------

def test_lookup_shows_repeat_warning_for_known_id_number(clerk, register):
    earlier, _ = register(title="幸福小区停车收费问题")
    response = clerk.post("/intake/lookup/", {"p-0-name": "张三", "p-0-id_number": ID_A.lower(), "p-0-phone": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "重复信访提示" in html and earlier.number in html and "幸福小区停车收费问题" in html
    assert "尚未办结" in html and "身份证号一致" in html
    assert f"/intake/repeat/?petition={earlier.pk}" in html and "关联为重复信访" in html
    assert ID_A not in html and "13800138000" not in html  # masked


def test_lookup_by_phone_and_by_name(clerk, register):
    earlier, _ = register()
    by_phone = clerk.post("/intake/lookup/", {"p-0-phone": "138 0013 8000"}).content.decode()
    assert earlier.number in by_phone and "电话一致" in by_phone
    by_name = clerk.post("/intake/lookup/", {"p-0-name": "张三"}).content.decode()
    assert earlier.number in by_name and "可能同名" in by_name


def test_lookup_unknown_and_partial(clerk, register):
    register()
    unknown = clerk.post("/intake/lookup/", {"p-0-id_number": ID_B}).content.decode()
    assert "未查到" in unknown and "重复信访提示" not in unknown
    partial = clerk.post("/intake/lookup/", {"p-0-id_number": "110105"}).content.decode()
    assert "请输入完整" in partial


def test_lookup_respects_jurisdiction(client_for, register):
    register()
    html = client_for("demo_clerk2").post("/intake/lookup/", {"p-0-id_number": ID_A}).content.decode()
    assert "重复信访提示" not in html and "未查到" in html


def test_lookup_hides_accusers_outside_the_handling_chain(client_for, register, act, users):
    # the city office registers an accusation and forwards it to a district department: the
    # district petition office can see the petition (its region) but is outside the handling chain
    p, _ = register(actor=users["demo_city_dispatcher"], nature="accusation", title="举报住建局工作人员吃拿卡要")
    act("demo_city_dispatcher", p, "forward", unit="DH-RS")
    outsider = client_for("demo_clerk").post("/intake/lookup/", {"p-0-id_number": ID_A}).content.decode()
    assert p.number not in outsider and "重复信访提示" not in outsider
    insider = client_for("demo_city_dispatcher").post("/intake/lookup/", {"p-0-id_number": ID_A}).content.decode()
    assert p.number in insider


def test_link_as_repeat(clerk, register):
    earlier, _ = register()
    chip = clerk.get("/intake/repeat/", {"petition": earlier.pk}).content.decode()
    assert f'name="repeat_of" value="{earlier.pk}"' in chip and earlier.number in chip
    assert 'name="repeat_of" value=""' in clerk.get("/intake/repeat/").content.decode()
    response = clerk.post("/intake/visit/", intake_data(repeat_of=str(earlier.pk)))
    assert response.status_code == 302
    p = Petition.objects.exclude(pk=earlier.pk).get()
    assert p.repeat_of == earlier and not p.is_first


def test_repeat_of_outside_jurisdiction_refused(client_for, register):
    earlier, _ = register()
    other = client_for("demo_clerk2")
    assert other.get("/intake/repeat/", {"petition": earlier.pk}).status_code == 404
    response = other.post("/intake/visit/", intake_data(repeat_of=str(earlier.pk),
                                                        problem_region="990103001"))
    assert response.status_code == 422 and 'data-for="repeat_of"' in response.content.decode()
    assert Petition.objects.count() == 1


def test_repeat_chip_survives_a_refusal(clerk, register):
    earlier, _ = register()
    response = clerk.post("/intake/visit/", intake_data(repeat_of=str(earlier.pk), title=""))
    assert response.status_code == 422
    assert f'name="repeat_of" value="{earlier.pk}"' in response.content.decode()


def test_lookup_answers_into_the_slot_of_its_row(clerk, register):
    register()
    html = clerk.post("/intake/lookup/", {"p-3-name": "张三", "p-3-id_number": ID_A}).content.decode()
    assert html.startswith('<div id="lk-3" class="lk-slot">') and "重复信访提示</b>（张三）" in html


def test_form_has_a_row_template_and_lookup_slots(clerk):
    html = clerk.get("/intake/visit/").content.decode()
    assert '<template id="row-template">' in html and 'name="p-__i__-name"' in html
    assert 'id="lk-0"' in html and 'hx-target="#lk-0"' in html


# ---- in a real browser -------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_collective_visit_of_six(org, login, live_server):
    page = login("demo_clerk")
    page.click("a[data-nav=intake]")
    page.wait_for_url("**/intake/visit/")
    # the cursor starts in the first petitioner's name
    assert page.evaluate("document.activeElement.name") == "p-0-name"
    for i in range(6):
        if i:
            page.keyboard.press("Alt+n")
            page.wait_for_selector(f"input[name=p-{i}-name]")
            assert page.evaluate("document.activeElement.name") == f"p-{i}-name"
        page.keyboard.type(f"居民{i + 1:02d}")
        page.keyboard.press("Enter")  # Enter moves on, never submits
        assert page.evaluate("document.activeElement.name") == f"p-{i}-id_number"
        page.keyboard.type(id_number(i + 1))
        if i < 5:
            page.check(f"input[name=p-{i}-rep]")
    assert "代表 5 / 5" in page.inner_text("#rep-count")
    assert "集体访" in page.inner_text("#visit-kind")
    # the look-up ran for the ID number typed last: no earlier petitions
    page.wait_for_selector("#lookup .first-time")
    assert Petition.objects.count() == 0
    page.fill("input[name=title]", "青山镇桃园村征地补偿款未发放")
    page.fill("textarea[name=content]", "桃园村六户村民反映征地补偿款至今未发放到位。")
    page.fill("input[name=category]", "国土/自然资源 / 土地征收 / 征地补偿")
    page.fill("input[name=problem_region]", "示范省 / 示范市 / 东湖区 / 青山镇 / 桃园村")
    page.click("#intake-save")
    page.wait_for_url("**/petitions/*/")
    p = Petition.objects.get()
    body = page.inner_text("main")
    assert p.number in body and "查询码" in body
    assert p.headcount == 6 and p.visit_kind == "collective"
    assert p.petitioner_links.filter(is_representative=True).count() == 5
    assert p.category.code == "040101" and p.problem_region.code == "990102002001"
    # the receipt opens with the query code, printable
    with page.expect_popup() as popup:
        page.click("a.receipt-link")
    receipt = popup.value
    receipt.wait_for_load_state()
    assert p.number in receipt.inner_text("article") and "已告知" not in receipt.inner_text("article")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_repeat_warning_link_and_refusal(org, register, login, live_server):
    earlier, _ = register(title="幸福小区停车收费问题")
    page = login("demo_clerk")
    page.goto(live_server.url + "/intake/hotline/")
    assert page.evaluate("document.activeElement.name") == "p-0-phone"  # phone first on the hotline
    page.keyboard.type("13800138000")
    page.wait_for_selector("#lk-0 .repeat-warning")
    assert earlier.number in page.inner_text("#lookup") and "电话一致" in page.inner_text("#lookup")
    page.click(f"#lookup button[data-repeat='{earlier.pk}']")
    page.wait_for_selector("#repeat-slot .repeat-chip")
    page.fill("input[name=p-0-name]", "张三")
    page.fill("input[name=p-0-id_number]", "110105198001010012")  # bad checksum
    page.fill("input[name=title]", "停车收费问题再次反映")
    page.focus("input[name=title]")
    page.keyboard.press("Enter")  # moves to the content, does not submit
    assert page.evaluate("document.activeElement.name") == "content"
    page.keyboard.type("物业仍在收取停车费。")
    page.keyboard.press("Control+Enter")  # saves
    page.wait_for_selector(".error-summary")
    assert "身份证号码校验位错误" in page.inner_text(".error-summary")
    assert page.evaluate("document.activeElement.name") == "p-0-id_number"
    assert page.input_value("textarea[name=content]") == "物业仍在收取停车费。"
    assert page.locator("#repeat-slot .repeat-chip").count() == 1
    page.wait_for_selector("#lk-0 .repeat-warning")  # the look-up runs again for the kept row
    page.fill("input[name=p-0-id_number]", "11010519491231002X")
    page.click("#intake-save")
    page.wait_for_url("**/petitions/*/")
    p = Petition.objects.exclude(pk=earlier.pk).get()
    assert p.repeat_of_id == earlier.pk and p.channel == "hotline"
    assert "重复信访" in page.inner_text("main")


def test_personal_data_stays_out_of_urls(clerk):
    """Look-ups post what was typed: ID numbers and phones never land in URLs or access logs."""
    assert clerk.get("/intake/lookup/", {"p-0-id_number": ID_A}).status_code == 405
    html = clerk.get("/intake/visit/").content.decode()
    assert 'hx-get="/intake/lookup/"' not in html and 'hx-post="/intake/lookup/"' in html
    assert 'method="post"' in clerk.get("/petitioners/").content.decode()


def test_pickers_accept_unambiguous_bare_names(clerk):
    assert clerk.post("/intake/visit/", intake_data(category="物业管理", problem_region="城关街道")).status_code == 302
    p = Petition.objects.get()
    assert p.category.code == "010101" and p.problem_region.code == "990102001"
