"""登记 at the counter: every problem of the form reported at once, ID numbers with one message per
problem (also as they are typed, in a real browser), the duplicate confirmation step, reuse of a known
petitioner's stored phone and address, and the 复核终结 flag that leads to 不再受理."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import timezone
from intake_helpers import ID_A, ID_B, id_number, intake_data, logged_in, walk_to_final

from xinfang.audit.models import AuditEntry
from xinfang.common.validators import (
    ID_MESSAGES,
    ID_PROVINCES,
    id_checksum,
    id_number_message,
    id_number_problem,
)
from xinfang.petitions.models import Petition, Petitioner
from xinfang.petitions.services import PetitionerInput
from xinfang.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db

OTHER_CATEGORY = "城乡建设 / 住房保障与房地产 / 房屋质量"  # 010102, not 物业管理 (010101)
PHONE = "13800138000"
ADDRESS = "东湖区幸福小区3栋2单元501"

# one valid number per problem; each differs from a valid one in the part named
CHECK = ID_A[:17] + "1"                                            # wrong check digit
BIRTH = "11010519491331002" + id_checksum("11010519491331002")     # month 13, right check digit
FUTURE = "11010520990101002" + id_checksum("11010520990101002")    # born in 2099
REGION = "00010519491231002" + id_checksum("00010519491231002")    # no province 00
SHORT = ID_A[:16]
LETTERS = "1101051949123100X2"


@pytest.fixture
def clerk(users):
    return logged_in(users["demo_clerk"])


def _html(response) -> str:
    return response.content.decode()


def _rows(*rows):
    return [dict(r) for r in rows]


# ---- 1. every problem at once -----------------------------------------------------------------------

def test_every_problem_of_the_form_is_reported_at_once_and_nothing_is_stored(clerk):
    rows = _rows({"name": "张三", "id_number": ID_A, "phone": PHONE},
                 {"name": "李四", "id_number": BIRTH, "phone": "13900139000"},
                 {"name": "", "id_number": ID_B, "phone": "12"})
    response = clerk.post("/intake/visit/", intake_data(rows=rows, title="", category="不存在的分类",
                                                        received_at="昨天", headcount="很多"))
    assert response.status_code == 422
    html = _html(response)
    expected = {
        "p-1-id_number": "身份证号码中的出生日期无效",
        "p-2-name": "请填写信访人姓名",
        "p-2-phone": "电话号码无效",
        "headcount": "人数应为正整数",
        "title": "请填写标题",
        "category": "内容分类不存在：不存在的分类",
        "received_at": "收到时间格式无效",
    }
    for name, message in expected.items():
        # next to its field, and in the summary at the top
        assert re.search(rf'data-for="{name}">[^<]*{message}', html), name
        assert re.search(rf'<li data-problem="{name}">.*?{message}', html), name
    assert "请修改以下 7 处后再保存" in html
    assert html.count('class="field-error"') >= 7
    # the cursor goes to the first problem in the form's order, everything typed is kept
    assert re.search(rf'name="p-1-id_number" value="{BIRTH}"[^>]*autofocus', html)
    assert html.count(" autofocus") == 1
    for kept in ('value="张三"', 'value="李四"', f'value="{ID_B}"', 'value="12"', 'value="不存在的分类"', 'value="很多"'):
        assert kept in html, kept
    assert Petition.objects.count() == 0 and Petitioner.objects.count() == 0


def test_a_valid_form_still_registers(clerk):
    assert clerk.post("/intake/visit/", intake_data()).status_code == 302
    assert Petition.objects.count() == 1


def test_rows_entered_twice_and_representatives_are_reported_with_the_fields(clerk):
    rows = _rows({"name": "张三", "id_number": ID_A}, {"name": "张三", "id_number": ID_A.lower()})
    response = clerk.post("/intake/visit/", intake_data(rows=rows, content=""))
    assert response.status_code == 422
    html = _html(response)
    assert "同一信访人被重复登记" in html and "请填写反映内容" in html
    assert Petition.objects.count() == 0 and Petitioner.objects.count() == 0


# ---- ID numbers: one message per problem, the same in the browser -------------------------------------

@pytest.mark.parametrize(("value", "problem", "message"), [
    (CHECK, "check", "身份证号码校验位错误，请核对最后一位。"),
    (BIRTH, "birth", "身份证号码中的出生日期无效，请核对第7至14位。"),
    (FUTURE, "birth", "身份证号码中的出生日期无效，请核对第7至14位。"),
    (REGION, "region", "身份证号码中的地区码无效，请核对前两位。"),
    (SHORT, "length", "身份证号码应为18位，当前为16位。"),
    (LETTERS, "chars", "身份证号码只能由数字组成，最后一位可以是X。"),
])
def test_each_id_number_problem_has_its_own_message(clerk, value, problem, message):
    assert id_number_problem(value) == problem and id_number_message(value) == message
    rows = _rows({"name": "张三", "id_number": value, "phone": PHONE})
    response = clerk.post("/intake/visit/", intake_data(rows=rows))
    assert response.status_code == 422
    html = _html(response)
    assert f'data-for="p-0-id_number">{message}<' in html
    others = {m for m in ("校验位错误", "出生日期无效", "地区码无效", "应为18位", "只能由数字组成") if m not in message}
    assert not any(m in html for m in others)
    assert Petition.objects.count() == 0


def test_valid_numbers_of_every_kind_pass():
    for value in (ID_A, ID_B, id_number(7), "99010219800101123" + id_checksum("99010219800101123"),
                  "81000019900101001" + id_checksum("81000019900101001")):
        assert id_number_problem(value) == "" and id_number_message(value) == ""


def test_the_page_hands_the_same_rules_to_the_browser(clerk):
    html = _html(clerk.get("/intake/visit/"))
    m = re.search(r'<script id="id-check" type="application/json">(.*?)</script>', html, re.S)
    rules = json.loads(m.group(1))
    assert rules["messages"] == {k: str(v) for k, v in ID_MESSAGES.items()}
    assert set(rules["provinces"]) == ID_PROVINCES and rules["today"] == timezone.localdate().isoformat()
    assert "/static/web/intake.js" in html and "data-id-check" in html


# ---- 2. duplicates need the clerk's choice ---------------------------------------------------------------

def _event(petition) -> PetitionEvent:
    return PetitionEvent.objects.get(petition=petition, action="register")


def test_duplicate_without_a_choice_stores_nothing_and_shows_the_earlier_petition(clerk, register):
    earlier, _ = register(title="幸福小区停车收费问题")
    response = clerk.post("/intake/visit/", intake_data())
    assert response.status_code == 422
    html = _html(response)
    assert "查重确认" in html and earlier.number in html and "幸福小区停车收费问题" in html
    assert f'name="duplicate_choice" value="repeat:{earlier.pk}"' in html
    assert 'name="duplicate_choice" value="new"' in html and 'name="duplicate_reason"' in html
    assert 'data-for="duplicate_choice"' in html
    assert re.search(rf'value="repeat:{earlier.pk}"[^>]*autofocus', html)
    assert Petition.objects.count() == 1


def test_duplicate_found_by_phone_alone(clerk, register):
    earlier, _ = register()
    rows = _rows({"name": "张三", "phone": "138 0013 8000"})
    response = clerk.post("/intake/phone/", intake_data(rows=rows))
    assert response.status_code == 422 and earlier.number in _html(response)
    assert Petition.objects.count() == 1


def test_duplicate_linked_as_repeat(clerk, register):
    earlier, _ = register()
    response = clerk.post("/intake/visit/", intake_data(duplicate_choice=f"repeat:{earlier.pk}"))
    assert response.status_code == 302
    new = Petition.objects.exclude(pk=earlier.pk).get()
    assert new.repeat_of == earlier and not new.is_first
    assert "duplicate_reason" not in _event(new).data


def test_duplicate_registered_as_new_keeps_the_reason_on_the_event(clerk, register):
    earlier, _ = register()
    reason = "信访人此次反映的是物业擅自占用绿地，与原件不是同一事项。"
    response = clerk.post("/intake/visit/", intake_data(duplicate_choice="new", duplicate_reason=reason))
    assert response.status_code == 302
    new = Petition.objects.exclude(pk=earlier.pk).get()
    assert new.repeat_of is None
    assert _event(new).data["duplicate_reason"] == reason


def test_registering_as_new_needs_a_reason(clerk, register):
    register()
    response = clerk.post("/intake/visit/", intake_data(duplicate_choice="new", duplicate_reason="  "))
    assert response.status_code == 422
    html = _html(response)
    assert 'data-for="duplicate_reason">作为新件登记须填写理由' in html
    assert re.search(r'name="duplicate_choice" value="new" checked', html)
    assert Petition.objects.count() == 1


def test_a_choice_outside_the_offered_petitions_is_refused(clerk, register):
    earlier, _ = register()
    other, _ = register(category="010102", title="另一件事")
    response = clerk.post("/intake/visit/", intake_data(duplicate_choice=f"repeat:{other.pk}"))
    assert response.status_code == 422 and "请从查重结果中选择" in _html(response)
    assert Petition.objects.count() == 2


def test_the_repeat_chip_already_answers_the_question(clerk, register):
    earlier, _ = register()
    assert clerk.post("/intake/visit/", intake_data(repeat_of=str(earlier.pk))).status_code == 302
    assert Petition.objects.exclude(pk=earlier.pk).get().repeat_of == earlier


def test_another_category_or_a_closed_petition_is_no_duplicate(clerk, register, act):
    earlier, _ = register()
    assert clerk.post("/intake/visit/", intake_data(category=OTHER_CATEGORY)).status_code == 302
    act("demo_dispatcher", earlier, "archive", note="咨询，已当面答复")
    assert clerk.post("/intake/visit/", intake_data()).status_code == 302
    assert Petition.objects.count() == 3


def test_the_duplicate_step_never_shows_petitions_outside_the_jurisdiction(users, register):
    # district 2 registered the same person in the same category: district 1 must not learn of it
    theirs, _ = register(actor=users["demo_clerk2"], problem_region="990103001", title="西山区的停车收费")
    clerk = logged_in(users["demo_clerk"])
    response = clerk.post("/intake/visit/", intake_data())
    assert response.status_code == 302
    new = Petition.objects.exclude(pk=theirs.pk).get()
    assert new.repeat_of is None
    # nor can a forged choice link to it
    response = clerk.post("/intake/visit/", intake_data(duplicate_choice=f"repeat:{theirs.pk}"))
    html = _html(response)
    assert theirs.number not in html and "西山区的停车收费" not in html
    assert response.status_code == 422  # the duplicate of district 1's own petition now needs a choice
    assert Petition.objects.count() == 2


# ---- 3. reuse of a known petitioner's phone and address -----------------------------------------------

def _known(register):
    earlier, _ = register(petitioners=[PetitionerInput(name="张三", id_number=ID_A, phone=PHONE, address=ADDRESS)])
    return earlier, earlier.petitioner_links.get().petitioner


def test_lookup_offers_reuse_without_revealing(clerk, register):
    _earlier, person = _known(register)
    html = _html(clerk.post("/intake/lookup/", {"p-0-name": "张三"}))
    assert "使用已登记的电话/地址" in html and f'data-reuse="{person.pk}"' in html
    assert f'data-phone="{person.masked_phone}"' in html and f'data-address="{person.masked_address}"' in html
    assert PHONE not in html and ADDRESS not in html and ID_A not in html
    assert f"/petitioners/{person.pk}/reveal/" in html  # the audited reveal, with a reason


def test_reuse_stores_the_petitioners_stored_phone_and_address(clerk, register):
    earlier, person = _known(register)
    # 张三 known by name only; the clerk takes his stored phone and address for the new matter
    rows = _rows({"name": "张三", "phone": person.masked_phone, "address": person.masked_address,
                  "reuse": str(person.pk)})
    response = clerk.post("/intake/visit/", intake_data(rows=rows, category=OTHER_CATEGORY))
    assert response.status_code == 302, _html(response)[:3000]
    new = Petition.objects.exclude(pk=earlier.pk).get()
    linked = new.petitioner_links.get().petitioner
    assert linked.pk == person.pk  # found again through the stored phone
    assert (linked.phone, linked.address) == (PHONE, ADDRESS)


def test_without_reuse_the_masked_values_are_refused(clerk, register):
    _earlier, person = _known(register)
    rows = _rows({"name": "张三", "phone": person.masked_phone, "address": person.masked_address})
    response = clerk.post("/intake/visit/", intake_data(rows=rows, category=OTHER_CATEGORY))
    assert response.status_code == 422 and 'data-for="p-0-phone">电话号码无效' in _html(response)
    assert Petition.objects.count() == 1


def test_reuse_for_a_new_person_with_the_typed_id_number(clerk, register):
    earlier, person = _known(register)
    rows = _rows({"name": "张三", "id_number": ID_A, "phone": person.masked_phone, "address": "",
                  "reuse": str(person.pk)})
    response = clerk.post("/intake/visit/", intake_data(rows=rows, category=OTHER_CATEGORY))
    assert response.status_code == 302
    linked = Petition.objects.exclude(pk=earlier.pk).get().petitioner_links.get().petitioner
    assert linked.pk == person.pk and linked.phone == PHONE and linked.address == ADDRESS


def test_reuse_refused_for_another_id_number_and_kept_masked(clerk, register):
    _earlier, person = _known(register)
    rows = _rows({"name": "李四", "id_number": ID_B, "phone": person.masked_phone,
                  "address": person.masked_address, "reuse": str(person.pk)})
    response = clerk.post("/intake/visit/", intake_data(rows=rows, category=OTHER_CATEGORY))
    assert response.status_code == 422
    html = _html(response)
    assert 'data-for="p-0-id_number">身份证号与所选的已登记信访人不一致' in html
    assert PHONE not in html and ADDRESS not in html
    assert f'name="p-0-reuse" value="{person.pk}"' in html and "readonly data-reused" in html
    assert Petition.objects.count() == 1


def test_reuse_refused_for_another_name_without_an_id_number(clerk, register):
    _earlier, person = _known(register)
    rows = _rows({"name": "张三丰", "phone": person.masked_phone, "reuse": str(person.pk)})
    response = clerk.post("/intake/visit/", intake_data(rows=rows, category=OTHER_CATEGORY))
    assert response.status_code == 422
    assert 'data-for="p-0-name">姓名与所选的已登记信访人不一致' in _html(response)
    assert Petition.objects.count() == 1 and Petitioner.objects.count() == 1


def test_reuse_of_a_petitioner_outside_the_jurisdiction_is_refused(users, register):
    theirs, _ = register(actor=users["demo_clerk2"], problem_region="990103001",
                         petitioners=[PetitionerInput(name="王五", phone="13700137000", address="西山区某村")])
    person = theirs.petitioner_links.get().petitioner
    clerk = logged_in(users["demo_clerk"])
    rows = _rows({"name": "王五", "phone": "137****7000", "reuse": str(person.pk)})
    response = clerk.post("/intake/visit/", intake_data(rows=rows))
    assert response.status_code == 422
    html = _html(response)
    assert "无法使用该信访人已登记的电话和地址" in html and "13700137000" not in html and "西山区某村" not in html
    assert Petition.objects.count() == 1


def test_reveal_from_the_lookup_is_audited(clerk, register):
    _earlier, person = _known(register)
    response = clerk.post(f"/petitioners/{person.pk}/reveal/", {"reason": "登记时核对电话"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and PHONE in _html(response)
    assert AuditEntry.objects.filter(action="petitioner.reveal").count() == 1


# ---- 4. 复核终结 matters: 不再受理 ------------------------------------------------------------------------

@pytest.fixture
def final(register, act):
    return walk_to_final(register, act, title="幸福小区停车收费问题")


def _long_date(p) -> str:
    d = timezone.localtime(p.closed_at)
    return f"{d.year}年{d.month}月{d.day}日"


def test_lookup_flags_a_final_matter_of_the_category(clerk, final):
    assert final.status == "final"
    html = _html(clerk.post("/intake/lookup/", {"p-0-id_number": ID_A, "category": "物业管理"}))
    warning = (f"该信访人就同类事项已于{_long_date(final)}复核终结（编号{final.number}），"
               "以同一事实和理由提出的，依法不再受理。")
    assert warning in html and "按不再受理办理" in html
    assert f"/intake/repeat/?petition={final.pk}" in html
    other = _html(clerk.post("/intake/lookup/", {"p-0-id_number": ID_A, "category": OTHER_CATEGORY}))
    assert "依法不再受理" not in other and final.number in other  # listed, but not flagged


def test_intake_flags_the_final_matter_and_stores_nothing_without_a_choice(clerk, final):
    response = clerk.post("/intake/visit/", intake_data())
    assert response.status_code == 422
    html = _html(response)
    assert f"复核终结（编号{final.number}）" in html and "依法不再受理" in html
    assert f'value="repeat:{final.pk}"' in html and "按不再受理办理" in html
    assert Petition.objects.count() == 1


def test_the_refuse_again_path_links_the_final_matter_and_the_dispatcher_refuses(clerk, final, act):
    response = clerk.post("/intake/visit/", intake_data(duplicate_choice=f"repeat:{final.pk}"))
    assert response.status_code == 302
    new = Petition.objects.exclude(pk=final.pk).get()
    assert new.repeat_of == final
    refused = act("demo_dispatcher", new, "refuse_again")
    assert refused.status == "rejected"
    event = PetitionEvent.objects.get(petition=new, action="refuse_again")
    assert event.data["final_petition"] == final.number


def test_new_facts_register_as_new_with_the_reason(clerk, final):
    reason = "信访人提出了新的事实：物业公司今年又新增收费项目。"
    response = clerk.post("/intake/visit/", intake_data(duplicate_choice="new", duplicate_reason=reason))
    assert response.status_code == 302
    new = Petition.objects.exclude(pk=final.pk).get()
    assert new.repeat_of is None and _event(new).data["duplicate_reason"] == reason


def test_a_final_matter_outside_the_jurisdiction_is_not_shown(users, final):
    html = _html(logged_in(users["demo_clerk2"]).post(
        "/intake/lookup/", {"p-0-id_number": ID_A, "category": "物业管理"}))
    assert final.number not in html and "依法不再受理" not in html


# ---- in a real browser ----------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_id_number_checked_as_typed(org, login, live_server):
    page = login("demo_clerk")
    page.goto(live_server.url + "/intake/visit/")
    page.fill("input[name=p-0-name]", "张三")
    page.click("input[name=p-0-id_number]")
    page.keyboard.type(CHECK[:10])
    assert page.locator("[data-live-for=p-0-id_number]").is_hidden()  # nothing wrong yet
    page.keyboard.type(CHECK[10:])
    live = page.locator("[data-live-for=p-0-id_number]")
    live.wait_for(state="visible")
    assert live.inner_text() == "身份证号码校验位错误，请核对最后一位。"
    assert "invalid" in page.get_attribute("input[name=p-0-id_number]", "class")
    assert Petition.objects.count() == 0  # before saving
    # a wrong birth date has its own message
    page.fill("input[name=p-0-id_number]", "")
    page.keyboard.type(BIRTH[:14])
    page.wait_for_function("document.querySelector('[data-live-for=p-0-id_number]').textContent.includes('出生日期')")
    # the right number clears it
    page.fill("input[name=p-0-id_number]", "")
    page.keyboard.type(ID_A)
    live.wait_for(state="hidden")
    assert "invalid" not in (page.get_attribute("input[name=p-0-id_number]", "class") or "")
    # too short, when the clerk moves on
    page.fill("input[name=p-0-id_number]", "")
    page.keyboard.type(SHORT)
    page.keyboard.press("Enter")
    live.wait_for(state="visible")
    assert live.inner_text() == "身份证号码应为18位，当前为16位。"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_reuse_and_duplicate_confirmation(org, register, login, live_server):
    earlier, _ = register(petitioners=[PetitionerInput(name="张三", id_number=ID_A, phone=PHONE, address=ADDRESS)])
    person = earlier.petitioner_links.get().petitioner
    page = login("demo_clerk")
    page.goto(live_server.url + "/intake/visit/")
    page.fill("input[name=category]", "城乡建设 / 住房保障与房地产 / 物业管理")
    page.fill("input[name=p-0-name]", "张三")
    page.click("input[name=p-0-id_number]")
    page.keyboard.type(ID_A)
    page.wait_for_selector("#lk-0 .tag:has-text('身份证号一致')")  # the answer to the whole number, not to the name
    with page.expect_response("**/intake/lookup/"):
        page.keyboard.press("Enter")  # leaving the field asks once more (its change event)
    page.wait_for_selector("#lk-0 .tag:has-text('身份证号一致')")
    page.click(f"#lk-0 button[data-reuse='{person.pk}']")
    assert page.input_value("input[name=p-0-phone]") == person.masked_phone
    assert page.input_value("input[name=p-0-address]") == person.masked_address
    assert PHONE not in page.content() and ADDRESS not in page.content()
    # the full values only through the audited reveal, which needs a reason
    page.click("#lk-0 button[data-reveal-url]")
    page.wait_for_selector("#lk-0 .reveal-slot .field-error")
    assert "事由" in page.inner_text("#lk-0 .reveal-slot")
    assert not AuditEntry.objects.filter(action="petitioner.reveal").exists()
    page.fill("#lk-0 [data-reveal-reason]", "登记时核对联系电话")
    page.click("#lk-0 button[data-reveal-url]")
    page.wait_for_selector("#lk-0 .reveal-slot .revealed")
    assert PHONE in page.inner_text("#lk-0 .reveal-slot") and ADDRESS in page.inner_text("#lk-0 .reveal-slot")
    entry = AuditEntry.objects.get(action="petitioner.reveal")
    assert entry.data["reason"] == "登记时核对联系电话"
    assert page.input_value("input[name=p-0-phone]") == person.masked_phone  # the field stays masked
    page.fill("input[name=title]", "停车收费问题再次反映")
    page.fill("textarea[name=content]", "物业仍在收取停车费。")
    page.fill("input[name=problem_region]", "示范省 / 示范市 / 东湖区 / 城关街道")
    page.click("#intake-save")
    page.wait_for_selector("#f-duplicate_choice")
    assert earlier.number in page.inner_text("#f-duplicate_choice")
    assert Petition.objects.count() == 1
    assert page.input_value("input[name=p-0-phone]") == person.masked_phone  # still masked after the round trip
    page.check("input[name=duplicate_choice][value=new]")
    assert page.evaluate("document.activeElement.name") == "duplicate_reason"
    page.keyboard.type("本次反映停车位被占用，与原件诉求不同。")
    page.click("#intake-save")
    page.wait_for_url("**/petitions/*/")
    new = Petition.objects.exclude(pk=earlier.pk).get()
    linked = new.petitioner_links.get().petitioner
    assert linked.pk == person.pk and (linked.phone, linked.address) == (PHONE, ADDRESS)
    assert PetitionEvent.objects.get(petition=new, action="register").data["duplicate_reason"] == \
        "本次反映停车位被占用，与原件诉求不同。"
