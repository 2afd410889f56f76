"""issue 12 in a real browser: the clerk types a petition, takes the suggested category, sees the earlier
petition of the same petitioner about the same matter and links it; the dispatcher routes it with the
suggested unit. Both suggestions are recorded as taken."""

from __future__ import annotations

import pytest
from intake_helpers import ID_A

from xinfang.insight.feedback.models import SuggestionOutcome
from xinfang.insight.selectors import category_suggestions
from xinfang.insight.similarity.models import SimilarDecision
from xinfang.org.models import Region
from xinfang.petitions.models import Category, Petition
from xinfang.workflow.models import RoutingRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "幸福小区物业违规收取停车费"
CONTENT = "幸福小区物业公司自今年起违规收取地面停车费，业主多次反映无果，请求退还。"
REGION = "990102001"


def test_clerk_takes_the_suggestions_and_dispatcher_routes_with_the_suggested_unit(org, register, login,
                                                                                     live_server):
    top = category_suggestions(title=TITLE, content=CONTENT, limit=1)[0]
    earlier, _ = register(title=TITLE, content=CONTENT, category=top.code)
    category = Category.objects.get(code=top.code)
    RoutingRule.objects.create(category=category, region=Region.objects.get(code=REGION), unit=org.units["DH-ZJ"])

    page = login("demo_clerk")
    page.goto(live_server.url + "/intake/visit/")
    page.fill("input[name=p-0-name]", "张三")
    page.fill("input[name=p-0-id_number]", ID_A)
    page.fill("input[name=problem_region]", "示范省 / 示范市 / 东湖区 / 城关街道")
    page.fill("input[name=title]", TITLE)
    page.locator("textarea[name=content]").press_sequentially(CONTENT[:12])
    take = page.wait_for_selector("#insight-body [data-take-category] >> nth=0")
    label = take.get_attribute("data-take-category")
    assert "置信度" in take.inner_text()
    take.click()
    assert page.input_value("input[name=category]") == label
    candidate = page.wait_for_selector(f"#insight-body .similar-candidate[data-candidate='{earlier.pk}']")
    assert earlier.number in candidate.inner_text() and "重复件" in candidate.inner_text()
    candidate.query_selector("input[name=similar_link]").check()
    page.click("#intake-save")
    # the same petitioner already has this matter open: the clerk confirms it is a repeat of it
    page.wait_for_selector("#f-duplicate_choice", timeout=10000)
    page.check(f"input[name=duplicate_choice][value='repeat:{earlier.pk}']")
    assert page.is_checked(f"#insight-body input[name=similar_link][value='repeat:{earlier.pk}']")
    page.click("#intake-save")
    page.wait_for_url("**/petitions/*/")
    new = Petition.objects.exclude(pk=earlier.pk).get()
    assert new.repeat_of_id == earlier.pk and new.category_id == category.pk
    assert SimilarDecision.objects.get(petition=new, candidate=earlier).decision == "confirmed"
    assert SuggestionOutcome.objects.get(petition=new, kind="category").taken is True

    page.context.clear_cookies()
    page = login("demo_dispatcher")
    page.goto(f"{live_server.url}/petitions/{new.pk}/")
    page.click("summary[data-action=assign]")
    form = page.locator("form[action$='/act/assign/']")
    suggestion = form.locator("[data-fill-unit='DH-ZJ']")
    assert "路由规则" in suggestion.inner_text()
    suggestion.click()
    assert form.locator("input[name=unit]").input_value() == "DH-ZJ"
    form.locator("button.primary[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert Petition.objects.get(pk=new.pk).handling_unit.code == "DH-ZJ"
    outcome = SuggestionOutcome.objects.get(petition=new, kind="unit")
    assert (outcome.suggested, outcome.chosen, outcome.taken) == ("DH-ZJ", "DH-ZJ", True)
