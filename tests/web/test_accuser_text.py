"""An accuser's ID number, phone and name typed into an accusation's free text stay inside the handling
chain (S22 Art 30, DESIGN §5) on every web path: the petition page (texts, timeline, replies), the
tables (home, search), the search itself, the xlsx exports, and the case dossier PDF. Inside the chain
the full text is shown; nothing stored changes."""

from __future__ import annotations

import io
import subprocess

import pytest
from intake_helpers import logged_in
from openpyxl import load_workbook

from xinfang.petitions.models import Petition
from xinfang.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"  # valid GB 11643 (invented)
NAME = "欧阳明远"
PHONE = "13900139000"
TITLE = f"{NAME}实名检举吃拿卡要（{PHONE}）"
CONTENT = (f"我叫{NAME}，身份证号{ID}，电话+86 139-0013-9000，座机010-62345678。"
           "检举住建局工作人员吃拿卡要，金额12000元。")
DEMANDS = f"请核实后回复{NAME}。"
NOTE = f"已电话联系{NAME}（{PHONE}）核实"
REPLY = f"经查，{NAME}（身份证号{ID}）反映的问题属实，已处理相关人员。"

M_TITLE = "欧**远实名检举吃拿卡要（139****9000）"
M_CONTENT = ("我叫欧**远，身份证号110105********002X，电话+86 139****9000，座机010-****5678。"
             "检举住建局工作人员吃拿卡要，金额12000元。")
M_DEMANDS = "请核实后回复欧**远。"
M_NOTE = "已电话联系欧**远（139****9000）核实"
M_REPLY = "经查，欧**远（身份证号110105********002X）反映的问题属实，已处理相关人员。"

# whatever the accuser typed, in any of the forms it was typed
CLEAR = (ID, NAME, PHONE, "139-0013-9000", "62345678")

OUTSIDER = "demo_reviewer"  # 东湖区人民政府: sees the accusation by jurisdiction, not in its handling chain
INSIDERS = ("demo_clerk", "demo_handler")  # the receiving office and the handling unit


@pytest.fixture
def accusation(register, act):
    """Registered by 东湖区信访局, assigned to 住建局 with a note, accepted, a reply drafted."""
    p, _ = register(nature="accusation", title=TITLE, content=CONTENT, demands=DEMANDS,
                    petitioners=[PetitionerInput(name=NAME, id_number=ID, phone=PHONE)])
    act("demo_dispatcher", p, "assign", unit="DH-ZJ", note=NOTE)
    act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    act("demo_handler", p, "draft_reply", outcome="support", text=REPLY, basis="《信访工作条例》第三十二条。")
    return Petition.objects.get(pk=p.pk)


@pytest.fixture
def as_user(users):
    return lambda username: logged_in(users[username])


def _outside_then_inside(users, accusation):
    from xinfang.petitions.selectors import accuser_hidden

    assert accuser_hidden(users[OUTSIDER], accusation)
    for name in INSIDERS:
        assert not accuser_hidden(users[name], accusation)


def test_petition_page(accusation, as_user, users):
    _outside_then_inside(users, accusation)
    html = as_user(OUTSIDER).get(f"/petitions/{accusation.pk}/").content.decode()
    for text in (M_TITLE, M_CONTENT, M_DEMANDS, M_NOTE, M_REPLY, "检举控告人信息受保护"):
        assert text in html, text
    for text in CLEAR:
        assert text not in html, text
    for name in INSIDERS:
        html = as_user(name).get(f"/petitions/{accusation.pk}/").content.decode()
        for text in (TITLE, CONTENT, DEMANDS, NOTE, REPLY):
            assert text in html, (name, text)
    accusation.refresh_from_db()
    assert (accusation.title, accusation.content) == (TITLE, CONTENT)  # masked at read time only


def test_tables_and_search_results(accusation, as_user):
    outsider = as_user(OUTSIDER)
    for url, params in (("/", {}), ("/search/", {"q": "吃拿卡要"}), ("/search/", {})):
        html = outsider.get(url, params).content.decode()
        assert accusation.number in html and M_TITLE in html, url
        assert NAME not in html and PHONE not in html, url
    html = as_user("demo_clerk").get("/search/", {"q": "吃拿卡要"}).content.decode()
    assert accusation.number in html and TITLE in html


@pytest.mark.parametrize("q", [NAME, "阳明", PHONE, ID, "62345678"])
def test_search_does_not_find_the_accuser_by_what_is_masked(accusation, as_user, register, q):
    other, _ = register(title=f"另一件：{NAME}反映停车费", content=f"电话{PHONE}，{ID}，座机010-62345678")
    html = as_user(OUTSIDER).get("/search/", {"q": q}).content.decode()
    assert other.number in html and accusation.number not in html
    html = as_user("demo_clerk").get("/search/", {"q": q}).content.decode()
    assert other.number in html and accusation.number in html


def _xlsx_rows(response) -> list[dict]:
    assert response.status_code == 200, response.content[:300]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_xlsx_exports(accusation, as_user):
    """The search export and a list's export (工作台), outside and inside the chain."""
    for url in ("/search/export.xlsx?q=吃拿卡要", "/?export=xlsx"):
        row = {r["信访件编号"]: r for r in _xlsx_rows(as_user(OUTSIDER).get(url))}[accusation.number]
        assert (row["标题"], row["反映内容"], row["诉求"]) == (M_TITLE, M_CONTENT, M_DEMANDS), url
        assert row["信访人"] == "（检举控告人信息不予显示）"
    for client, url in ((as_user("demo_handler"), "/?export=xlsx"),
                        (as_user("demo_clerk"), "/search/export.xlsx?q=吃拿卡要")):
        row = {r["信访件编号"]: r for r in _xlsx_rows(client.get(url))}[accusation.number]
        assert (row["标题"], row["反映内容"], row["诉求"]) == (TITLE, CONTENT, DEMANDS), url


def test_xlsx_export_from_any_list_of_the_outsider(accusation, users):
    """The workbook writer itself masks, whatever list it is given."""
    from xinfang.petitions.selectors import petitions_visible
    from xinfang.reports.exports import petitions_xlsx

    outsider = users[OUTSIDER]
    out, n, _ = petitions_xlsx(outsider, petitions_visible(outsider).filter(pk=accusation.pk))
    assert n == 1
    cells = [str(c) for row in load_workbook(out).worksheets[0].iter_rows(values_only=True) for c in row if c]
    text = " ".join(cells)
    assert M_CONTENT in text and all(t not in text for t in CLEAR)


def test_similar_panel_shows_masked_titles_only_where_allowed(accusation, as_user, register):
    """同一信访人: the outsider gets no link to the accuser at all; the chain sees the whole title."""
    from xinfang.petitions.services import PetitionerInput as P

    appeal, _ = register(title="停车费", petitioners=[P(name=NAME, id_number=ID, phone=PHONE)])
    html = as_user(OUTSIDER).get(f"/petitions/{appeal.pk}/").content.decode()
    assert accusation.number not in html and M_TITLE not in html
    html = as_user("demo_clerk").get(f"/petitions/{appeal.pk}/").content.decode()
    assert accusation.number in html and TITLE in html


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "dossier.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def test_dossier_outside_the_chain_is_masked(accusation, users, tmp_path):
    from xinfang.reports.dossier import dossier_build

    act_reply = accusation.replies.get()
    act_reply.approved_at = act_reply.drafted_at  # the dossier prints approved replies
    act_reply.save(update_fields=["approved_at"])
    text = _pdf_text(dossier_build(accusation, actor=users[OUTSIDER]), tmp_path)
    for masked in ("欧**远实名检举吃拿卡要", "110105********002X", "139****9000", "010-****5678"):
        assert masked in text, masked
    for clear in CLEAR:
        assert clear not in text, clear
    text = _pdf_text(dossier_build(accusation, actor=users["demo_handler"]), tmp_path)
    assert NAME in text and "".join(CONTENT.split()) in text


def test_my_ownerships_list_masks_the_title_outside_the_chain(accusation, as_user, users):
    """我的包案: a leader who owns the case without being in its handling chain sees the masked title."""
    from xinfang.oversight.services import ownership_assign

    leader = users[OUTSIDER]  # a leader of 东湖区人民政府
    ownership_assign(actor=leader, petition=accusation, leader=leader)
    html = as_user(OUTSIDER).get("/ownerships/").content.decode()
    assert accusation.number in html and M_TITLE in html and NAME not in html and PHONE not in html


def test_a_typical_case_names_its_source_petition_masked_outside_the_chain(accusation, act, as_user, users):
    """典型案例 are read by staff of every unit: the source petition's title as the reader may see it."""
    from xinfang.knowledge.services import case_mark

    act("demo_leader", accusation, "approve_reply")
    article = case_mark(actor=users["demo_leader"], petition_id=accusation.pk, title="吃拿卡要问题的查处",
                        body="住建局工作人员吃拿卡要，经查属实。", lesson="实名举报人的身份严格保密。")
    for username in (OUTSIDER, "demo_clerk2"):  # in the jurisdiction but not the chain; another district
        html = as_user(username).get(f"/knowledge/{article.pk}/").content.decode()
        assert accusation.number in html and M_TITLE in html and NAME not in html and PHONE not in html, username
    html = as_user("demo_handler").get(f"/knowledge/{article.pk}/").content.decode()
    assert TITLE in html


def test_the_bulletins_overdue_list_masks_the_title_outside_the_chain(accusation, users):
    """信访情况通报: the overdue petitions are listed by title, as the user building it may see them."""
    import datetime as dt

    from django.utils import timezone

    from xinfang.reports.bulletin import bulletin_build

    today = timezone.localdate()
    later = timezone.now() + dt.timedelta(days=120)  # the reply is long overdue by then
    for username, title in ((OUTSIDER, M_TITLE), ("demo_clerk", TITLE)):
        data = bulletin_build(users[username], date_from=today - dt.timedelta(days=1), date_to=today, as_of=later)
        titles = [r["title"] for r in data["tables"]["overdue"] if r["id"] == accusation.pk]
        assert titles == [title], (username, data["tables"]["overdue"])
