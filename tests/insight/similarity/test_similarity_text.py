"""The text side alone: what must not matter (punctuation, width, spaces, "again" phrases) and what must."""

from __future__ import annotations

from xinfang.insight.similarity.text import Doc, bands, estimated_jaccard, matter_score, minhash

BASE = "幸福小区物业公司自今年三月起违规收取地面停车费，每月300元。业主多次找物业协商无果。请求退还停车费。"


def test_punctuation_width_spaces_and_again_phrases_do_not_matter():
    variants = [
        "再次反映：" + BASE,
        BASE.replace("，", ",").replace("。", "."),
        "\n\t\u3000" + BASE.replace("300", "３００").replace("，", "，\u00a0 ") + "\n",
        "又一次反映" + BASE.replace("。", ""),
    ]
    base = Doc("停车费", BASE)
    for text in variants:
        assert Doc("停车费", text).clean == base.clean, text


def test_the_score_orders_same_matter_above_another_matter():
    base = Doc("幸福小区停车费", BASE)
    reordered = Doc("再次反映停车费", "请求退还停车费。业主多次找物业协商无果。至今没有任何答复。"
                                 "幸福小区物业公司自今年三月起违规收取地面停车费，每月300元。")
    other = Doc("幸福小区噪音", "幸福小区旁边的工地每天晚上施工到凌晨，打桩机噪音很大，严重影响居民休息。请求依法查处。")
    same = matter_score(base, reordered)
    diff = matter_score(base, other)
    assert same.score >= 0.7 > 0.3 > diff.score
    assert "幸福小区" in "".join(same.shared)


def test_minhash_estimates_jaccard_and_bands_are_stable():
    a, b = Doc("", BASE), Doc("", BASE + "群众意见很大。")
    sa, sb = minhash(a.grams), minhash(b.grams)
    inter = len(a.grams & b.grams)
    true = inter / len(a.grams | b.grams)
    assert abs(estimated_jaccard(sa, sb) - true) < 0.25
    assert bands(sa) == bands(minhash(Doc("", BASE).grams))  # the same in every process
    assert len(set(bands(sa)) & set(bands(sb))) >= 1
