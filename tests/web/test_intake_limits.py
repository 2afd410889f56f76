"""One set of limits for every entry point (finding 9 of issue 9): the 登记 form refuses what the
API refuses, with a clear message, and stores nothing; attachments at the counter are checked by
content like the API's (finding 7); ids beyond 64 bits answer 4xx (finding 11)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from intake_helpers import intake_data, logged_in

from xinfang.audit.models import AuditEntry
from xinfang.common import limits
from xinfang.common.errors import ApplicationError
from xinfang.petitions.models import Attachment, Petition, Petitioner
from xinfang.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(users):
    return logged_in(users["demo_clerk"])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _nothing_stored():
    assert Petition.objects.count() == 0
    assert Petitioner.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_a_megabyte_of_content_is_refused_with_a_message(clerk):
    r = clerk.post("/intake/visit/", intake_data(content="长" * 1_000_000))
    assert r.status_code == 422
    html = r.content.decode()
    assert f"反映内容过长：不能超过{limits.MAX_CONTENT}个字" in html
    _nothing_stored()


def test_content_at_the_limit_is_stored(clerk):
    r = clerk.post("/intake/visit/", intake_data(content="长" * limits.MAX_CONTENT))
    assert r.status_code == 302, r.content.decode()[:2000]
    assert len(Petition.objects.get().content) == limits.MAX_CONTENT


def test_long_demands_accused_person_and_address_are_refused(clerk):
    rows = [{"name": "张三", "address": "址" * (limits.MAX_ADDRESS + 1)}]
    r = clerk.post("/intake/visit/", intake_data(rows=rows, demands="求" * (limits.MAX_DEMANDS + 1),
                                                 accused_person="某" * (limits.MAX_ACCUSED_PERSON + 1)))
    assert r.status_code == 422
    html = r.content.decode()
    assert "诉求过长" in html and "被反映人过长" in html and "住址过长" in html
    _nothing_stored()


def test_300_petitioner_rows_are_refused_not_cut_to_200(clerk):
    rows = [{"name": f"信访人{i}"} for i in range(300)]
    r = clerk.post("/intake/visit/", intake_data(rows=rows, headcount="300"))
    assert r.status_code == 422
    html = r.content.decode()
    assert f"一件最多登记{limits.MAX_PETITIONERS}名信访人（当前300名）" in html
    _nothing_stored()


def test_the_service_refuses_the_same_limits(register):
    """The authority behind every entry point (the importer and the API call it too)."""
    with pytest.raises(ApplicationError) as exc:
        register(content="长" * (limits.MAX_CONTENT + 1))
    assert exc.value.field == "content"
    people = [PetitionerInput(name=f"人{i}") for i in range(limits.MAX_PETITIONERS + 1)]
    with pytest.raises(ApplicationError) as exc:
        register(petitioners=people, headcount=limits.MAX_PETITIONERS + 1)
    assert exc.value.field == "petitioners"
    _nothing_stored()


def test_the_importer_reads_the_same_limits():
    from xinfang.imports import limits as import_limits

    assert import_limits.MAX_CONTENT == limits.MAX_CONTENT and import_limits.MAX_DEMANDS == limits.MAX_DEMANDS


def test_the_api_schema_reads_the_same_limits():
    from xinfang.api.schemas import PetitionIn

    schema = PetitionIn.model_json_schema()["properties"]
    assert schema["content"]["maxLength"] == limits.MAX_CONTENT
    assert schema["demands"]["maxLength"] == limits.MAX_DEMANDS
    assert schema["petitioners"]["maxItems"] == limits.MAX_PETITIONERS


@pytest.mark.parametrize("name,content", [("证据.pdf", b"<!DOCTYPE html><script>alert(1)</script>"),
                                          ("照片.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>')])
def test_markup_under_a_document_name_is_refused_at_the_counter(clerk, name, content):
    data = intake_data()
    data["attachments"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    r = clerk.post("/intake/visit/", data)
    assert r.status_code == 422
    assert "附件内容与类型" in r.content.decode()
    _nothing_stored()


def test_a_genuine_pdf_at_the_counter_is_stored_and_audited(clerk):
    data = intake_data()
    data["attachments"] = SimpleUploadedFile("证据.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    r = clerk.post("/intake/visit/", data)
    assert r.status_code == 302
    att = Attachment.objects.get()
    assert AuditEntry.objects.filter(action="attachment.upload", object_id=str(att.pk)).exists()


@pytest.mark.parametrize("big", [str(2**63), str(2**64 + 5), "9" * 40])
def test_a_petitioner_id_beyond_64_bits_answers_4xx(clerk, big):
    data = intake_data(rows=[{"name": "张三", "reuse": big}])
    r = clerk.post("/intake/visit/", data)
    assert r.status_code == 422
    _nothing_stored()
    assert clerk.get(f"/petitioners/{big}/").status_code == 404
    assert clerk.post(f"/petitioners/{big}/reveal/", {"reason": "核实"}).status_code == 404


# ---- finding 5: the form cannot register twice ---------------------------------------------------

def _token(html: str) -> str:
    import re

    m = re.search(r'name="form_token" value="([^"]+)"', html)
    assert m, "no form token on the page"
    return m.group(1)


def test_the_same_form_posted_twice_registers_once(clerk):
    token = _token(clerk.get("/intake/visit/").content.decode())
    first = clerk.post("/intake/visit/", intake_data(form_token=token))
    assert first.status_code == 302
    again = clerk.post("/intake/visit/", intake_data(form_token=token))  # double click, back and resubmit
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Petition.objects.count() == 1
    page = clerk.get(again["Location"]).content.decode()
    assert "重复提交未再次登记" in page
    # a fresh form registers a new petition
    token2 = _token(clerk.get("/intake/visit/").content.decode())
    assert token2 != token
    assert clerk.post("/intake/visit/", intake_data(form_token=token2, title="另一件", duplicate_choice="new", duplicate_reason="提出了新的事实")).status_code == 302
    assert Petition.objects.count() == 2


def test_a_refused_form_keeps_its_token_and_saves_once_fixed(clerk):
    token = _token(clerk.get("/intake/visit/").content.decode())
    r = clerk.post("/intake/visit/", intake_data(form_token=token, title=""))
    assert r.status_code == 422 and _token(r.content.decode()) == token
    assert clerk.post("/intake/visit/", intake_data(form_token=token)).status_code == 302
    assert clerk.post("/intake/visit/", intake_data(form_token=token)).status_code == 302
    assert Petition.objects.count() == 1


def test_the_page_disables_the_save_button_on_submit(clerk):
    html = clerk.get("/intake/visit/").content.decode()
    assert "web/intake_once.js" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_browser_the_save_button_sends_the_form_once(org, login, live_server):
    page = login("demo_clerk")
    page.goto(live_server.url + "/intake/letter/")
    page.wait_for_load_state("networkidle")
    # record each submission that would leave the page, and keep the page here to look at the button
    page.evaluate("""() => {
        window.sent = [];
        document.getElementById('intake-form').addEventListener('submit', (e) => {
            window.sent.push(!e.defaultPrevented); e.preventDefault(); });
    }""")
    page.check("input[name=is_anonymous]")
    page.fill("input[name=title]", "小区物业违规收取停车费")
    page.fill("textarea[name=content]", "幸福小区物业公司违规收取地面停车费。")
    page.fill("input[name=category]", "城乡建设 / 住房保障与房地产 / 物业管理")
    page.fill("input[name=problem_region]", "示范省 / 示范市 / 东湖区 / 城关街道")
    page.click("#intake-save")
    page.wait_for_function("document.getElementById('intake-save').disabled")
    page.evaluate("document.getElementById('intake-form').requestSubmit()")  # a second click's submission
    assert page.evaluate("window.sent") == [True, False]  # the second one is stopped
    assert page.get_attribute("#intake-save", "aria-busy") == "true"
