"""What each official notice says, built from the petition, the move that issued it and its reply.

The wording follows the 《信访工作条例》 (2022): Art 22/23 (registration, routing, written notice within
15 days), Art 33 (the 信访处理意见书 states the request, the facts and reasons, the opinion and its
basis: 支持 / 解释说明 / 不予支持), Art 34 (60 days, one extension of at most 30 days with reasons),
Art 35/36 (复查, 复核 within 30 days each, hearing time not counted in the 复核 limit; after 复核 the same
facts and reasons are not accepted again). A locality may adapt the sentences here; the layout lives in
the template and `render`.

Due dates: a due date computed across a year whose State Council schedule is not known yet is
provisional (`Deadline.provisional`); every notice prints it with a visible note, never as firm.

Identity rule (DESIGN §5): a document sent to another unit (the 办结报告 to the assigning office)
carries no petitioner identity; `scrub` removes names, ID numbers and phone numbers from free text the
handler wrote. Documents addressed to the petitioner name them; downloads of those are limited to the
handling chain for accusations (see `carries_identity`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import timezone

from xinfang.petitions.models import Petition
from xinfang.workflow.models import PetitionEvent, Reply

from ..models import DocumentKind

# 文号 abbreviation per kind (the 代字 after the unit's own): 〔年〕 and the sequence follow.
ABBREVIATION = {
    DocumentKind.RECEIPT: "登", DocumentKind.ACCEPT: "受", DocumentKind.REJECT: "不受",
    DocumentKind.REFUSE_AGAIN: "不再", DocumentKind.ROUTE: "转", DocumentKind.EXTENSION: "延",
    DocumentKind.REPLY: "处", DocumentKind.REVIEW: "复查", DocumentKind.REREVIEW: "复核",
    DocumentKind.MEDIATION: "调", DocumentKind.COMPLETION: "结", DocumentKind.DIVERT: "告",
    DocumentKind.HEARING: "听",
}

# The document names the workflow puts on its timeline events -> kinds.
BY_EVENT_NAME = {
    "登记回执": DocumentKind.RECEIPT, "受理告知书": DocumentKind.ACCEPT, "不予受理告知书": DocumentKind.REJECT,
    "不再受理告知书": DocumentKind.REFUSE_AGAIN, "转送交办告知": DocumentKind.ROUTE,
    "延长办理期限告知书": DocumentKind.EXTENSION, "信访处理意见书": DocumentKind.REPLY,
    "复查意见书": DocumentKind.REVIEW, "复核意见书": DocumentKind.REREVIEW, "调解协议书": DocumentKind.MEDIATION,
    "办结报告": DocumentKind.COMPLETION, "信访事项告知书": DocumentKind.DIVERT, "听证通知书": DocumentKind.HEARING,
}

# Kinds sent to another unit rather than to the petitioner: they never name the petitioner.
TO_UNITS = {DocumentKind.COMPLETION}

TITLES = {
    DocumentKind.RECEIPT: "信访事项登记回执",
    DocumentKind.ACCEPT: "信访事项受理告知书",
    DocumentKind.REJECT: "信访事项不予受理告知书",
    DocumentKind.REFUSE_AGAIN: "信访事项不再受理告知书",
    DocumentKind.EXTENSION: "信访事项延长办理期限告知书",
    DocumentKind.REPLY: "信访事项处理意见书",
    DocumentKind.REVIEW: "信访事项复查意见书",
    DocumentKind.REREVIEW: "信访事项复核意见书",
    DocumentKind.MEDIATION: "信访事项调解协议书",
    DocumentKind.DIVERT: "信访事项告知书",
    DocumentKind.HEARING: "信访事项听证通知书",
}

# How a petition reached the office, as the verb phrase of the opening sentence.
CHANNEL_PHRASE = {
    "letter": "来信反映", "visit": "来访反映", "phone": "来电反映", "online": "通过网上信访平台反映",
    "email": "通过电子邮件反映", "fax": "通过传真反映", "hotline": "通过12345热线反映",
    "transfer_in": "反映（经上级机关转交）",
}

HEADING_NUMBERS = "一二三四五六七八九十"
OMITTED = "（略）"


@dataclass
class Block:
    """One paragraph: `body` (indented 2 characters), `heading` (一、 level, 黑体), `plain` (no indent)."""

    text: str
    style: str = "body"


@dataclass
class Notice:
    kind: str
    title: str
    issuer: str  # 发文机关 (also the 发文机关标志 in the header)
    number: str = ""  # 发文字号, filled when issued
    addressee: str = ""  # 主送 (a person or a unit), followed by a full-width colon
    blocks: list[Block] = field(default_factory=list)
    date: dt.date | None = None  # 成文日期
    copy_to: str = ""  # 抄送 (版记)
    facts: list[list[tuple[str, str]]] = field(default_factory=list)  # receipt table rows of (label, value)
    layout: str = "letter"  # letter: 公文 with the red header; receipt: the 登记回执 form
    footnote: str = ""  # a small note under the body (receipt)
    sign_suffix: str = ""  # after the issuer in the signature, e.g. （盖章） on the receipt
    sign_note: str = ""  # a line under the date (receipt: 登记人)
    signatures: list[str] = field(default_factory=list)  # signature lines of the parties (mediation)
    carries_identity: bool = True  # names the petitioner (addressed to them)

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks]

    def add(self, text: str, style: str = "body") -> None:
        text = (text or "").strip()
        if text:
            self.blocks.append(Block(text, style))

    def section(self, index: int, heading: str, text: str) -> int:
        """Add `一、heading` and its paragraphs (one per line of `text`); returns the next index."""
        lines = [finish(line) for line in (text or "").splitlines() if line.strip()]
        if not lines:
            return index
        self.add(f"{HEADING_NUMBERS[index]}、{heading}", "heading")
        for line in lines:
            self.add(line)
        return index + 1


def cn_date(value: dt.date | dt.datetime | None) -> str:
    """GB/T 9704-2012 writes dates in Arabic numerals without leading zeros: 2026年3月2日."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    value = timezone.localtime(value)
    return f"{cn_date(value)} {value:%H:%M}"


def finish(text: str) -> str:
    """A paragraph of free text ends with a full stop (or its own closing punctuation)."""
    text = (text or "").strip()
    if text and text[-1] not in "。！？；：…”’）)」』》":
        text += "。"
    return text


def sentence(text: str) -> str:
    """Free text as the middle of a sentence: no trailing full stop or semicolon."""
    return (text or "").strip().rstrip("。；;.，, ")


# ---- who the notice talks to -----------------------------------------------------------------

def _links(p: Petition):
    cached = getattr(p, "_notice_links", None)  # read once per `build` (it asks several times)
    if cached is not None:
        return cached
    return list(p.petitioner_links.select_related("petitioner").order_by("position", "id"))


def _named(p: Petition) -> list:
    links = _links(p)
    reps = [lk for lk in links if lk.is_representative] or links
    return [lk.petitioner for lk in reps]


def _is_plural(p: Petition) -> bool:
    return p.headcount > 1 or len(_links(p)) > 1


def you(p: Petition) -> str:
    """The pronoun of the letter: 你 / 你们 / 你单位."""
    people = _named(p)
    if not p.is_anonymous and len(people) == 1 and people[0].kind == "organisation" and p.headcount <= 1:
        return "你单位"
    return "你们" if _is_plural(p) else "你"


def addressee(p: Petition, *, masked: bool = False) -> str:
    """张三： / 张三、李四等5人： (the representatives first), or 信访人 when anonymous or unnamed."""
    people = _named(p)
    if p.is_anonymous or not people:
        return "信访人"
    names = [(x.masked_name if masked else x.name) for x in people[:3]]
    text = "、".join(names)
    total = max(p.headcount, len(_links(p)))
    if total > len(names):
        text += f"等{total}人"
    return text


def matter(p: Petition) -> str:
    """“小区物业违规收取停车费”问题 (no doubled 问题)."""
    title = (p.title or "").strip()
    suffix = "" if title.endswith(("问题", "事项", "事宜", "的")) else "问题"
    return f"“{title}”{suffix}"


def intro(p: Petition) -> str:
    phrase = CHANNEL_PHRASE.get(p.channel, f"以{p.get_channel_display()}形式反映")
    return f"{you(p)}于{cn_date(p.received_at)}{phrase}的{matter(p)}（信访件编号：{p.number}）"


def scrub(p: Petition, text: str) -> str:
    """Free text without the petitioners' names, ID numbers or phone numbers (for documents to units)."""
    text = text or ""
    for link in _links(p):
        person = link.petitioner
        for secret in (person.id_number, person.phone, person.address):
            if secret and len(secret) >= 5:
                text = text.replace(secret, OMITTED)
        if person.name and len(person.name) >= 2:
            text = text.replace(person.name, "信访人")
    # any other ID number or mobile number typed into the text
    text = re.sub(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])", OMITTED, text)
    return re.sub(r"(?<!\d)1[3-9]\d{9}(?!\d)", OMITTED, text)


# ---- facts from the petition's history -------------------------------------------------------

def _event(p: Petition, *actions: str, before: dt.datetime | None = None) -> PetitionEvent | None:
    qs = p.events.filter(action__in=actions)
    if before is not None:
        qs = qs.filter(at__lte=before)
    return qs.select_related("unit").order_by("at", "id").last()


def _route_in(p: Petition, before: dt.datetime | None = None):
    qs = p.routes.filter(objected_at__isnull=True).select_related("from_unit", "to_unit")
    if before is not None:
        qs = qs.filter(at__lte=before)
    return qs.order_by("at", "id").last()


def provisional_note(start: dt.date | None, due: dt.date) -> str:
    """The visible note of a provisional due date, naming the year whose schedule is missing."""
    from xinfang.common.calendar import current_calendar

    cal = current_calendar()
    first = start.year if start else due.year
    year = next((y for y in range(first, due.year + 1) if not cal.is_covered(y)), due.year)
    return f"暂定：{year}年度国务院节假日调休安排尚未公布，期限届满日可能调整"


def due_phrase(due: dt.date, note: str = "") -> str:
    """2027年1月4日, or 2027年1月4日（暂定：……） when the date is provisional."""
    return f"{cn_date(due)}（{note}）" if note else cn_date(due)


def _row_note(row) -> str:
    return provisional_note(row.start, row.due) if row is not None and row.provisional else ""


def _deadline_row(p: Petition, kind: str, due: dt.date | None = None):
    """The stored deadline of `kind` (the one ending on `due` when given, else the first)."""
    rows = getattr(p, "_notice_deadlines", None)  # read for a whole batch of notices (services._preload)
    if rows is not None:
        same = [row for row in rows if row.kind == kind and (due is None or row.due == due)]
        if not same:
            return None
        return max(same, key=lambda row: row.pk) if due is not None else min(same, key=lambda row: row.pk)
    qs = p.deadlines.filter(kind=kind)
    if due is not None:
        return qs.filter(due=due).order_by("-id").first()
    return qs.order_by("id").first()


def _deadline_text(p: Petition, kind: str) -> tuple[str, str, str]:
    """('60日', '2026年5月2日', note) for the first stored deadline of `kind`; the date only if not extended;
    `note` is the provisional note when the date is provisional (else empty)."""
    row = _deadline_row(p, kind)
    if row is None:
        return "", "", ""
    days = f"{row.days}个工作日" if row.working_days else f"{row.days}日"
    if row.extra_days:
        return days, "", ""
    return days, cn_date(row.due), _row_note(row)


def _limit(days: str, due: str, note: str, default: str) -> str:
    """15日内（2026年3月17日前） / 15日内（2027年1月4日前，暂定：……） / 15日内."""
    if not due:
        return f"{days or default}内"
    return f"{days or default}内（{due}前" + (f"，{note}）" if note else "）")


def _iso(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _upper_name(unit) -> str:
    parent = unit.parent if unit is not None and unit.parent_id else None
    return f"本机关的上一级机关（{parent.name}）" if parent else "本机关的上一级机关"


def _issued_number(p: Petition, kind: str) -> str:
    doc = p.documents.filter(kind=kind).order_by("-created_at", "-id").first()
    return doc.number if doc else ""


OUTCOME_CLOSING = {
    # Art 33 (2): 支持 / 解释说明 / 不予支持
    "support": "综上，{you}的{what}事实清楚，符合法律、法规、规章或者其他有关规定，本机关予以支持。",
    "explain": "综上，{you}的{what}事由合理但缺乏法律依据，本机关已作出上述解释说明。",
    "decline": "综上，{you}的{what}缺乏事实根据或者不符合法律、法规、规章或者其他有关规定，本机关不予支持。",
}


COMPLETION_OUTCOME = {
    "support": "对信访人的信访请求予以支持。",
    "explain": "对信访人的信访请求作出解释说明。",
    "decline": "对信访人的信访请求不予支持。",
}


# ---- the notices -----------------------------------------------------------------------------

def build(kind: str, petition: Petition, event: PetitionEvent | None, reply: Reply | None) -> Notice:
    petition._notice_links = None
    preloaded = getattr(petition, "_notice_preloaded_links", None)  # a batch's (services._preload)
    petition._notice_links = list(preloaded) if preloaded is not None else _links(petition)
    try:
        return _build(kind, petition, event, reply)
    finally:
        del petition._notice_links


def _build(kind: str, petition: Petition, event: PetitionEvent | None, reply: Reply | None) -> Notice:
    p, data = petition, (event.data if event else {}) or {}
    issuer_unit = (event.unit if event and event.unit_id else None) or p.handling_unit or p.receiving_unit
    n = Notice(kind=kind, title=TITLES.get(kind, str(DocumentKind(kind).label)), issuer=issuer_unit.name,
               addressee=addressee(p) + "：", date=timezone.localtime(event.at).date() if event else timezone.localdate())
    who, opening = you(p), intro(p)
    at = event.at if event else None
    builder = BUILDERS.get(kind)
    if builder is None:
        n.add(f"{opening}。")
        return n
    builder(n, p, data=data, event=event, reply=reply, who=who, opening=opening, at=at)
    return n


def _receipt(n: Notice, p: Petition, *, who, event, **_):
    """Matches the printable 登记回执 page (web/intake/receipt.html), masked names included."""
    n.layout, n.issuer, n.number = "receipt", p.receiving_unit.name, p.number
    names = [x.masked_name for x in _named(p)[:5]]
    total = max(p.headcount, len(_links(p)))
    if p.is_anonymous or not names:
        shown, salutation = ("匿名" if p.is_anonymous else "—"), "信访人"
    else:
        shown = "、".join(names) + (f"等{p.headcount}人" if p.headcount > len(names) else "")
        salutation = names[0] + ("等" if len(names) > 1 or total > len(names) else "")
    n.addressee = f"{salutation}："
    n.facts = [
        [("信访人", shown)],
        [("信访形式", str(p.get_channel_display())), ("收到时间", cn_datetime(p.received_at))],
        [("信访事项", p.title)],
        [("信访件编号", p.number), ("查询码", "已告知")],
    ]
    days, due, note = _deadline_text(p, "accept")
    limit = _limit(days, due, note, "15日") if days else "15日内"
    n.add(f"您于{cn_date(p.received_at)}以{p.get_channel_display()}形式提出的信访事项，{p.receiving_unit.name}已经登记。"
          f"依照《信访工作条例》第二十二条、第二十三条的规定，本机关将自收到之日起{limit}告知您是否受理，"
          "或者转送、交办有权处理的机关、单位办理的情况。")
    n.add("您可凭信访件编号和查询码登录网上信访平台查询办理进度，也可到本机关接待窗口查询。"
          "查询码只告知一次，请妥善保管，不要告诉他人。")
    n.footnote = "本回执仅证明信访事项已登记，不作为受理的凭证。"
    n.sign_suffix = "（盖章）"
    if p.clerk_id:
        n.sign_note = f"登记人：{p.clerk.last_name}{p.clerk.first_name}"


def _accept(n: Notice, p: Petition, *, who, opening, at, **_):
    route = _route_in(p, at)
    via = ""
    if route is not None and route.to_unit_id == (p.handling_unit_id or route.to_unit_id):
        via = f"，由{route.from_unit.name}于{cn_date(route.at)}{route.get_kind_display()}本机关"
    n.add(f"{opening}{via}。经审查，该信访事项属于本机关职权范围。依照《信访工作条例》第二十三条的规定，"
          "本机关决定予以受理。")
    days, due, note = _deadline_text(p, "handle")
    limit = _limit(days, due, note, "60日")
    from xinfang.workflow import deadlines as dl

    cap, _working, _active = dl.policy("extension_max", p.handling_unit or p.receiving_unit)
    n.add(f"本机关将自受理之日起{limit}办结，并出具书面处理意见；情况复杂的，经本机关负责人批准，"
          f"可以适当延长办理期限，延长期限不超过{cap}日，并告知{who}延期理由。")
    n.add(f"{who}可凭信访件编号和查询码查询办理进度。")
    n.add("特此告知。")


DEFAULT_ROUTE = ("{who}可以依照法律、法规规定的程序，通过诉讼、仲裁、行政复议等法定途径，"
                 "向有权处理的机关、单位提出。")


def route_sentence(who: str, route: str) -> str:
    """Where the petitioner can turn: "你可依法向人民法院提起诉讼。" from "可依法向人民法院提起诉讼"."""
    route = sentence(route)
    if not route:
        return DEFAULT_ROUTE.format(who=who)
    if route.startswith(("你", "您", "信访人")):
        return finish(route)
    if route.startswith(("可", "应")):
        return finish(f"{who}{route}")
    if route.startswith("请"):
        return finish(f"请{who}{route[1:]}")
    if route.startswith(("依法", "向", "通过", "到", "在")):
        return finish(f"{who}可以{route}")
    return finish(f"{who}可以通过以下途径依法主张权利：{route}")


def _reject(n: Notice, p: Petition, *, who, opening, event, data, **_):
    reason = sentence(data.get("reason") or (event.note if event else "")) or "该信访事项不符合受理条件"
    n.add(f"{opening}，经审查，{reason}。依照《信访工作条例》的有关规定，本机关决定不予受理。")
    n.add(route_sentence(who, data.get("route") or ""))
    n.add("特此告知。")


def _divert(n: Notice, p: Petition, *, who, opening, event, data, **_):
    """告知引导: the lawful channel (and the competent body, when named) and the staff's 告知内容."""
    channel = sentence(data.get("channel_name") or "") or "有权处理的机关、单位"
    body = sentence(data.get("unit_name") or "")
    where = f"{body}（{channel}）" if body and body != channel else channel
    n.add(f"{opening}，经审查，该事项依法应当通过法定途径，由{where}处理。依照《信访工作条例》的有关规定，"
          f"现将有关事项告知如下：")
    i = n.section(0, "告知内容", (event.note if event else "") or "")
    lines = [f"{who}可以依法向{where}提出。"]
    if data.get("channel_guidance"):
        lines.append(finish(data["channel_guidance"]))
    n.section(i, "法定途径", "\n".join(lines))
    n.add("特此告知。")


def _date_span(start: dt.date | None, end: dt.date | None) -> str:
    if start is None:
        return ""
    if end is None or end == start:
        return cn_date(start)
    if end.year == start.year:
        return f"{cn_date(start)}至{end.month}月{end.day}日"
    return f"{cn_date(start)}至{cn_date(end)}"


def _hearing(n: Notice, p: Petition, *, who, opening, event, data, **_):
    """听证通知书 (S22 Art 36 for 复核): when, where, who hears and who takes part; once held, the conclusion."""
    held_on, end_on = _iso(data.get("held_on")), _iso(data.get("end_on"))
    end_on = end_on or held_on
    when = _date_span(held_on, end_on)
    rereview = data.get("stage") == "rereview"
    step = "复核" if rereview else "办理"
    basis = "依照《信访工作条例》第三十六条的规定，" if rereview else ""
    past = bool(end_on and n.date and end_on <= n.date)
    if past:
        n.add(f"关于{opening}，本机关在{step}过程中，{basis}已于{when}就该信访事项举行听证。现将听证有关情况告知如下：")
    else:
        n.add(f"关于{opening}，本机关在{step}过程中，{basis}决定就该信访事项举行听证。现将听证有关事项通知如下：")
    items = [("听证时间", when), ("听证地点", data.get("place") or ""), ("听证组成人员", data.get("panel") or ""),
             ("参加人员", data.get("participants") or "")]
    if past and data.get("conclusion"):
        items.append(("听证结论", data["conclusion"]))
    i = 0
    for label, value in items:
        value = sentence(value)
        if value:
            n.add(f"{HEADING_NUMBERS[i]}、{label}：{value}。")
            i += 1
    if not past:
        n.add(f"请{who}按时参加，并携带本人身份证件和与信访事项有关的证据材料；因故不能参加的，"
              "请在听证前告知本机关。")
    if rereview:
        extra = ""
        new_due = _iso(data.get("new_due"))
        if new_due:
            row = _deadline_row(p, "rereview_answer", new_due)
            extra = f"复核期限相应顺延至{due_phrase(new_due, _row_note(row))}。"
        n.add(f"依照《信访工作条例》第三十六条的规定，听证所需时间不计算在复核期限内。{extra}")
    n.add("特此通知。" if not past else "特此告知。")


def _refuse_again(n: Notice, p: Petition, *, who, opening, data, **_):
    final = data.get("final_petition", "")
    ref = f"（信访件编号：{final}）" if final else ""
    n.add(f"{opening}，经审查，与{who}此前反映、已经复查复核终结的信访事项{ref}属同一事实和理由。"
          "依照《信访工作条例》第三十六条的规定，本机关不再受理。")
    n.add(f"{who}如有新的事实和理由，可以依照法律、法规规定的程序提出。")
    n.add("特此告知。")


def _route(n: Notice, p: Petition, *, who, opening, event, data, **_):
    assign = bool(event and event.action == "assign")
    verb = "交办" if assign else "转送"
    n.title = f"信访事项{verb}告知书"
    target = data.get("to_unit_name") or (p.handling_unit.name if p.handling_unit_id else "")
    n.add(f"{opening}，依照《信访工作条例》第二十二条的规定，按照“属地管理、分级负责，谁主管、谁负责”的原则，"
          f"本机关已于{cn_date(n.date)}将该信访事项{verb}{target}办理。")
    n.add(f"{target}将自收到之日起15日内书面告知{who}是否受理。{who}可以与该机关联系，"
          "也可凭信访件编号和查询码查询办理进度。")
    n.add("特此告知。")
    # 抄送 the receiving unit, except for accusations: the petitioner's identity stays in the chain.
    if p.nature != "accusation" and target:
        n.copy_to = target


def _extension(n: Notice, p: Petition, *, who, opening, event, data, **_):
    days, due = data.get("days"), _iso(data.get("new_due"))
    note = ""
    if due is not None:
        row = _deadline_row(p, "handle", due)
        if row is not None:
            note = _row_note(row)
        elif p.due_on == due and p.due_provisional:
            note = provisional_note(None, due)
    due_text = due_phrase(due, note) if due else ""
    reason = sentence(event.note if event else "")
    reason = re.sub(r"^(因为|由于|因)", "", reason) or "情况复杂"
    accepted = f"本机关已于{cn_date(p.accepted_at)}受理。" if p.accepted_at else ""
    n.add(f"{opening}，{accepted}因{reason}，经本机关负责人批准，依照《信访工作条例》第三十四条的规定，"
          f"该信访事项的办理期限延长{days}日，至{due_text}届满。")
    n.add(f"本机关将在延长的期限内办结，并出具书面处理意见。{who}可凭信访件编号和查询码查询办理进度。")
    n.add("特此告知。")


def _reply_sections(n: Notice, reply: Reply, request_heading: str, request_text: str,
                    opinion_heading: str = "处理意见") -> None:
    i = n.section(0, request_heading, request_text)
    i = n.section(i, opinion_heading, reply.text)
    n.section(i, "事实和依据", reply.basis)


def _reply(n: Notice, p: Petition, *, who, opening, reply, **_):
    if reply is None:
        n.add(f"{opening}。")
        return
    n.issuer = reply.unit.name
    simple = "，按照简易程序办理" if reply.kind == "fast_track" else ""
    accepted = f"本机关于{cn_date(p.accepted_at)}受理{simple}。" if p.accepted_at else ""
    n.add(f"{opening}，{accepted}经调查核实，现将处理意见告知如下：")
    _reply_sections(n, reply, "信访请求", p.demands or f"反映{matter(p)}。")
    n.add(OUTCOME_CLOSING[reply.outcome].format(you=who, what="信访请求"))
    n.add(f"如对本处理意见不服，{who}可以自收到本意见书之日起30日内，依照《信访工作条例》第三十五条的规定，"
          f"向{_upper_name(reply.unit)}请求复查。")


def _review(n: Notice, p: Petition, *, who, reply, at, **_):
    if reply is None:
        n.add(f"{intro(p)}。")
        return
    n.issuer = reply.unit.name
    first = p.replies.filter(kind__in=("reply", "fast_track"), approved_at__isnull=False).select_related("unit").last()
    asked = _event(p, "request_review", before=at)
    number = _issued_number(p, DocumentKind.REPLY)
    by = first.unit.name if first else "原办理机关"
    n.add(f"{who}不服{by}就{matter(p)}（信访件编号：{p.number}）作出的信访处理意见"
          + (f"（{number}）" if number else "")
          + (f"，于{cn_date(asked.at)}" if asked else "，") + "向本机关请求复查。"
          "本机关依法进行了复查，现提出复查意见如下：")
    request = (asked.note if asked else "") or p.demands or f"反映{matter(p)}。"
    _reply_sections(n, reply, "复查请求", request, "复查意见")
    n.add(OUTCOME_CLOSING[reply.outcome].format(you=who, what="复查请求"))
    n.add(f"如对本复查意见不服，{who}可以自收到本意见书之日起30日内，依照《信访工作条例》第三十六条的规定，"
          f"向{_upper_name(reply.unit)}请求复核。")


def _rereview(n: Notice, p: Petition, *, who, reply, at, **_):
    if reply is None:
        n.add(f"{intro(p)}。")
        return
    n.issuer = reply.unit.name
    reviewed = p.replies.filter(kind="review", approved_at__isnull=False).select_related("unit").last()
    asked = _event(p, "request_rereview", before=at)
    number = _issued_number(p, DocumentKind.REVIEW)
    by = reviewed.unit.name if reviewed else "复查机关"
    n.add(f"{who}不服{by}就{matter(p)}（信访件编号：{p.number}）作出的复查意见"
          + (f"（{number}）" if number else "")
          + (f"，于{cn_date(asked.at)}" if asked else "，") + "向本机关请求复核。"
          "本机关依法进行了复核，现提出复核意见如下：")
    request = (asked.note if asked else "") or p.demands or f"反映{matter(p)}。"
    _reply_sections(n, reply, "复核请求", request, "复核意见")
    n.add(OUTCOME_CLOSING[reply.outcome].format(you=who, what="复核请求"))
    n.add(f"本复核意见为终结意见。依照《信访工作条例》第三十六条的规定，{who}对本复核意见不服，"
          "仍以同一事实和理由提出信访事项的，各级党委和政府信访部门和其他机关、单位不再受理。")


def _mediation(n: Notice, p: Petition, *, who, opening, event, **_):
    n.addressee = ""
    n.add(f"{opening.replace(who, '信访人', 1)}，经{n.issuer}主持调解，各方当事人在平等自愿的基础上，"
          "达成如下协议：")
    terms = [line.strip() for line in (event.note if event else "").splitlines() if line.strip()]
    numbered = len(terms) > 1 and not any(re.match(r"^[一二三四五六七八九十\d]+[、.．]", t) for t in terms)
    for i, line in enumerate(terms):
        n.add((f"{HEADING_NUMBERS[i]}、" if numbered and i < len(HEADING_NUMBERS) else "") + finish(line))
    n.add("本协议自各方当事人签字（盖章）之日起生效，各方应当自觉履行。本协议一式三份，各方当事人和调解单位各执一份。")
    n.signatures = ["信访人（签字）：", "其他当事人（签字、盖章）：", "调解主持人（签字）："]


REPLY_NAMES = {"reply": "信访处理意见书", "fast_track": "信访处理意见书"}


def _reply_number(p: Petition, event: PetitionEvent | None) -> str:
    """The 文号 of the 信访处理意见书 issued with `event` (the reply move), else the latest one."""
    if event is not None:
        doc = p.documents.filter(kind=DocumentKind.REPLY, event_id=event.pk).first()
        if doc is not None:
            return doc.number
    return _issued_number(p, DocumentKind.REPLY)


def _ending(p: Petition, event: PetitionEvent | None, data: dict, day: str) -> tuple[str, list[tuple[str, str]]]:
    """How a 交办 matter ended without a 处理意见书: (sentence, [(heading, text)]), free text scrubbed."""
    action = event.action if event else ""
    note = scrub(p, event.note if event else "")
    if action == "reject":
        reason = scrub(p, data.get("reason") or "") or note
        return (f"经审查，本机关于{day}决定不予受理，并已书面告知信访人。",
                [("不予受理理由", reason), ("告知的救济途径", route_sentence("信访人", scrub(p, data.get("route") or "")))])
    if action == "refuse_again":
        final = data.get("final_petition")
        ref = f"（信访件编号：{final}）" if final else ""
        return (f"经审查，该事项与已经复查复核终结的信访事项{ref}属同一事实和理由，本机关于{day}决定不再受理，"
                "并已书面告知信访人。", [("不再受理理由", note)])
    if action == "divert":
        channel = sentence(data.get("channel_name") or "") or "有权处理的机关、单位"
        body = sentence(data.get("unit_name") or "")
        where = f"{body}（{channel}）" if body and body != channel else channel
        guidance = finish(data.get("channel_guidance") or "")
        return (f"经审查，该事项依法应当通过法定途径，由{where}处理，本机关已于{day}书面告知信访人。",
                [("告知内容", note), ("法定途径", f"信访人可以依法向{where}提出。{guidance}")])
    if action == "merge":
        into = data.get("into")
        target = f"信访件{into}" if into else "相关信访件"
        return (f"该事项与{target}反映的问题相同，已于{day}并入{target}一并办理，办理结果随该件报告。",
                [("并案说明", note)])
    if action == "archive":
        return f"该事项已于{day}存档办结。", [("办结说明", note)]
    return f"该事项已于{day}办结。", [("办结说明", note)]


def _completion(n: Notice, p: Petition, *, event, data, reply, at, **_):
    """办结报告 to the assigning office (交办): the handling result, issued with the 处理意见书 (the reply
    move) or with whatever ended the matter first (不予受理, 告知引导, 并案, 办结 …). No petitioner identity."""
    n.carries_identity = False
    handling = p.handling_unit or p.receiving_unit
    n.issuer = handling.name
    routes = p.routes.filter(kind="assign", objected_at__isnull=True).select_related("from_unit")
    if at is not None:
        routes = routes.filter(at__lte=at)
    route = routes.order_by("at", "id").last()
    office = route.from_unit if route else p.receiving_unit
    n.addressee = f"{office.name}："
    title = scrub(p, p.title)
    n.title = "信访事项办结报告"
    due = ""
    if route and route.report_due:
        row = _deadline_row(p, "report", route.report_due)
        due = f"，要求于{due_phrase(route.report_due, _row_note(row))}前报送办理结果"
    when = cn_date(route.at) if route else cn_date(p.received_at)
    day = cn_date(n.date)
    if reply is not None and not data.get("reply_id") and event is not None and event.action != "close":
        reply = None  # an ending without a reply (不予受理, 并案 …) never borrows an older opinion
    accepted = f"本机关已于{cn_date(p.accepted_at)}受理，" if p.accepted_at else ""
    endings: list[tuple[str, str]] = []
    if reply is not None:
        number = _reply_number(p, event)
        simple = "按照简易程序办理，" if reply.kind == "fast_track" else ""
        summary = (f"{accepted}{simple}于{cn_date(reply.approved_at)}向信访人出具"
                   f"{REPLY_NAMES.get(reply.kind, '信访处理意见书')}" + (f"（{number}）" if number else "")
                   + "，该事项已办理完毕。")
    else:
        summary, endings = _ending(p, event, data, day)
        summary = accepted + summary if accepted else summary
    n.add(f"你单位于{when}交办的“{title}”信访事项（信访件编号：{p.number}）{due}。{summary}"
          "现将办理情况报告如下：")
    steps = []
    if p.accepted_at:
        steps.append("本机关受理后，指定专人调查核实")
    extensions = p.extensions.filter(approved_at__isnull=False)
    if at is not None:
        extensions = extensions.filter(approved_at__lte=at)
    ext = extensions.first()
    if ext:
        steps.append(f"经本机关负责人批准，办理期限延长{ext.days}日")
    if reply is not None:
        steps.append(f"于{cn_date(reply.approved_at)}作出处理意见并书面答复信访人")
    i = 0
    if steps:
        i = n.section(i, "办理过程", "，".join(steps) + "。")
    if reply is not None:
        i = n.section(i, "处理意见", scrub(p, reply.text))
        i = n.section(i, "事实和依据", scrub(p, reply.basis))
        i = n.section(i, "处理结果", COMPLETION_OUTCOME.get(reply.outcome, reply.get_outcome_display()))
    for heading, text in endings:
        i = n.section(i, heading, text)
    evaluations = p.evaluations.all()
    if at is not None:
        evaluations = evaluations.filter(at__lte=at)
    evaluation = evaluations.order_by("at", "id").last()
    if evaluation:
        reason = f"（{sentence(scrub(p, evaluation.reason))}）" if evaluation.reason else ""
        n.section(i, "信访人评价", f"信访人对办理结果的评价为：{evaluation.get_level_display()}{reason}。")
    n.add("特此报告。")


BUILDERS = {
    DocumentKind.RECEIPT: _receipt, DocumentKind.ACCEPT: _accept, DocumentKind.REJECT: _reject,
    DocumentKind.REFUSE_AGAIN: _refuse_again, DocumentKind.ROUTE: _route, DocumentKind.EXTENSION: _extension,
    DocumentKind.REPLY: _reply, DocumentKind.REVIEW: _review, DocumentKind.REREVIEW: _rereview,
    DocumentKind.MEDIATION: _mediation, DocumentKind.COMPLETION: _completion, DocumentKind.DIVERT: _divert,
    DocumentKind.HEARING: _hearing,
}


def carries_identity(kind: str) -> bool:
    """Whether a stored document of `kind` names the petitioner (then accusations keep it in the chain)."""
    return kind not in TO_UNITS
