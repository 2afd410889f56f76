"""The draft check on real replies (../shared/data/teddy2020/messages_with_replies.csv: the replies of a
city's online message board; $XINFANG_SHARED_DATA overrides where the data is). Skipped, with the reason,
when the data is absent.

These are board replies (回复), not 信访处理意见书: almost none tells of the right to 复查, many cite no
law and some give no finding. The test pins the share each rule flags to a sane band (so a rule that
flags everything or nothing fails), checks that the built-in finding words cover the ones learned from
the data, and that deliberately broken drafts (basis removed, 复查 notice removed, one demand's answer
removed) are flagged."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest

from xinfang.insight.hotspots import csvdata
from xinfang.insight.replies.check import (
    demand_items,
    draft_check,
    has_facts,
    item_answered,
    key_words,
    learn_fact_phrases,
)

DATA = csvdata.shared_data_dir() / "teddy2020" / "messages_with_replies.csv"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"evaluation data absent: {DATA} (set XINFANG_SHARED_DATA)")

NOTICE = "如不服本处理意见，可自收到本意见书之日起30日内向上一级行政机关请求复查。"
_CITATION = re.compile(r"《[^《》]{2,60}》|(?:依据|根据|按照|依照|依法|对照)")
_SENTENCE = re.compile(r"(?<=[。；！？\n])")


@pytest.fixture(scope="module")
def rows():
    with DATA.open(encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.DictReader(f) if (r.get("答复意见") or "").strip()]
    assert len(rows) > 2000
    return rows[::3]  # a fixed third: the shares are the same, the test three times faster


def _shares(rows, **extra):
    counts = Counter()
    for r in rows:
        for flag in draft_check(outcome="explain", text=r["答复意见"], basis="", content=r["留言详情"], **extra):
            counts[flag.code] += 1
    return {code: n / len(rows) for code, n in counts.items()}


def test_share_flagged_per_rule_is_sane(rows):
    shares = _shares(rows)
    print("share of real replies flagged:", {k: round(v, 3) for k, v in sorted(shares.items())})
    assert "outcome_missing" not in shares and "outcome_invalid" not in shares
    assert shares["review_notice_missing"] > 0.95  # board replies do not tell of 复查
    assert 0.2 < shares["basis_missing"] < 0.85  # about 3 in 5 cite no law or rule
    assert 0.2 < shares["facts_missing"] < 0.75
    assert 0.1 < shares["demands_unanswered"] < 0.7
    with_notice = _shares([{**r, "答复意见": r["答复意见"] + NOTICE} for r in rows])
    assert "review_notice_missing" not in with_notice


def test_the_finding_words_cover_the_learned_ones(rows):
    learned = learn_fact_phrases(r["答复意见"] for r in rows)
    top = [phrase for phrase, _ in learned[:10]]
    assert {"经查", "经调查", "经核实"} <= set(top)
    assert all(has_facts(phrase) for phrase in top), top


def test_basis_removed_is_flagged(rows):
    cited = [r for r in rows if not any(f.code == "basis_missing" for f in
                                          draft_check(outcome="explain", text=r["答复意见"], basis=""))]
    assert len(cited) > 100
    for r in cited:
        stripped = "".join(s for s in _SENTENCE.split(r["答复意见"]) if not _CITATION.search(s))
        codes = [f.code for f in draft_check(outcome="explain", text=stripped, basis="")]
        assert "basis_missing" in codes, r["留言编号"]


def test_review_notice_removed_is_flagged(rows):
    for r in rows[:200]:
        text = r["答复意见"].replace("复查", "").replace("上一级", "")
        codes = [f.code for f in draft_check(outcome="explain", text=text + NOTICE, basis="")]
        assert "review_notice_missing" not in codes
        codes = [f.code for f in draft_check(outcome="explain", text=text, basis="")]
        assert "review_notice_missing" in codes, r["留言编号"]


def test_one_demands_answer_removed_is_flagged(rows):
    tried = 0
    for r in rows:
        items = demand_items("", r["留言详情"])
        reply = r["答复意见"]
        words = key_words(reply)
        if len(items) < 2 or not all(item_answered(key_words(i), words) for i in items):
            continue
        target = items[0]
        target_words = key_words(target)
        others = [i for i in items[1:] if not (key_words(i) & target_words)]
        if not others:
            continue
        kept = "".join(s for s in re.split(r"(?<=[。；！？，,\n])", reply) if not (key_words(s) & target_words))
        if not all(item_answered(key_words(i), key_words(kept)) for i in others):
            continue  # the other demands' answers shared the sentences: not a clean removal
        tried += 1
        flags = {f.code: f for f in draft_check(outcome="explain", text=kept, basis="", content=r["留言详情"])}
        assert "demands_unanswered" in flags, r["留言编号"]
        assert target in flags["demands_unanswered"].items
        assert not set(others) & set(flags["demands_unanswered"].items)
    assert tried >= 15, tried  # 18 of the fixed third
