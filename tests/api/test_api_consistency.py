"""API and pages agree (finding 12 of issue 9): the same roles get the reports on both, and the
origin of a repeat petition outside the caller's jurisdiction is named on neither."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROLES = ["demo_clerk", "demo_dispatcher", "demo_dept_dispatcher", "demo_handler", "demo_leader", "demo_reviewer",
         "demo_supervisor", "demo_analyst", "demo_informant", "demo_admin", "demo_city_leader",
         "demo_city_dispatcher", "demo_clerk2", "demo_analyst2"]
API_REPORTS = ["/reports/kpis", "/reports/kpis/petitions", "/reports/summary",
               "/reports/bulletin?format=json", "/reports/annual?year=2026"]
WEB_REPORTS = ["/reports/", "/reports/dashboard/"]


@pytest.mark.parametrize("username", ROLES)
def test_each_role_gets_the_same_yes_or_no_for_reports_on_both(clients, users, username):
    web = Client()
    web.force_login(users[username])
    web_answers = {path: web.get(path).status_code for path in WEB_REPORTS}
    api = clients(username)
    api_answers = {path: api.get(path, raw_path=False).status for path in API_REPORTS}
    assert set(web_answers.values()) <= {200, 404} and set(api_answers.values()) <= {200, 404}, (
        web_answers, api_answers)
    allowed = {a == 200 for a in [*web_answers.values(), *api_answers.values()]}
    assert len(allowed) == 1, (username, web_answers, api_answers)
    expected = username.startswith(("demo_leader", "demo_supervisor", "demo_analyst", "demo_admin",
                                    "demo_reviewer", "demo_city_leader"))
    assert allowed == {expected}, (username, web_answers, api_answers)


@pytest.fixture
def repeat_across(register, users):
    """A petition in 东湖区 that repeats one received in 西山区."""
    origin, _code = register(actor=users["demo_clerk2"], problem_region="990103001")
    repeat, _code = register(repeat_of=origin, title="再次反映停车费")
    return origin, repeat


def test_a_repeat_of_a_petition_outside_the_jurisdiction_names_nothing(clients, users, repeat_across):
    origin, repeat = repeat_across
    detail = clients("demo_clerk").get(f"/petitions/{repeat.pk}")
    assert detail.status == 200
    assert detail.json()["repeat_of"] is None and detail.json()["is_first"] is False
    assert origin.number not in detail.body.decode()
    listed = clients("demo_clerk").get("/petitions")
    assert origin.number not in listed.body.decode()
    web = Client()
    web.force_login(users["demo_clerk"])
    page = web.get(f"/petitions/{repeat.pk}/").content.decode()
    assert "重复信访" in page and "原件不在您的管辖范围内" in page
    assert origin.number not in page and f"/petitions/{origin.pk}/" not in page


def test_a_repeat_within_reach_still_names_its_origin(clients, users, repeat_across):
    origin, repeat = repeat_across
    detail = clients("demo_city_dispatcher").get(f"/petitions/{repeat.pk}")
    assert detail.status == 200, detail.body
    assert detail.json()["repeat_of"] == origin.number
    web = Client()
    web.force_login(users["demo_city_dispatcher"])
    page = web.get(f"/petitions/{repeat.pk}/").content.decode()
    assert origin.number in page and f"/petitions/{origin.pk}/" in page
