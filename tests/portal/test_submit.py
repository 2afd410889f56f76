"""我要信访 (issue 11): a citizen without an account files a petition online, over the Django test
client and the real database. The petition is registered at the portal's intake unit by the system
account `portal`; the number and query code are shown once; bad input, bad files, bots and floods
store nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xinfang.common import crypto
from xinfang.notifications.models import CitizenMessage, Dispatch, LoggedMessage
from xinfang.notifications.services import dispatches_send
from xinfang.petitions.models import Attachment, Petition, Petitioner
from xinfang.portal.access import petition_track
from xinfang.portal.selectors.profile import intake_unit

pytestmark = pytest.mark.django_db

URL, DONE, SUGGEST = "/portal/submit/", "/portal/submit/done/", "/portal/submit/suggest/"
PHONE = "13912345678"
VALID_ID = "11010519491231002X"  # GB 11643 checksum correct; invented
BAD_CHECKSUM_ID = VALID_ID[:-1] + "1"  # "…002X" with a wrong check digit


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def form(**overrides) -> dict:
    data = {
        "nature": "appeal", "title": "小区物业违规收取停车费",
        "content": "幸福小区物业公司自今年起违规收取地面停车费，业主多次反映无果。",
        "demands": "请求责令物业公司退还停车费。", "category": "010101", "problem_region": "990102001",
        "name": "李四", "id_number": VALID_ID, "phone": PHONE, "address": "示范市东湖区幸福小区3栋",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_the_form_renders_in_chinese_with_grouped_categories_and_a_honeypot(org, client):
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "我要信访" in html and "检举控告类" in html and "申诉求决类" in html and "建议意见类" in html
    assert '<optgroup label="城乡建设">' in html and 'value="010101"' in html
    assert 'value="990102001"' in html  # a region under the intake unit
    assert 'class="hp"' in html and 'name="website"' in html and 'tabindex="-1"' in html
    assert 'hx-post="/portal/submit/suggest/"' in html and 'hx-target="#category-field"' in html
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html


def test_a_full_submission_registers_online_and_shows_the_code_once(org, client):
    response = client.post(URL, form())
    assert response.status_code == 302 and response["Location"] == DONE
    p = Petition.objects.get()
    assert p.channel == "online" and p.nature == "appeal" and p.status == "registered"
    assert p.category.code == "010101" and p.problem_region.code == "990102001"
    assert p.receiving_unit == intake_unit() and p.clerk.username == "portal"
    assert not p.clerk.has_usable_password() and not p.is_anonymous
    person = Petitioner.objects.get()
    assert person.name == "李四" and VALID_ID not in person.id_number_enc and PHONE not in person.phone_enc
    assert crypto.decrypt(person.id_number_enc) == VALID_ID and crypto.decrypt(person.phone_enc) == PHONE
    assert p.petitioner_links.get().petitioner == person

    html = client.get(DONE).content.decode()
    assert p.number in html and "只显示这一次" in html and "data-print" in html
    code = html.split('data-code>')[1].split("<")[0]
    assert len(code) == 8 and crypto.mask_phone(PHONE) in html and PHONE not in html
    assert petition_track(number=p.number, code=code) == p

    again = client.get(DONE).content.decode()
    assert code not in again and p.number not in again and "回执已显示过" in again and "/portal/track/" in again


def test_the_sms_receipt_is_queued_and_the_log_keeps_the_number_but_not_the_code(org, client):
    client.post(URL, form())
    p = Petition.objects.get()
    code = client.get(DONE).content.decode().split('data-code>')[1].split("<")[0]
    message = CitizenMessage.objects.get(petition_id=p.pk)
    assert message.dedupe_key == f"portal-receipt:{p.pk}" and crypto.decrypt(message.phone_enc) == PHONE
    text = crypto.decrypt(message.text_enc)
    assert p.number in text and code in text and "/portal/track/" in text
    dispatch = Dispatch.objects.get(citizen=message)
    assert dispatch.status == Dispatch.PENDING
    assert dispatches_send()["sent"] == 1
    logged = LoggedMessage.objects.get(message_id=dispatch.message_id)
    assert p.number in logged.body and code not in logged.body


def test_anonymous_is_refused_for_an_appeal_and_allowed_for_an_accusation(org, client):
    refused = client.post(URL, form(anonymous="1", name="", id_number="", phone=""))
    assert refused.status_code == 400
    assert "只有检举控告类事项可以匿名提出" in refused.content.decode() and Petition.objects.count() == 0

    ok = client.post(URL, form(nature="accusation", anonymous="1", name="", id_number="", phone="",
                               address="", accused_person="某某街道城管中队"))
    assert ok.status_code == 302
    p = Petition.objects.get()
    assert p.is_anonymous and p.nature == "accusation" and p.accused_person == "某某街道城管中队"
    assert not p.petitioner_links.exists() and Petitioner.objects.count() == 0
    assert CitizenMessage.objects.count() == 0  # no phone, no SMS
    assert "短信" not in client.get(DONE).content.decode().split("回执")[1].split("打印")[0]


def test_an_anonymous_accusation_keeps_no_identity_even_when_typed(org, client):
    client.post(URL, form(nature="accusation", anonymous="1", name="王五", id_number=VALID_ID))
    p = Petition.objects.get()
    assert p.is_anonymous and Petitioner.objects.count() == 0
    assert crypto.decrypt(CitizenMessage.objects.get(petition_id=p.pk).phone_enc) == PHONE  # the receipt only


def test_a_wrong_id_checksum_is_refused_with_the_field_named_and_the_text_kept(org, client):
    response = client.post(URL, form(id_number=BAD_CHECKSUM_ID))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_number-error"' in html and "校验" in html and 'href="#id_id_number"' in html
    assert "幸福小区物业公司自今年起违规收取地面停车费" in html and BAD_CHECKSUM_ID in html
    assert Petition.objects.count() == 0 and Petitioner.objects.count() == 0


def test_name_id_and_phone_are_required_for_a_real_name_petition(org, client):
    response = client.post(URL, form(name="", id_number="", phone=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="name-error"' in html and 'id="id_number-error"' in html and 'id="phone-error"' in html
    assert Petition.objects.count() == 0


def test_an_html_file_renamed_pdf_stores_nothing(org, client, _media):
    files = [SimpleUploadedFile("ok.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
             SimpleUploadedFile("scan.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")]
    response = client.post(URL, form(attachments=files))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="attachments-error"' in html and "scan.pdf" in html and "请重新选择" in html
    assert Petition.objects.count() == 0 and Attachment.objects.count() == 0 and Petitioner.objects.count() == 0
    assert stored_files(_media) == []
    assert Dispatch.objects.count() == 0


def test_a_good_pdf_is_stored_with_the_petition(org, client, _media):
    pdf = SimpleUploadedFile("证明材料.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n", "application/pdf")
    response = client.post(URL, form(attachments=[pdf]))
    assert response.status_code == 302
    att = Attachment.objects.get()
    assert att.petition == Petition.objects.get() and att.original_name == "证明材料.pdf"
    assert att.uploaded_by.username == "portal" and len(stored_files(_media)) == 1


def test_more_than_five_files_are_refused(org, client):
    files = [SimpleUploadedFile(f"{i}.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf") for i in range(6)]
    response = client.post(URL, form(attachments=files))
    assert response.status_code == 400 and "附件最多5个" in response.content.decode()
    assert Petition.objects.count() == 0


def test_the_total_size_of_the_attachments_is_capped(org, client, _media):
    big = b"%PDF-1.4\n" + b"0" * (7 * 1024 * 1024)
    files = [SimpleUploadedFile(f"{i}.pdf", big, "application/pdf") for i in range(3)]  # 21 MB in all
    response = client.post(URL, form(attachments=files))
    assert response.status_code == 400 and "附件总大小不能超过20 MB" in response.content.decode()
    assert Petition.objects.count() == 0 and stored_files(_media) == []


def test_djangos_own_upload_limits_answer_400_and_store_nothing(org, client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = [SimpleUploadedFile(f"{i}.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf") for i in range(4)]
    assert client.post(URL, form(attachments=files)).status_code == 400
    assert Petition.objects.count() == 0


def test_the_honeypot_refuses_with_a_generic_message(org, client):
    response = client.post(URL, form(website="http://spam.example"))
    html = response.content.decode()
    assert response.status_code == 400 and "提交未成功" in html
    assert Petition.objects.count() == 0 and Petitioner.objects.count() == 0 and CitizenMessage.objects.count() == 0


def test_the_daily_limit_per_address(org, client, settings):
    settings.XINFANG_PORTAL = {"SUBMIT_ADDRESS_DAY": 2, "SUBMIT_PHONE_DAY": 10}
    for i in range(2):
        assert client.post(URL, form(phone=f"1391234560{i}")).status_code == 302
    response = client.post(URL, form(phone="13912345609"))
    assert response.status_code == 429 and "已达上限" in response.content.decode()
    assert "幸福小区物业公司" in response.content.decode()  # what they typed is kept
    assert Petition.objects.count() == 2
    other = Client(REMOTE_ADDR="10.0.0.9")  # another address may still submit
    assert other.post(URL, form(phone="13912345609")).status_code == 302


def test_the_daily_limit_per_phone(org, client, settings):
    settings.XINFANG_PORTAL = {"SUBMIT_ADDRESS_DAY": 10, "SUBMIT_PHONE_DAY": 1}
    assert client.post(URL, form()).status_code == 302
    response = Client(REMOTE_ADDR="10.0.0.8").post(URL, form(phone=" 139 1234 5678 "))
    assert response.status_code == 429 and "该手机号" in response.content.decode()
    assert Petition.objects.count() == 1


def test_refusals_do_not_count_towards_the_limits(org, client, settings):
    settings.XINFANG_PORTAL = {"SUBMIT_ADDRESS_DAY": 1, "SUBMIT_PHONE_DAY": 1}
    assert client.post(URL, form(id_number=BAD_CHECKSUM_ID)).status_code == 400
    assert client.post(URL, form()).status_code == 302


def test_csrf_is_enforced(org):
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(URL).status_code == 200
    assert strict.post(URL, form()).status_code == 403
    assert strict.post(SUGGEST, {"title": "停车", "content": "物业"}).status_code == 403
    assert Petition.objects.count() == 0


def test_csrf_with_the_token_from_the_page_passes(org):
    strict = Client(enforce_csrf_checks=True)
    strict.get(URL)
    token = strict.cookies["csrftoken"].value
    assert strict.post(URL, form(csrfmiddlewaretoken=token)).status_code == 302


def test_suggest_answers_the_select_with_options(org, client):
    response = client.post(SUGGEST, {"title": "小区物业乱收停车费",
                                      "content": "物业公司强行收取停车费，物业管理混乱。"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="category-field"') and "<select" in html and "<option" in html
    assert "<optgroup" in html and " selected" in html and "推荐以下分类" in html
    assert "<html" not in html  # a fragment, not a page


def test_suggest_is_post_only_and_rate_limited(org, client, settings):
    assert client.get(SUGGEST, {"title": "停车"}).status_code == 405
    settings.XINFANG_PORTAL = {"ACT_ADDRESS_HOUR": 2}
    for _i in range(2):
        assert "推荐以下分类" in client.post(SUGGEST, {"title": "物业停车收费"}).content.decode()
    over = client.post(SUGGEST, {"title": "物业停车收费"})
    assert over.status_code == 200 and "推荐次数过多" in over.content.decode() and "<select" in over.content.decode()


def test_suggest_without_javascript_rerenders_the_whole_form(org, client):
    response = client.post(URL, form(suggest="1", category=""))
    html = response.content.decode()
    assert response.status_code == 200 and "推荐以下分类" in html and "小区物业违规收取停车费" in html
    assert Petition.objects.count() == 0


def test_hostile_text_is_shown_escaped(org, client):
    hostile = '<script>alert("x")</script>'
    response = client.post(URL, form(title=hostile, content=hostile + "内容", id_number=BAD_CHECKSUM_ID))
    html = response.content.decode()
    assert response.status_code == 400
    assert hostile not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert Petition.objects.count() == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("category", "999999", "请从列表中选择内容分类"),
    ("problem_region", "000000", "请从列表中选择问题属地"),
    ("problem_region", "", "请选择问题属地"),
    ("nature", "other", "请选择信访事项的性质"),
    ("title", "", "请填写标题"),
    ("content", "x" * 50_001, "反映内容过长"),
    ("title", "停车\x00费", "无法保存的字符"),
    ("phone", "12345678901234", "电话号码无效"),
])
def test_bad_fields_are_named_and_nothing_is_stored(org, client, field, value, message):
    response = client.post(URL, form(**{field: value}))
    html = response.content.decode()
    assert response.status_code == 400 and message in html and f'id="{field}-error"' in html
    assert Petition.objects.count() == 0 and Petitioner.objects.count() == 0


def test_the_done_page_without_a_submission_says_nothing_secret(org, client):
    html = client.get(DONE).content.decode()
    assert "回执已显示过" in html and "data-code" not in html


@pytest.mark.browser
def test_a_citizen_on_a_phone_gets_a_suggestion_and_files_the_petition(org, page, live_server):
    """375 px wide, real Chromium: 推荐分类 swaps the select in place (htmx) with a suggestion chosen,
    the accusation-only fields hide for an appeal, and the petition is filed and confirmed."""
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + URL)
    page.check("input[name=nature][value=appeal]")
    assert not page.is_visible("#id_accused_person") and not page.is_visible("#id_anonymous")
    page.fill("#id_title", "小区物业乱收停车费")
    page.fill("#id_content", "物业公司强行收取地面停车费，业主多次反映无果。")
    page.evaluate("window.samePage = true")
    page.click("button[name=suggest]")
    page.wait_for_selector("#category-field .suggestions")
    assert page.input_value("#id_category") != "" and page.evaluate("window.samePage === true")  # no page load
    assert page.input_value("#id_title") == "小区物业乱收停车费"  # the text stays
    page.select_option("#id_problem_region", "990102001")
    page.fill("#id_name", "李四")
    page.fill("#id_id_number", VALID_ID)
    page.fill("#id_phone", PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
    page.click("button.block[type=submit]")
    page.wait_for_url("**" + DONE)
    p = Petition.objects.get()
    assert page.text_content("[data-number]") == p.number and len(page.text_content("[data-code]")) == 8
    assert p.category is not None and p.channel == "online"


def test_an_identity_typed_online_never_touches_a_stored_petitioner(org, client, register):
    """Anyone may type anyone's ID number: the stored petitioner's name, phone and address stay as the
    counter recorded them, and the online petition gets a record of its own (its ID number's blind
    index still links the person's petitions for repeat detection)."""
    from xinfang.petitions.services import PetitionerInput

    earlier, _code = register(petitioners=[PetitionerInput(name="张三", id_number=VALID_ID, phone="13800138000",
                                                           address="幸福小区1栋")])
    stored = earlier.petitioner_links.get().petitioner
    response = client.post(URL, form(name="王五", phone=PHONE, address="别处"))
    assert response.status_code == 302
    stored.refresh_from_db()
    assert (stored.name, stored.phone, stored.address) == ("张三", "13800138000", "幸福小区1栋")
    online = Petition.objects.exclude(pk=earlier.pk).get()
    person = online.petitioner_links.get().petitioner
    assert person.pk != stored.pk and person.name == "王五"
    assert person.id_number_index == stored.id_number_index
