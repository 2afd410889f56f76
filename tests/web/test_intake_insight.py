"""issue 12 in the workbench: the 智能提示 panel of 登记 (suggested category, repeat candidates), the petition
page's candidates with 确认/排除, the suggested units of 转送/交办, and whether suggestions were taken."""

from __future__ import annotations

import pytest
from django.urls import reverse
from intake_helpers import intake_data, logged_in

from xinfang.insight.feedback.models import SuggestionOutcome
from xinfang.insight.feedback.selectors import acceptance_rates
from xinfang.insight.similarity.models import SimilarDecision
from xinfang.petitions.models import Category, Petition
from xinfang.workflow.models import RoutingRule

pytestmark = pytest.mark.django_db

INSIGHT = "web:intake_insight"


def _suggested_code(client) -> str:
    r = client.post(reverse(INSIGHT, args=["visit"]), intake_data())
    assert r.status_code == 200
    field = r.context["insight"]["suggestions"]
    assert field, "the 物业停车费 text gets a suggested category"
    return field[0]["code"]


def test_panel_suggests_a_category_with_its_confidence(users):
    c = logged_in(users["demo_clerk"])
    r = c.post(reverse(INSIGHT, args=["visit"]), intake_data())
    assert r.status_code == 200
    top = r.context["insight"]["suggestions"][0]
    assert Category.objects.filter(code=top["code"]).exists()
    html = r.content.decode()
    assert f'value="take:{top["code"]}"' in html and f'data-take-category="{top["label"]}"' in html
    assert f'name="suggested_category" value="{top["code"]}"' in html
    assert "置信度" in html


def test_panel_without_text_suggests_nothing(users):
    r = logged_in(users["demo_clerk"]).post(reverse(INSIGHT, args=["visit"]), intake_data(title="", content=""))
    assert r.status_code == 200 and r.context["insight"]["typed"] is False
    assert "suggested_category" not in r.content.decode()


def test_panel_refuses_non_clerks_and_unknown_channels(users):
    assert logged_in(users["demo_analyst"]).post(reverse(INSIGHT, args=["visit"]), intake_data()).status_code == 403
    assert logged_in(users["demo_clerk"]).post(reverse(INSIGHT, args=["nope"]), intake_data()).status_code == 404
    assert logged_in(users["demo_clerk"]).get(reverse(INSIGHT, args=["visit"])).status_code == 405


def test_panel_shows_the_repeat_candidate_of_the_same_petitioner(users, register):
    earlier, _code = register()
    r = logged_in(users["demo_clerk"]).post(reverse(INSIGHT, args=["visit"]), intake_data())
    rows = r.context["insight"]["candidates"]
    assert [(row["c"].petition.pk, row["c"].kind) for row in rows][:1] == [(earlier.pk, "repeat")]
    html = r.content.decode()
    assert earlier.number in html and "重复件" in html and f'value="repeat:{earlier.pk}"' in html


def test_panel_hides_candidates_of_another_district(users, register):
    earlier, _ = register()  # at 东湖区
    mine = logged_in(users["demo_clerk"]).post(reverse(INSIGHT, args=["visit"]), intake_data(problem_region=""))
    assert [row["c"].petition.pk for row in mine.context["insight"]["candidates"]] == [earlier.pk]
    r = logged_in(users["demo_clerk2"]).post(reverse(INSIGHT, args=["visit"]), intake_data(problem_region=""))
    assert r.status_code == 200
    assert r.context["insight"]["candidates"] == []


def test_take_without_js_rerenders_with_the_category_and_stores_nothing(users):
    c = logged_in(users["demo_clerk"])
    code = _suggested_code(c)
    before = Petition.objects.count()
    r = c.post(reverse("web:intake_channel", args=["visit"]), intake_data(category="", _insight=f"take:{code}"))
    assert r.status_code == 200
    assert Petition.objects.count() == before
    from xinfang.petitions.lookup import category_code

    assert category_code(r.context["data"].values["category"]) == code
    assert f'name="category" value="{r.context["data"].values["category"]}"' in r.content.decode()


def test_registration_records_taken_suggestion_and_links_the_repeat(users, register):
    earlier, _code = register()
    c = logged_in(users["demo_clerk"])
    code = _suggested_code(c)
    cat = Category.objects.get(code=code)
    data = intake_data(category=cat.code, suggested_category=code, suggested_confidence="0.8100",
                       suggested_method="keywords", duplicate_choice="new", duplicate_reason="提出了新的事实",
                       similar_link=f"repeat:{earlier.pk}")
    r = c.post(reverse("web:intake_channel", args=["visit"]), data)
    assert r.status_code == 302, r.content.decode()[:2000]
    new = Petition.objects.latest("pk")
    assert new.pk != earlier.pk and new.repeat_of_id == earlier.pk
    d = SimilarDecision.objects.get(petition=new, candidate=earlier)
    assert (d.kind, d.decision, d.by_id) == ("repeat", "confirmed", users["demo_clerk"].pk)
    o = SuggestionOutcome.objects.get(petition=new, kind="category")
    assert (o.suggested, o.chosen, o.taken, o.method, o.confidence) == (code, code, True, "keywords", 0.81)


def test_registration_records_a_suggestion_not_taken(users):
    c = logged_in(users["demo_clerk"])
    code = _suggested_code(c)
    other = Category.objects.filter(is_active=True).exclude(code=code).exclude(code__startswith=code[:2]).first()
    r = c.post(reverse("web:intake_channel", args=["visit"]),
               intake_data(category=other.code, suggested_category=code, suggested_confidence="0.5"))
    assert r.status_code == 302
    o = SuggestionOutcome.objects.get(kind="category")
    assert (o.suggested, o.chosen, o.taken) == (code, other.code, False)
    rates = acceptance_rates()
    assert rates["category"] == {"shown": 1, "taken": 0, "rate": 0.0}
    assert rates["unit"] == {"shown": 0, "taken": 0, "rate": None}


def test_registration_without_suggestion_records_nothing(users):
    r = logged_in(users["demo_clerk"]).post(reverse("web:intake_channel", args=["visit"]), intake_data())
    assert r.status_code == 302
    assert not SuggestionOutcome.objects.exists()


# -- the petition page ------------------------------------------------------------------------


def test_petition_page_shows_candidates_with_confirm_and_reject(users, register):
    earlier, _ = register()
    later, _ = register()
    r = logged_in(users["demo_dispatcher"]).get(reverse("web:petition", args=[later.pk]))
    assert r.status_code == 200
    cands = r.context["similar"]
    assert [(c.petition.pk, c.kind) for c in cands][:1] == [(earlier.pk, "repeat")]
    assert earlier.pk not in [s.pk for s in r.context["similar_others"]]  # listed once, as a candidate
    html = r.content.decode()
    assert reverse("web:similar_decide", args=[later.pk]) in html
    assert 'value="confirmed"' in html and 'value="rejected"' in html


def test_decide_confirms_and_rejects(users, register):
    earlier, _ = register()
    later, _ = register()
    c = logged_in(users["demo_dispatcher"])
    url = reverse("web:similar_decide", args=[later.pk])
    r = c.post(url, {"candidate": earlier.pk, "kind": "repeat", "decision": "confirmed"}, follow=True)
    assert r.redirect_chain[-1][0] == reverse("web:petition", args=[later.pk])
    assert "已记录相似件认定" in r.content.decode()
    assert SimilarDecision.objects.get(petition=later, candidate=earlier).decision == "confirmed"
    assert Petition.objects.get(pk=later.pk).repeat_of_id == earlier.pk
    c.post(url, {"candidate": earlier.pk, "kind": "repeat", "decision": "rejected"})
    assert SimilarDecision.objects.get(petition=later, candidate=earlier).decision == "rejected"
    assert Petition.objects.get(pk=later.pk).repeat_of_id is None


def test_decide_bad_input_is_an_error_message_and_changes_nothing(users, register):
    earlier, _ = register()
    later, _ = register()
    c = logged_in(users["demo_dispatcher"])
    url = reverse("web:similar_decide", args=[later.pk])
    for data in ({"candidate": earlier.pk, "kind": "x", "decision": "confirmed"},
                 {"candidate": "abc", "kind": "repeat", "decision": "confirmed"},
                 {"candidate": later.pk, "kind": "repeat", "decision": "confirmed"}):
        r = c.post(url, data, follow=True)
        assert r.status_code == 200 and r.redirect_chain
        assert list(r.context["messages"])[0].level_tag == "error"
    assert not SimilarDecision.objects.exists()


def test_decide_404_outside_jurisdiction_403_without_the_role(users, register):
    earlier, _ = register()
    later, _ = register()
    url = reverse("web:similar_decide", args=[later.pk])
    data = {"candidate": earlier.pk, "kind": "repeat", "decision": "confirmed"}
    assert logged_in(users["demo_dispatcher2"]).post(url, data).status_code == 404
    assert logged_in(users["demo_clerk2"]).post(url, data).status_code == 404
    assert logged_in(users["demo_analyst"]).post(url, data).status_code == 403
    assert logged_in(users["demo_dispatcher"]).get(url).status_code == 405
    assert not SimilarDecision.objects.exists()


# -- the route form ---------------------------------------------------------------------------


def _rule(org, petition, unit_code="DH-ZJ"):
    return RoutingRule.objects.create(category=petition.category, region=petition.problem_region,
                                      unit=org.units[unit_code])


def test_route_form_suggests_the_unit_of_the_routing_table(org, users, register):
    p, _ = register()
    _rule(org, p)
    r = logged_in(users["demo_dispatcher"]).get(reverse("web:petition", args=[p.pk]))
    sugg = r.context["route_suggestions"]
    assert sugg and sugg[0].code == "DH-ZJ" and sugg[0].method == "table"
    html = r.content.decode()
    assert 'data-fill-unit="DH-ZJ"' in html and 'name="suggested_unit" value="DH-ZJ"' in html
    assert "路由规则" in html


def test_route_suggestion_learns_from_history(org, users, register, act):
    first, _ = register()
    act("demo_dispatcher", first, "assign", unit="DH-ZJ")
    p, _ = register(title="另一件物业问题", content="物业公司乱收费，物业管理混乱。", duplicate_reason="新的事实")
    sugg = logged_in(users["demo_dispatcher"]).get(reverse("web:petition", args=[p.pk])).context["route_suggestions"]
    assert any(s.code == "DH-ZJ" and s.method == "history" for s in sugg)


def test_routing_records_whether_the_unit_was_taken(org, users, register):
    p, _ = register()
    _rule(org, p)
    c = logged_in(users["demo_dispatcher"])
    page = c.get(reverse("web:petition", args=[p.pk]))
    actions = [a["name"] for a in page.context["actions"]]
    action = "assign" if "assign" in actions else "forward"
    data = {"version": Petition.objects.get(pk=p.pk).version, "unit": "DH-ZJ",
            "suggested_unit": "DH-ZJ", "suggested_confidence": "0.9", "suggested_method": "table"}
    if action == "assign":
        data["report_due"] = ""
    r = c.post(reverse("web:act", args=[p.pk, action]), data)
    assert r.status_code == 302, r.content.decode()[:3000]
    o = SuggestionOutcome.objects.get(petition=p, kind="unit")
    assert (o.suggested, o.chosen, o.taken) == ("DH-ZJ", "DH-ZJ", True)
    assert acceptance_rates()["unit"]["rate"] == 1.0


def test_routing_elsewhere_is_recorded_as_not_taken(org, users, register):
    p, _ = register()
    _rule(org, p)
    c = logged_in(users["demo_dispatcher"])
    r = c.post(reverse("web:act", args=[p.pk, "assign"]),
               {"version": Petition.objects.get(pk=p.pk).version, "unit": "DH-T1",
                "suggested_unit": "DH-ZJ", "suggested_confidence": "0.9", "suggested_method": "table"})
    assert r.status_code == 302, r.content.decode()[:3000]
    o = SuggestionOutcome.objects.get(petition=p, kind="unit")
    assert (o.chosen, o.taken) == ("DH-T1", False)
