"""The text side of repeat and duplicate detection (DESIGN §7): normalisation, shingles, MinHash, and
the precise "same matter" score of two texts.

A petitioner who comes back rewrites the matter: "再次反映……", "又一次……", a partial copy of the
first letter, sentences dropped, added or reordered, other punctuation, full-width characters,
whitespace junk. So texts are compared as

1. *cleaned text*: NFKC (full-width to half-width), lower case, the boilerplate that says nothing
   about the matter removed (再次反映, 又一次, 第三次, 至今没有答复, 尊敬的领导您好 …), then only letters
   and digits kept: punctuation and spaces never matter;
2. *character 3-gram sets* of that text: a reorder changes only the grams at the sentence borders;
   dropped and added sentences change the sets by their share. Two measures: Jaccard (|A∩B| / |A∪B|)
   and containment (|A∩B| / the smaller set: a partial copy is nearly contained in the original);
3. *sentence sets*: the share of the shorter text's sentences found verbatim (after cleaning) in the
   other one;
4. *key entities*: named places and objects (…小区, …村, …公司, …学校, …路) and numbers (amounts,
   dates) found by pattern. Sharing them raises the score; when both texts name places or objects
   and share none, the score is cut (the same person raising another matter in the same town).

`matter_score` turns these into one number in [0, 1]; `MinHash` signatures of the 3-gram sets,
cut into LSH bands, find the few stored petitions worth scoring among a million (see index.py).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

SHINGLE = 3
NUM_PERM = 60
BAND_ROWS = 3
ENTITY_FROM = 0.2  # matter_score looks at entities only from this text score on
BANDS = NUM_PERM // BAND_ROWS  # 20 bands of 3 rows: pairs with Jaccard 0.5 collide in some band 93% of the time

# Phrases that say "again" or address the reader: removed before comparing (longest first).
BOILERPLATE = sorted({
    "再次反映", "再一次反映", "又一次反映", "重复反映", "多次反映", "再次投诉", "再次举报", "再次咨询", "再次来信",
    "再次求助", "再次请求", "再次申请", "再次恳请", "再次", "又一次", "再一次", "又来反映", "继续反映", "还是",
    "第二次", "第三次", "第四次", "第五次", "第n次", "仍未解决", "至今没有答复", "至今没有任何答复", "没有任何答复", "至今未答复", "至今没有解决",
    "至今未解决", "一直没有解决", "没有任何回复", "没有回复", "尊敬的领导", "尊敬的领导您好", "领导您好", "领导你好",
    "您好", "你好", "恳请领导重视", "恳请领导", "请领导重视", "希望领导重视", "望领导重视", "谢谢", "此致敬礼", "此致",
    "敬礼", "关于", "的问题", "问题", "反映",
}, key=len, reverse=True)
_BOILER_RE = re.compile("|".join(re.escape(b) for b in BOILERPLATE))
_KEEP = re.compile(r"[^\W_]+")  # letters and digits of any script
_SENTENCE_END = re.compile(r"[。！？!?；;\n\r]+")
_WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")

# Named places and objects: a short run of CJK letters/digits ending in a word that names a place or
# an organisation. The run is kept short so a sentence start is not swallowed.
_ENTITY_TAILS = ("小区", "花园", "家园", "新村", "社区", "村委会", "村", "组", "镇", "乡", "街道", "路", "街", "大道",
                 "公司", "集团", "厂", "学校", "学院", "大学", "中学", "小学", "幼儿园", "医院", "卫生院", "酒店",
                 "广场", "市场", "公园", "工地", "项目", "楼盘", "苑", "城", "湾", "府", "庭", "园", "店", "站", "局",
                 "所", "区", "县", "市", "中心", "银行", "超市", "机场", "车站", "码头", "大厦", "馆")
# function characters never inside a name: a name's head stops at them
_FUNCTION_CHARS = "的了在是和与就也们你他她它这那个到从对把被给向于及或而但等都还又将让使请说有没不为以其之已经要会能可被由因此"
_HEAD = r"[^\W_" + _FUNCTION_CHARS + "]"
_TAILS = "|".join(re.escape(t) for t in sorted(_ENTITY_TAILS, key=len, reverse=True))
_ENTITY_RE = re.compile("(" + _HEAD + "{2,6}?(?:" + _TAILS + "))")
# Generic heads that name no particular place ("小区", "我们村", "该公司"): not entities.
_GENERIC_HEADS = re.compile(r"^(?:我们|我|你们|该|本|这个|这|那个|那|此|各|每个|所在|当地|附近|周边|整个|一个|一些|有关|相关"
                            r"|上述|其他|其它|所有|全|个|以上|以下|省|市|区|县)")
_NUMBER_RE = re.compile(r"\d[\d.,]{2,}")
# Administrative places alone ("A市", "A1区", "西地省") are shared by every matter of a town: not key.
_ADMIN_ONLY = re.compile(r"^(?:[a-z0-9]{1,4}[省市区县]|[\u4e00-\u9fff]{1,3}[省市县]|(?!.*[小社园城]区$)[\u4e00-\u9fff]{1,3}区)$")


def normalise(text: str | None) -> str:
    """NFKC, lower case, every kind of space folded (letters, digits and punctuation kept)."""
    if not text:
        return ""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def strip_boilerplate(text: str) -> str:
    return _BOILER_RE.sub(" ", text)


def cleaned(text: str) -> str:
    """Letters and digits only, boilerplate removed (input already `normalise`d)."""
    return "".join(_KEEP.findall(strip_boilerplate(text)))


def sentences(text: str) -> set[str]:
    """The cleaned sentences of 6 characters or more (a sentence ends at 。！？； or a line break; a
    comma does not end one, so "A，B。" and "A。B。" differ only when punctuation changes sentence
    borders, which the 3-gram measures absorb)."""
    out = set()
    for part in _SENTENCE_END.split(text):
        c = cleaned(part)
        if len(c) >= 6:
            out.add(c)
    return out


def shingles(clean: str, k: int = SHINGLE) -> set[str]:
    if len(clean) < k:
        return {clean} if clean else set()
    return {clean[i:i + k] for i in range(len(clean) - k + 1)}


def entities(text: str) -> set[str]:
    """Key places and objects named in the (normalised) text, and numbers of 3 digits or more."""
    found = set()
    for part in re.split(r"[^\u4e00-\u9fff0-9a-z]+", strip_boilerplate(text)):
        for m in _ENTITY_RE.finditer(part):
            name = m.group(1)
            if _GENERIC_HEADS.match(name) or _ADMIN_ONLY.match(name) or len(name) < 3:
                continue
            found.add(name)
    found.update(n.replace(",", "").rstrip(".") for n in _NUMBER_RE.findall(text))
    return found


@dataclass
class Doc:
    """One petition's text prepared for comparison."""

    title: str = ""
    content: str = ""
    _text: str = field(init=False, repr=False)

    def __post_init__(self):
        self._text = normalise(f"{self.title}\n{self.content}")

    @cached_property
    def clean(self) -> str:
        return cleaned(self._text)

    @cached_property
    def grams(self) -> set[str]:
        return shingles(self.clean)

    @cached_property
    def sentences(self) -> set[str]:
        return sentences(self._text)

    @cached_property
    def entities(self) -> set[str]:
        return entities(self._text)

    @cached_property
    def digest(self) -> str:
        return f"{zlib.crc32(self.clean.encode()):08x}{len(self.clean):x}"


# ---- MinHash -------------------------------------------------------------------------------------

_PRIME = np.uint64((1 << 61) - 1)
_rng = np.random.RandomState(20261204)  # fixed: signatures must be the same in every process, forever
_A = _rng.randint(1, 1 << 31, size=NUM_PERM).astype(np.uint64)
_B = _rng.randint(0, 1 << 31, size=NUM_PERM).astype(np.uint64)
_MASK32 = np.uint64(0xFFFFFFFF)


def minhash(grams: set[str]) -> np.ndarray:
    """NUM_PERM 32-bit minimum hashes of the gram set (all 0xFFFFFFFF for an empty set)."""
    if not grams:
        return np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
    h = np.fromiter((zlib.crc32(g.encode()) for g in grams), dtype=np.uint64, count=len(grams))
    # (a*h + b) mod p, 32 low bits; a, h < 2^32 so a*h < 2^63 fits
    values = ((np.outer(_A, h) + _B[:, None]) % _PRIME) & _MASK32
    return values.min(axis=1).astype(np.uint32)


def bands(signature: np.ndarray) -> list[int]:
    """The LSH band keys of a signature: a signed 63-bit integer per band (band number included)."""
    out = []
    rows = signature.reshape(BANDS, BAND_ROWS)
    for i in range(BANDS):
        key = zlib.crc32(rows[i].tobytes(), i * 0x9E3779B1 & 0xFFFFFFFF)
        key2 = zlib.crc32(rows[i].tobytes()[::-1], i + 1)
        out.append(((key << 31) ^ key2) & ((1 << 62) - 1))
    return out


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / NUM_PERM


# ---- the precise score -----------------------------------------------------------------------

@dataclass(frozen=True)
class Match:
    score: float  # in [0, 1]
    jaccard: float
    containment: float
    sentences: float
    shared: tuple[str, ...]  # key entities both name
    conflict: bool  # both name places/objects, none shared


def _ramp(x: float, lo: float, hi: float) -> float:
    return 0.0 if x <= lo else 1.0 if x >= hi else (x - lo) / (hi - lo)


def matter_score(a: Doc, b: Doc) -> Match:
    """How surely `a` and `b` are about the same matter, in [0, 1].

    text = 0.5 × containment′ + 0.3 × Jaccard + 0.2 × sentence containment, where containment′ is the
    3-gram containment trusted in proportion to the shorter text's length (a 10-character text is
    contained in many); then +0.05 when they share a key entity, ×0.7 when both name places or
    objects and share none."""
    ga, gb = a.grams, b.grams
    if not ga or not gb:
        return Match(0.0, 0.0, 0.0, 0.0, (), False)
    inter = len(ga & gb)
    small = min(len(ga), len(gb))
    jac = inter / (len(ga) + len(gb) - inter)
    cont = inter / small
    trust = _ramp(small, 8, 60)
    cont_t = cont * trust + jac * (1 - trust)
    sa, sb = a.sentences, b.sentences
    sent = len(sa & sb) / min(len(sa), len(sb)) if sa and sb else cont_t
    text = 0.5 * cont_t + 0.3 * min(1.0, jac * 1.25) + 0.2 * sent
    if text < ENTITY_FROM:  # far from any threshold: the entities would not change the decision
        return Match(round(text, 4), jac, cont, sent, (), False)
    ea = {e for e in a.entities if not e[0].isdigit()}
    eb = {e for e in b.entities if not e[0].isdigit()}
    shared = tuple(sorted(a.entities & b.entities, key=lambda e: (-len(e), e)))
    conflict = bool(ea and eb and not (ea & eb) and not _overlapping(ea, eb))
    score = text
    if shared:
        score += 0.05
    if conflict:
        score *= 0.7
    return Match(round(max(0.0, min(1.0, score)), 4), jac, cont, sent, shared[:3], conflict)


def _overlapping(ea: set[str], eb: set[str]) -> bool:
    """Entity names that overlap as text (幸福小区 / 幸福小区东门) count as shared."""
    return any(x in y or y in x for x in ea for y in eb)
