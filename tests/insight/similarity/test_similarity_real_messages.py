"""The matter score on the real messages (../shared/data/teddy2020, or $XINFANG_DATA_DIR): rewrites as
petitioners make them are the same matter, other messages (same class, same place) are not. Skipped,
visibly, when the data is absent (it is never in the repository)."""

from __future__ import annotations

import pytest

from xinfang.insight.similarity.evaluation import build_cases, data_dir, evaluate, load_messages

MESSAGES = load_messages()
pytestmark = pytest.mark.skipif(MESSAGES is None, reason=f"real messages absent: no {data_dir()}/teddy2020 "
                                                         "(set XINFANG_DATA_DIR)")


def test_precision_and_recall_at_the_thresholds():
    cases, info = build_cases(MESSAGES, seed=7)  # another draw than the benchmark's
    assert info["cases"]["repeat"] >= 500 and info["cases"]["neg_person"] >= 500 and info["cases"]["neg_place"] >= 300
    ev = evaluate(cases)
    assert ev["repeat"]["precision"] >= 0.95 and ev["repeat"]["recall"] >= 0.90, ev["repeat"]
    assert ev["duplicate"]["precision"] >= 0.95 and ev["duplicate"]["recall"] >= 0.90, ev["duplicate"]
    assert ev["false_positive_rate_neg_person"] <= 0.02
    for kind, row in ev["recall_by_rewrite"].items():
        assert row["recall"] >= 0.85, (kind, row)
