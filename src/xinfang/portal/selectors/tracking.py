"""What a citizen sees of the case they proved (number + query code): the status in plain words, the
public timeline (units only: no staff names, no internal notes, no internal moves), the deadlines that
concern them, the documents addressed to them, and which of their moves (evaluate, 复查/复核) is open.

Everything here reads one petition, the one the session proved; nothing names another petition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.org.hierarchy import review_bodies
from xinfang.org.models import Unit
from xinfang.petitions.choices import Status
from xinfang.petitions.models import Petition
from xinfang.reports.models import DocumentKind, IssuedDocument
from xinfang.reports.notices.content import BY_EVENT_NAME, addressee, build, carries_identity
from xinfang.reports.notices.services import REPLY_KIND, file_present, issuing_unit
from xinfang.workflow.actions import current_opinion, evaluation_open
from xinfang.workflow.choices import DeliveryMethod, Satisfaction
from xinfang.workflow.models import Deadline, PetitionEvent, Reply

# One sentence per status; %(unit)s is the unit handling it now, %(review)s the 复查/复核 body.
STATUS_WORDS = {
    Status.REGISTERED: gettext_lazy("已登记，正在审查是否受理或转送有权处理的机关。"),
    Status.ROUTED: gettext_lazy("已转送/交办至%(unit)s，由其决定是否受理。"),
    Status.ACCEPTED: gettext_lazy("%(unit)s已受理，正在办理。"),
    Status.IN_HANDLING: gettext_lazy("%(unit)s正在办理。"),
    Status.REPLY_PENDING: gettext_lazy("%(unit)s正在办理。"),
    Status.REPLIED: gettext_lazy("%(unit)s已出具处理意见，请在下方“文书”中查看。"),
    Status.UNDER_REVIEW: gettext_lazy("您已申请复查，%(review)s正在复查。"),
    Status.REVIEWED: gettext_lazy("%(review)s已出具复查意见，请在下方“文书”中查看。"),
    Status.UNDER_REREVIEW: gettext_lazy("您已申请复核，%(review)s正在复核。"),
    Status.FINAL: gettext_lazy("%(review)s已出具复核意见，信访事项已终结。"),
    Status.CLOSED: gettext_lazy("信访事项已办结。"),
    Status.REJECTED: gettext_lazy("%(unit)s决定不予受理（或不再受理），告知书见下方“文书”。"),
    Status.DIVERTED: gettext_lazy("已告知您通过法定途径向有权处理的机关反映，告知书见下方“文书”。"),
    Status.ARCHIVED: gettext_lazy("信访事项已存档办结。"),
    Status.MERGED: gettext_lazy("该信访事项已与反映同一问题的信访件合并办理。"),
}

# The public timeline: only these moves appear, each in plain words naming units only (%(unit)s the
# acting unit, %(to)s the unit it went to). Everything else (notes, drafts and returned drafts,
# objections, conflict declarations, the handler's assignment, extension requests, urging,
# supervision, instructions, entries written outside the transition table) is internal.
TIMELINE_WORDS = {
    "register": gettext_lazy("%(unit)s登记了您的信访事项"),
    "forward": gettext_lazy("%(unit)s将信访事项转送至%(to)s"),
    "assign": gettext_lazy("%(unit)s将信访事项交办至%(to)s"),
    "accept": gettext_lazy("%(unit)s受理了信访事项"),
    "reject": gettext_lazy("%(unit)s决定不予受理"),
    "refuse_again": gettext_lazy("%(unit)s决定不再受理"),
    "divert": gettext_lazy("%(unit)s告知您通过法定途径反映"),
    "archive": gettext_lazy("%(unit)s将信访事项存档办结"),
    "mediate": gettext_lazy("%(unit)s组织了调解"),
    "hold_hearing": gettext_lazy("%(unit)s安排了听证"),
    "approve_extension": gettext_lazy("%(unit)s依法延长了办理期限"),
    "approve_reply": gettext_lazy("%(unit)s出具了处理意见"),
    "fast_track": gettext_lazy("%(unit)s出具了处理意见（简易办理）"),
    "deliver": gettext_lazy("%(document)s已送达（%(method)s）"),
    "request_review": gettext_lazy("您向%(to)s申请复查"),
    "answer_review": gettext_lazy("%(unit)s出具了复查意见"),
    "request_rereview": gettext_lazy("您向%(to)s申请复核"),
    "answer_rereview": gettext_lazy("%(unit)s出具了复核意见"),
    "close": gettext_lazy("信访事项办结"),
    "merge": gettext_lazy("信访事项并入相关信访件一并办理"),
    "evaluate": gettext_lazy("满意度评价已记录"),
}

# The limits shown to the petitioner, in this order.
DEADLINE_KINDS = ("accept", "handle", "fast_track", "review_request", "review_answer", "rereview_request",
                  "rereview_answer")
DEADLINE_WORDS = {
    "accept": gettext_lazy("告知是否受理"), "handle": gettext_lazy("办结并出具处理意见"),
    "fast_track": gettext_lazy("简易办理答复"), "review_request": gettext_lazy("申请复查的最后一天"),
    "review_answer": gettext_lazy("出具复查意见"), "rereview_request": gettext_lazy("申请复核的最后一天"),
    "rereview_answer": gettext_lazy("出具复核意见"),
}

# Document names a delivery may carry on the timeline (anything else typed there reads as 文书).
KNOWN_DOCUMENTS = set(BY_EVENT_NAME) | {"简易办理答复"}

OPINION_KINDS = (DocumentKind.REPLY, DocumentKind.REVIEW, DocumentKind.REREVIEW)
# The request each opinion's delivery opens, by status.
APPEALS = {Status.REPLIED: ("request_review", "review_request"),
           Status.REVIEWED: ("request_rereview", "rereview_request")}


@dataclass
class Entry:
    at: dt.datetime
    text: str


@dataclass
class DeadlineRow:
    kind: str
    label: str
    due: dt.date
    met: bool
    provisional: bool

    @property
    def done_words(self) -> str:
        return _("已提出申请") if self.kind.endswith("_request") else _("已完成")


@dataclass
class DocumentRow:
    doc: IssuedDocument
    name: str
    date: dt.date
    sealed: bool  # the current opinion, not yet delivered: opening it records the delivery


@dataclass
class Appeal:
    """The 复查 / 复核 the citizen may ask for now (or why not)."""

    action: str  # request_review / request_rereview
    label: str
    bodies: list[Unit] = field(default_factory=list)
    due: dt.date | None = None
    open: bool = False
    why: str = ""


def unit_names(p: Petition) -> tuple[str, str]:
    unit = p.handling_unit or p.receiving_unit
    return unit.name, (p.review_unit.name if p.review_unit_id else unit.name)


def status_words(p: Petition) -> str:
    unit, review = unit_names(p)
    return str(STATUS_WORDS.get(p.status, p.get_status_display())) % {"unit": unit, "review": review}


def timeline(p: Petition) -> list[Entry]:
    rows = []
    for e in (PetitionEvent.objects.filter(petition=p, action__in=TIMELINE_WORDS).select_related("unit")
              .order_by("at", "id")):
        data = e.data or {}
        unit = e.unit.name if e.unit_id else ""
        to = data.get("to_unit_name") or data.get("review_unit_name") or ""
        if e.action in ("register", "accept", "reject", "refuse_again", "divert", "archive", "mediate",
                        "hold_hearing", "approve_extension", "approve_reply", "fast_track", "answer_review",
                        "answer_rereview") and not unit:
            unit = _("有关机关")
        method = ""
        if e.action == "deliver":
            method = str(DeliveryMethod(data["method"]).label) if data.get("method") in DeliveryMethod.values else ""
        document = data.get("document") if data.get("document") in KNOWN_DOCUMENTS else _("文书")
        text = str(TIMELINE_WORDS[e.action]) % {"unit": unit, "to": to or _("有关机关"), "method": method,
                                                 "document": document}
        rows.append(Entry(e.at, text.replace("（）", "")))
    return rows


def deadlines(p: Petition) -> list[DeadlineRow]:
    """The latest stored limit of each kind that concerns the petitioner (cancelled ones left out)."""
    latest: dict[str, Deadline] = {}
    for d in Deadline.objects.filter(petition=p, kind__in=DEADLINE_KINDS, cancelled=False).order_by("id"):
        latest[d.kind] = d
    return [DeadlineRow(k, str(DEADLINE_WORDS[k]), latest[k].due, latest[k].met_at is not None, latest[k].provisional)
            for k in DEADLINE_KINDS if k in latest]


def document_reply(doc: IssuedDocument) -> Reply | None:
    """The written opinion a 处理意见书/复查意见书/复核意见书 is: the reply its event names."""
    if doc.kind not in OPINION_KINDS or not doc.event_id:
        return None
    event = PetitionEvent.objects.filter(pk=doc.event_id, petition_id=doc.petition_id).first()
    reply_id = (event.data or {}).get("reply_id") if event is not None else None
    if not reply_id:
        return None
    return Reply.objects.filter(pk=reply_id, petition_id=doc.petition_id, kind__in=REPLY_KIND[doc.kind]).first()


def sealed(p: Petition, doc: IssuedDocument) -> bool:
    """Whether `doc` is the current written opinion and not yet delivered (opening it delivers it)."""
    opinion = current_opinion(p)
    if opinion is None or opinion.deliveries.exists():
        return False
    reply = document_reply(doc)
    return reply is not None and reply.pk == opinion.pk


def undelivered_opinion(p: Petition) -> bool:
    opinion = current_opinion(p)
    return opinion is not None and not opinion.deliveries.exists()


def documents(p: Petition) -> list[DocumentRow]:
    """The documents addressed to the petitioner (never the 办结报告 sent to the assigning office)."""
    docs = [d for d in IssuedDocument.objects.filter(petition=p).select_related("unit") if carries_identity(d.kind)]
    # dated by the move that issued it (the job that renders the file may run later)
    issued = dict(PetitionEvent.objects.filter(pk__in=[d.event_id for d in docs if d.event_id]).values_list("pk", "at"))
    rows = [DocumentRow(d, d.get_kind_display(), timezone.localtime(issued.get(d.event_id) or d.created_at).date(),
                        sealed(p, d)) for d in docs]
    rows.sort(key=lambda r: (r.date, r.doc.pk))
    return rows


def document_of(p: Petition, document_id) -> IssuedDocument | None:
    """One document of `p` addressed to the petitioner, or None."""
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        return None
    doc = IssuedDocument.objects.select_related("unit").filter(pk=pk, petition=p).first()
    if doc is None or not carries_identity(doc.kind):
        return None
    return doc


def window(p: Petition, kind: str, today: dt.date | None = None) -> Deadline | None:
    """The 复查/复核 request window of `kind` still open today, if any."""
    today = today or timezone.localdate()
    return (Deadline.objects.filter(petition=p, kind=kind, met_at__isnull=True, cancelled=False, due__gte=today)
            .order_by("-id").first())


def appeal(p: Petition, today: dt.date | None = None) -> Appeal | None:
    """The 复查 (after a reply) or 复核 (after a 复查 opinion) the citizen may request, or None."""
    if p.status not in APPEALS:
        return None
    action, kind = APPEALS[p.status]
    below = (p.handling_unit or p.receiving_unit) if action == "request_review" else p.review_unit
    label = _("申请复查") if action == "request_review" else _("申请复核")
    result = Appeal(action, label, review_bodies(below))
    win = window(p, kind, today)
    if win is not None:
        result.open, result.due = True, win.due
    elif undelivered_opinion(p):
        result.why = _("请先点击下方意见书的“查看”按钮阅读意见书，之后即可在线申请。")
    else:
        result.why = _("申请期限已过或已提出申请，不能在线申请。")
    if result.open and not result.bodies:
        result.open, result.why = False, _("暂不能在线申请，请到信访接待窗口提出。")
    return result


def evaluation(p: Petition) -> tuple[bool, str]:
    """(open, why not): the evaluation form is offered once the opinion was read."""
    if not evaluation_open(p):
        return False, ""
    if undelivered_opinion(p):
        return False, _("请先查看意见书，再进行满意度评价。")
    return True, ""


def case_view(p: Petition) -> dict:
    """Everything the case page shows."""
    evaluate_open, evaluate_why = evaluation(p)
    return {
        "petition": p,
        "status_words": status_words(p),
        "received": timezone.localtime(p.received_at).date(),
        "unit_name": unit_names(p)[0],
        "timeline": timeline(p),
        "deadlines": deadlines(p),
        "documents": documents(p),
        "appeal": appeal(p),
        "evaluate_open": evaluate_open,
        "evaluate_why": evaluate_why,
        "levels": Satisfaction.choices,
    }


def document_view(p: Petition, doc: IssuedDocument) -> dict:
    """The document page: its text (rebuilt as the notice was composed) unless it is still sealed."""
    closed = sealed(p, doc)
    result = {"petition": p, "doc": doc, "sealed": closed, "notice": None, "window": None,
              "pdf": file_present(doc.pdf), "appeal_label": ""}
    if closed:
        return result
    event = PetitionEvent.objects.select_related("unit").filter(pk=doc.event_id, petition=p).first() \
        if doc.event_id else None
    reply = document_reply(doc)
    if reply is None and doc.kind in REPLY_KIND and doc.kind != DocumentKind.COMPLETION:
        reply = (p.replies.filter(kind__in=REPLY_KIND[doc.kind], approved_at__isnull=False)
                 .select_related("unit").order_by("approved_at", "id").last())
    notice = build(doc.kind, p, event, reply)
    notice.issuer = issuing_unit(doc.kind, p, event, reply).name
    notice.number = doc.number
    notice.sign_note = ""  # the receipt's 登记人 names a staff member
    if notice.addressee and doc.kind != DocumentKind.RECEIPT:
        notice.addressee = addressee(p, masked=True) + "："
    result["notice"] = notice
    if reply is not None and reply.kind in ("reply", "fast_track", "review"):
        kind = "review_request" if reply.kind != "review" else "rereview_request"
        win = window(p, kind)
        if win is not None and reply.deliveries.exists():
            result["window"] = win
            result["appeal_label"] = _("复查") if kind == "review_request" else _("复核")
    return result
