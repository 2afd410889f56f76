"""查询 by a petitioner's exact name: their petitions, only inside the user's jurisdiction, and never
an accusation whose accuser is hidden from the user (S22 Art 30)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from xinfang.petitions.filters import PetitionFilter, petitions_search
from xinfang.petitions.models import Petition
from xinfang.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org, register, act):
    """李建国 brought two matters in 东湖区 and one accusation; a namesake lives in 西山区. No title or
    content mentions a name."""
    p = {}
    p["parking"], _ = register(title="小区停车收费", content="物业违规收费。",
                               petitioners=[PetitionerInput(name="李建国", phone="13900139001")])
    p["noise"], _ = register(title="夜间施工噪声扰民", content="工地夜间施工。", channel="letter",
                             petitioners=[PetitionerInput(name="王芳"), PetitionerInput(name="李建国")])
    p["accusation"], _ = register(title="检举某局干部索要好处费", content="检举有关人员吃拿卡要。",
                                  nature="accusation", accused_unit="DH-ZJ",
                                  petitioners=[PetitionerInput(name="李建国", phone="13900139001")])
    act("demo_dispatcher", p["accusation"], "forward", unit="DH-JW")
    p["west"], _ = register(actor=org.users["demo_clerk2"], title="道路破损", content="路面坑洼。",
                            problem_region="990103001", petitioners=[PetitionerInput(name="李建国")])
    p["other"], _ = register(title="供暖不热", content="室温不达标。", petitioners=[PetitionerInput(name="张三")])
    return p


def found(client, q: str) -> set[int]:
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    html = response.content.decode()
    body = html[html.find("<tbody"):html.find("</tbody>")]
    return {p.pk for p in Petition.objects.all() if f'href="/petitions/{p.pk}/"' in body}


def as_user(client, users, username):
    client.force_login(users[username])
    return client


def test_a_petitioners_exact_name_finds_their_petitions(people, client, users):
    c = as_user(client, users, "demo_dispatcher")  # the receiving office: in the accusation's chain
    assert found(c, "李建国") == {people[k].pk for k in ("parking", "noise", "accusation")}
    assert found(c, " 李建国 ") == found(c, "李建国")  # spaces around the name do not matter
    assert found(c, "王芳") == {people["noise"].pk}
    # exact names only: part of a name is an ordinary word, and no text holds it
    assert found(c, "李建") == set()
    # words still search the texts
    assert found(c, "噪声") == {people["noise"].pk}


def test_only_inside_the_jurisdiction(people, client, users):
    west = as_user(client, users, "demo_clerk2")
    assert found(west, "李建国") == {people["west"].pk}  # the namesake in 西山区, not 东湖区's
    east = as_user(client, users, "demo_clerk")
    assert people["west"].pk not in found(east, "李建国")


def test_a_hidden_accuser_is_not_found_by_name(people, client, users):
    # the city's office sees the district's petitions but is outside this accusation's handling chain
    city = users["demo_city_dispatcher"]
    assert Petition.objects.filter(pk=people["accusation"].pk).exists()
    assert petitions_search(city, PetitionFilter()).filter(pk=people["accusation"].pk).exists()  # in scope
    # the search selector itself (every list, export and count goes through it) leaves it out
    by_name = set(petitions_search(city, PetitionFilter(q="李建国")).values_list("pk", flat=True))
    assert by_name == {people["parking"].pk, people["noise"].pk, people["west"].pk}
    dispatcher = set(petitions_search(users["demo_dispatcher"], PetitionFilter(q="李建国")).values_list("pk", flat=True))
    assert people["accusation"].pk in dispatcher
    c = as_user(client, users, "demo_city_dispatcher")
    # (the city sees both districts: 西山区's namesake too), but not the accusation
    assert found(c, "李建国") == {people["parking"].pk, people["noise"].pk, people["west"].pk}
    # nor through the export of the same search
    response = c.get("/search/export.xlsx", {"q": "李建国"})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = {str(cell.value) for row in wb.worksheets[0].iter_rows() for cell in row if cell.value}
    assert people["parking"].number in cells and people["accusation"].number not in cells
    # inside the chain (the receiving office) the accuser is known, and found by name
    assert people["accusation"].pk in found(as_user(client, users, "demo_dispatcher"), "李建国")


def test_the_selector_without_a_user_searches_texts_only(people):
    from xinfang.petitions import search

    assert search.text_q("李建国") is not None
    assert not Petition.objects.filter(search.text_q("李建国")).exists()
