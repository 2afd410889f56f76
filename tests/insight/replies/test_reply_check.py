"""The draft check (insight.replies.check.draft_check): each rule flags what it should, with its reason."""

from __future__ import annotations

import pytest

from xinfang.insight.replies.check import demand_items, draft_check

GOOD_TEXT = ("经调查核实，幸福小区物业公司自今年起收取地面停车费，未经业主大会同意。已责令物业公司停止收取地面停车费，"
             "并于30日内退还已收取的停车费。如不服本意见，可自收到本意见书之日起30日内向上一级行政机关请求复查。")
GOOD_BASIS = "根据《物业管理条例》第五十五条规定，利用物业共用部位经营须征得业主同意。"
DEMANDS = "请求责令物业公司退还停车费；要求公开小区公共收益账目。"


def codes(flags):
    return [f.code for f in flags]


def test_a_complete_draft_passes_except_the_unanswered_demand():
    flags = draft_check(outcome="support", text=GOOD_TEXT, basis=GOOD_BASIS, demands=DEMANDS)
    assert codes(flags) == ["demands_unanswered"]
    assert flags[0].items == ["要求公开小区公共收益账目"]
    assert "2项诉求，1项" in flags[0].reason
    answered = GOOD_TEXT + "小区公共收益账目已责令物业公司每季度公开。"
    assert draft_check(outcome="support", text=answered, basis=GOOD_BASIS, demands=DEMANDS) == []


@pytest.mark.parametrize(("outcome", "code"), [("", "outcome_missing"), (None, "outcome_missing"),
                                                 ("approve", "outcome_invalid")])
def test_outcome(outcome, code):
    flags = draft_check(outcome=outcome, text=GOOD_TEXT, basis=GOOD_BASIS)
    assert codes(flags) == [code]
    assert flags[0].message and flags[0].reason


def test_facts_too_short_and_without_finding_words():
    short = draft_check(outcome="explain", text="已处理。", basis="《物业管理条例》，可申请复查。")
    assert "facts_missing" in codes(short)
    assert "少于40字" in next(f.reason for f in short if f.code == "facts_missing")
    long_no_finding = ("物业公司收取停车费的问题已经转交街道办事处处理，街道办事处将与物业公司沟通，督促其规范收费行为，"
                       "后续情况另行告知。如不服可自收到之日起30日内请求复查。")
    flags = draft_check(outcome="explain", text=long_no_finding, basis="《物业管理条例》")
    assert codes(flags) == ["facts_missing"]
    assert "经查" in flags[0].reason


def test_basis_missing_unless_a_law_is_cited():
    flags = draft_check(outcome="support", text=GOOD_TEXT, basis="物业公司应当规范收费。")
    assert codes(flags) == ["basis_missing"]
    assert "《" in flags[0].reason
    assert codes(draft_check(outcome="support", text=GOOD_TEXT, basis="依照国家有关规定办理。")) == []
    assert codes(draft_check(outcome="support", text=GOOD_TEXT + "（见《物业管理条例》）", basis="")) == []


def test_review_notice_by_kind():
    text = GOOD_TEXT.replace("如不服本意见，可自收到本意见书之日起30日内向上一级行政机关请求复查。", "")
    flags = draft_check(outcome="support", text=text, basis=GOOD_BASIS)
    assert codes(flags) == ["review_notice_missing"] and "复查" in flags[0].message
    review = draft_check(outcome="support", text=text, basis=GOOD_BASIS, kind="review")
    assert codes(review) == ["review_notice_missing"] and "复核" in review[0].message
    assert draft_check(outcome="support", text=text, basis=GOOD_BASIS, kind="rereview") == []  # final
    assert "30日内退还" in text  # a time limit of something else is no notice
    asked = text + "不服的，可向上一级行政机关提出。"
    assert draft_check(outcome="support", text=asked, basis=GOOD_BASIS) == []


def test_demand_items_split_and_fallback_to_the_asking_sentences():
    assert demand_items("一、请求退还停车费。二、要求公开账目；三、追究物业责任") == [
        "一、请求退还停车费", "二、要求公开账目", "三、追究物业责任"]
    content = "小区门口道路破损严重。雨天积水很深。希望有关部门尽快修复道路。"
    assert demand_items("", content) == ["希望有关部门尽快修复道路"]
    assert demand_items("", "") == []
