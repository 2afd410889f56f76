"""Similar answered petitions (insight.replies.selectors.answered_similar) on the demo city's database."""

from __future__ import annotations

from xinfang.insight.replies.selectors import SNIPPET, answered_similar, pending_draft_check


def test_ranked_answered_visible_same_first_level_category(answered, target, users):
    matches = answered_similar(users["demo_handler"], target, limit=10)
    ids = [m.petition.pk for m in matches]
    assert ids[0] == answered["parking"].pk
    assert answered["lift"].pk in ids and answered["accusation"].pk in ids
    assert ids.index(answered["parking"].pk) < ids.index(answered["lift"].pk)
    for absent in ("wages", "draft", "west"):  # other category; no approved reply; outside the jurisdiction
        assert answered[absent].pk not in ids, absent
    assert target.pk not in ids
    top = matches[0]
    assert top.outcome == "support" and top.outcome_label == "支持"
    assert top.truncated and top.snippet == top.reply_text[:SNIPPET] and top.reply_text.startswith("经核实")
    assert matches[0].score >= matches[-1].score
    assert answered_similar(users["demo_handler"], target, limit=1) == matches[:1]


def test_an_accusation_is_masked_outside_its_handling_chain(answered, target, users):
    inside = {m.petition.pk: m for m in answered_similar(users["demo_handler"], target, limit=10)}
    assert "李四" in inside[answered["accusation"].pk].reply_text
    outside = {m.petition.pk: m for m in answered_similar(users["demo_reviewer"], target, limit=10)}
    shown = outside[answered["accusation"].pk]
    assert "李四" not in shown.reply_text and "李四" not in shown.title
    assert "经核实" in shown.reply_text


def test_pending_draft_check(answered, target, act, users):
    leader = users["demo_leader"]
    assert pending_draft_check(leader, target) == (None, [])
    act("demo_handler", target, "draft_reply", outcome="support", text="已处理。", basis="无")
    draft, flags = pending_draft_check(leader, target)
    assert draft.text == "已处理。"
    codes = [f.code for f in flags]
    assert codes == ["facts_missing", "basis_missing", "review_notice_missing", "demands_unanswered"]
    assert flags[-1].items == ["请求退还停车费", "要求公开小区公共收益账目"]
