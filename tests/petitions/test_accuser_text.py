"""Accusers' identities in free text (S22 Art 30, DESIGN §5): `common.text.mask_identifiers` and the
one selector every path uses, `petitions.selectors.petition_texts`."""

from __future__ import annotations

import pytest

from xinfang.common.text import mask_identifiers
from xinfang.petitions.services import PetitionerInput

ID18 = "11010519491231002X"  # valid GB 11643 (invented)


# ---- the pure function ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "masked"), [
    # 18-character ID numbers, the last may be X (either case), optionally grouped 6-8-4
    (f"身份证号{ID18}，", "身份证号110105********002X，"),
    ("身份证11010519491231002x号", "身份证110105********002X号"),
    ("110105198001010016", "110105********0016"),
    ("证件号 110105 19491231 002X。", "证件号 110105********002X。"),
    # the old 15-digit ID numbers
    ("旧身份证110105491231002", "旧身份证110105*****1002"),
    # mobiles: plain, +86 / 86 / 0086 / (+86), spaces or hyphens, full-width digits
    ("电话13800138000", "电话138****8000"),
    ("手机+86 138 0013 8000联系", "手机+86 138****8000联系"),
    ("+86-138-0013-8000", "+86-138****8000"),
    ("8613800138000", "86138****8000"),
    ("0086 13912345678", "0086 139****5678"),
    ("（+86）13800138000", "（+86）138****8000"),
    ("电话：１３８００１３８０００。", "电话：138****8000。"),
    # landlines: 0xx-xxxxxxxx and the other usual forms
    ("座机010-62345678", "座机010-****5678"),
    ("(0571)88886666", "(0571)****6666"),
    ("0571 8888 6666", "0571 ****6666"),
    ("021-6123456转802", "021-***3456转802"),
    ("02087654321", "020****4321"),
])
def test_identifiers_are_masked_like_the_petitioner_fields(text, masked):
    assert mask_identifiers(text) == masked


def test_names_are_masked_verbatim_longest_first():
    names = ["李明", "欧阳明远", "王"]  # a one-character name would eat every 王 of the text: left alone
    text = "李明和欧阳明远反映，王局长推诿；李明远是另一人。"
    assert mask_identifiers(text, names) == "李*和欧**远反映，王局长推诿；李*远是另一人。"
    assert mask_identifiers("实名举报人：李明（13800138000）", ["李明"]) == "实名举报人：李*（138****8000）"
    assert mask_identifiers("没有姓名", [" ", ""]) == "没有姓名"


@pytest.mark.parametrize("text", [
    "幸福小区物业公司违规收取地面停车费，业主多次反映无果。",
    "信访件DH-XF-2026-000123已于2026-03-02办结，另见XF-2026-000123。",
    "收取停车费12000元，每月300元，共计3600元，面积120.5平方米。",
    "2026年3月2日9时30分，2026/03/02 09:30，20260302。",
    "邮编100101，门牌号1栋2单元301室，第0101号文件。",
    "银行卡号6222021234567890123，订单号1234567890123。",
    "13800138000123是一串更长的数字，138001380是一串更短的数字。",
    "",
])
def test_no_false_positives(text):
    assert mask_identifiers(text) == text
    assert mask_identifiers(text, ["张三"]) == text


def test_none_and_empty():
    assert mask_identifiers(None) == ""
    assert mask_identifiers("", ["张三"]) == ""


# ---- the selector: petition_texts -----------------------------------------------------------------

CONTENT = (f"我叫欧阳明远，身份证号{ID18}，电话+86 139-0013-9000，座机010-62345678。"
           "检举住建局工作人员吃拿卡要，金额12000元，见DH-XF-2026-000001。")


@pytest.fixture
def accusation(register, act):
    """An accusation registered by 东湖区信访局 (demo_clerk) and assigned to 住建局 with a note."""
    p, _ = register(nature="accusation", title="欧阳明远实名检举吃拿卡要（13900139000）", content=CONTENT,
                    demands=f"请核实，联系欧阳明远{ID18}",
                    petitioners=[PetitionerInput(name="欧阳明远", id_number=ID18, phone="13900139000")])
    act("demo_dispatcher", p, "assign", unit="DH-ZJ", note="已电话联系欧阳明远（13900139000）核实")
    p.refresh_from_db()
    return p


def _fresh(user):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.django_db
def test_outside_the_chain_the_texts_are_masked(accusation, users):
    from xinfang.petitions.selectors import accuser_hidden, petition_texts
    from xinfang.workflow.selectors import petition_events

    outsider = _fresh(users["demo_reviewer"])  # 东湖区人民政府: sees it by jurisdiction, not in the chain
    assert accuser_hidden(outsider, accusation)
    texts = petition_texts(outsider, accusation)
    assert texts.masked
    assert texts.title == "欧**远实名检举吃拿卡要（139****9000）"
    assert texts.content == ("我叫欧**远，身份证号110105********002X，电话+86 139****9000，座机010-****5678。"
                             "检举住建局工作人员吃拿卡要，金额12000元，见DH-XF-2026-000001。")
    assert texts.demands == "请核实，联系欧**远110105********002X"
    note = [texts.event(e) for e in petition_events(accusation) if e.action == "assign"][0]
    assert note.note == "已电话联系欧**远（139****9000）核实"
    assert note.data["to_unit"] == "DH-ZJ" and note.action == "assign"
    view = texts.petition_view()
    assert view.title == texts.title and view.number == accusation.number
    with pytest.raises(AttributeError):
        view.title = "x"
    # nothing stored changed
    accusation.refresh_from_db()
    assert "欧阳明远" in accusation.title and ID18 in accusation.content


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["demo_clerk", "demo_dispatcher", "demo_handler", "demo_admin"])
def test_inside_the_chain_the_texts_are_whole(accusation, users, username):
    from xinfang.petitions.selectors import petition_texts
    from xinfang.workflow.selectors import petition_events

    texts = petition_texts(_fresh(users[username]), accusation)
    assert not texts.masked
    assert (texts.title, texts.content, texts.demands) == (accusation.title, accusation.content, accusation.demands)
    events = petition_events(accusation)
    assert texts.events(events) == events


@pytest.mark.django_db
def test_other_natures_are_never_masked(register, users):
    from xinfang.petitions.selectors import petition_texts

    p, _ = register(content=CONTENT)  # an appeal, same text
    assert petition_texts(_fresh(users["demo_reviewer"]), p).content == CONTENT


@pytest.mark.django_db
def test_a_search_does_not_find_a_hidden_accuser_by_what_is_masked(accusation, register, users):
    """Searching for the accuser's name, ID number or phone must not point at the accusation from outside
    its handling chain; words of the masked text still find it."""
    from xinfang.petitions.selectors import petition_list

    register(title="另一件", content=f"欧阳明远反映停车费，电话13900139000，{ID18}")  # an appeal: found as usual
    outsider, insider = _fresh(users["demo_reviewer"]), _fresh(users["demo_clerk"])
    for q in ("欧阳明远", "13900139000", ID18, "阳明"):
        found = set(petition_list(outsider, q=q).values_list("nature", flat=True))
        assert found == {"appeal"}, q
        assert set(petition_list(insider, q=q).values_list("nature", flat=True)) == {"appeal", "accusation"}, q
    for q in ("吃拿卡要", "住建局 12000", accusation.number):
        assert list(petition_list(outsider, q=q).values_list("pk", flat=True)) == [accusation.pk], q
