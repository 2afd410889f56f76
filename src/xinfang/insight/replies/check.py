"""The check of a draft reply (处理/复查/复核意见) before approval: a pure function, no database.

`draft_check(outcome=, text=, basis=, demands=, content=, kind=)` -> list of `Flag(code, message, reason,
items)`. The rules:

- `outcome_missing` / `outcome_invalid`: no 处理结果, or one that is not a `workflow.choices.Outcome`.
- `facts_missing`: the opinion and basis together are too short (`MIN_FACT_CHARS`), or name no finding
  (`FACT_PHRASES`: the finding words real replies use, learned from messages_with_replies.csv with
  `learn_fact_phrases`: 经查, 据查, 经调查, 经核实, 经了解, ...).
- `basis_missing`: no law or regulation cited: no 《…》 title and no 依据/根据/按照…规定/条例/办法.
- `review_notice_missing`: no notice of the right to ask for a 复查 (信访处理意见书, 简易办理) or a 复核
  (复查意见书): the word, or asking the 上一级 body (a bare "30日" is any time limit: not enough). A 复核意见书
  is final: none asked.
- `demands_unanswered`: the demands split into items (sentences and clauses); an item is answered when
  the reply shares enough of its key words (jieba words, stopwords removed); the unanswered items listed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from xinfang.common.text import normalise
from xinfang.workflow.choices import Outcome, ReplyKind

from ..classifier.text import jieba_ready

MIN_FACT_CHARS = 40  # opinion + basis shorter than this cannot state what was found
# Finding words of real replies (learn_fact_phrases over messages_with_replies.csv, counts of replies:
# 经查 91, 据查 71, 经调查 56, 经核实 52, 经了解 27, 据了解 21, 经核查 14, 据调查 9, 经现场核实 4, ...),
# plus the verbs they are built on, so 经我局核实 / 经实地调查 / 调查核实 count too.
FACT_PHRASES = ("经查", "据查", "经调查", "经核实", "经核查", "经了解", "据了解", "据调查", "经现场", "经实地",
                "经审查", "经复查", "调查核实", "核实", "核查", "查明", "查实", "调查了解", "现场查看", "了解到",
                "经研究", "经协调", "调查", "现场", "实地")
_FACT_CANDIDATE = re.compile(r"(?:^|[，。,；：\s])((?:经|据)[\u4e00-\u9fff]{1,4}?)[，,：:]")
_BOOK_TITLE = re.compile(r"《[^《》]{2,60}》")
_BASIS_WORDS = re.compile(r"(?:依据|根据|按照|依照|依法|对照)[^。；]{0,60}?(?:规定|条例|办法|法|政策|意见|通知|标准|细则|第[一二三四五六七八九十百零\d]+条)")
# the notice names the remedy (复查/复核) or the body to ask (上一级); "30日" alone is any time limit
_REVIEW_NOTICE = re.compile(r"复查|上一级[^。；]{0,20}(?:请求|申请|提出)")
_REREVIEW_NOTICE = re.compile(r"复核|上一级[^。；]{0,20}(?:请求|申请|提出)")
# an item of the demands: a sentence or clause
_ITEM_SPLIT = re.compile(r"[。！？!?；;\n]+|[，,、]\s*(?=(?:并|且|同时|另外|还|再|二是|三是|四是|[二三四五六七八九十][、.）)]|[2-9][、.）)]))")
_DEMAND_CUES = re.compile(r"要求|希望|请求|恳请|恳求|请|建议|尽快|能否|应当|应该|责令|赔偿|补偿|退还|解决")
_STOP_TEXT = """
反映 问题 请求 希望 要求 关于 有关 相关 领导 政府 部门 您好 你好 尊敬 谢谢 感谢 请问 咨询 建议 投诉 举报
我们 你们 他们 自己 没有 什么 怎么 为什么 这个 那个 这些 那些 一个 已经 还是 但是 因为 所以 如果 可以 现在
情况 处理 解决 进行 市民 群众 居民 本人 一下 一直 至今 多次 严重 尽快 能否 是否 如何 恳请 恳求 予以 给予
能够 应该 应当 需要 得到 有关部门 相关部门 工作 问题 事情 一些 还有 以及 并且 同时 另外 其中 对于 给予 进一步
"""
_STOP = frozenset(_STOP_TEXT.split())
_JUNK = re.compile(r"^[\W_\d]+$")
ANSWERED_SHARE = 0.25  # share of an item's key words the reply must share
ANSWERED_WORDS = 2  # ... or this many of them
MAX_ITEMS = 20


@dataclass(frozen=True)
class Flag:
    code: str
    message: str
    reason: str
    items: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "reason": self.reason, "items": list(self.items)}


def key_words(text: str) -> set[str]:
    """jieba words of 2 characters or more, stopwords, digits and punctuation removed."""
    text = normalise(text)
    if not text:
        return set()
    return {w for w in jieba_ready().cut(text) if len(w) >= 2 and w not in _STOP and not _JUNK.match(w)}


def demand_items(demands: str | None, content: str | None = None) -> list[str]:
    """The demands split into items; with no demands, the content's sentences that ask for something."""
    source = normalise(demands)
    cue_only = not source
    if cue_only:
        source = normalise(content)
    items = []
    for part in _ITEM_SPLIT.split(source or ""):
        part = part.strip(" ，,、：:")
        if len(part) < 4 or (cue_only and not _DEMAND_CUES.search(part)):
            continue
        if key_words(part) and part not in items:
            items.append(part)
    return items[:MAX_ITEMS]


def item_answered(item_words: set[str], reply_words: set[str]) -> bool:
    shared = len(item_words & reply_words)
    return shared >= ANSWERED_WORDS or shared >= ANSWERED_SHARE * len(item_words)


def has_facts(text: str) -> bool:
    return any(p in text for p in FACT_PHRASES)


def has_basis(text: str) -> bool:
    return bool(_BOOK_TITLE.search(text) or _BASIS_WORDS.search(text))


def draft_check(*, outcome: str | None, text: str | None, basis: str | None, demands: str | None = "",
                content: str | None = "", kind: str = ReplyKind.REPLY) -> list[Flag]:
    """The flags of a draft reply (empty when it passes every rule)."""
    text, basis = normalise(text), normalise(basis)
    whole = f"{text}\n{basis}".strip()
    flags: list[Flag] = []
    outcome = (outcome or "").strip()
    if not outcome:
        flags.append(Flag("outcome_missing", _("未选择处理结果"),
                          _("意见书须写明支持、解释说明或不予支持（《信访工作条例》第三十二条）。")))
    elif outcome not in Outcome.values:
        flags.append(Flag("outcome_invalid", _("处理结果无效"),
                          _("“%(v)s”不是可选的处理结果：支持、解释说明、不予支持。") % {"v": outcome[:40]}))
    compact = re.sub(r"\s+", "", whole)
    if len(compact) < MIN_FACT_CHARS:
        flags.append(Flag("facts_missing", _("缺少事实认定"),
                          _("处理意见和依据合计仅%(n)d字（少于%(min)d字），不足以说明查明的事实。")
                          % {"n": len(compact), "min": MIN_FACT_CHARS}))
    elif not has_facts(whole):
        flags.append(Flag("facts_missing", _("缺少事实认定"),
                          _("未见“经查”“经调查”“经核实”“据了解”等查明事实的表述。")))
    if not has_basis(whole):
        flags.append(Flag("basis_missing", _("缺少法律政策依据"),
                          _("未引用法律、法规或政策（如《……》或“根据……规定”）。")))
    if kind in (ReplyKind.REPLY, ReplyKind.FAST_TRACK) and not _REVIEW_NOTICE.search(whole):
        flags.append(Flag("review_notice_missing", _("未告知复查权利"),
                          _("未告知信访人不服可自收到之日起30日内向上一级机关请求复查（《信访工作条例》第三十五条）。")))
    elif kind == ReplyKind.REVIEW and not _REREVIEW_NOTICE.search(whole):
        flags.append(Flag("review_notice_missing", _("未告知复核权利"),
                          _("未告知信访人不服可自收到之日起30日内向上一级机关请求复核（《信访工作条例》第三十六条）。")))
    items = demand_items(demands, content)
    if items:
        reply_words = key_words(whole)
        missing = [item for item in items if not item_answered(key_words(item), reply_words)]
        if missing:
            flags.append(Flag("demands_unanswered", _("有诉求未答复"),
                              _("共%(n)d项诉求，%(m)d项在意见中找不到对应的答复（关键词重合不足）。")
                              % {"n": len(items), "m": len(missing)}, missing))
    return flags


def learn_fact_phrases(replies: Iterable[str], *, min_count: int = 5) -> list[tuple[str, int]]:
    """The finding phrases (经…/据… before a comma or colon) real replies use, with the number of
    replies using each, most used first."""
    counts: Counter[str] = Counter()
    for reply in replies:
        counts.update(set(_FACT_CANDIDATE.findall(normalise(reply))))
    return [(p, n) for p, n in counts.most_common() if n >= min_count]
