"""Reading for the reply form: the most similar answered petitions, and the check of a pending draft.

`answered_similar(user, petition, limit=5)`: petitions visible to `user` (petitions_visible) with an
approved reply, ranked by the TF-IDF cosine of character 1-2-grams of title and content. Candidates are
capped for speed: the same first-level category (any category when the petition has none), received in
the last `YEARS` years, newest `MAX_CANDIDATES` first. Texts go through `petition_texts`, so an
accusation's identities stay masked outside its handling chain (in the ranking and in what is shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from xinfang.org.choices import Role
from xinfang.org.jurisdiction import has_role
from xinfang.petitions.choices import Status
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petition_texts, petitions_visible
from xinfang.workflow.choices import ReplyKind
from xinfang.workflow.models import Reply

from .check import Flag, draft_check

YEARS = 3
MAX_CANDIDATES = 400
SNIPPET = 300
MIN_SCORE = 0.05


# who drafts and approves replies: the handler (承办人) and the leader (领导) of a unit on the case
DRAFTING_ROLES = (Role.HANDLER, Role.LEADER)


def may_use_reply_aid(user, petition: Petition) -> bool:
    """Reply assistance is for the handlers and leaders of the units handling, reviewing or receiving the case."""
    units = [u for u in (petition.handling_unit, petition.review_unit, petition.receiving_unit) if u is not None]
    return any(has_role(user, unit, *DRAFTING_ROLES) for unit in units)


@dataclass(frozen=True)
class AnsweredMatch:
    petition: Petition
    title: str
    score: float
    outcome: str
    outcome_label: str
    reply_text: str
    reply_basis: str
    approved_at: object

    @property
    def snippet(self) -> str:
        return self.reply_text[:SNIPPET]

    @property
    def truncated(self) -> bool:
        return len(self.reply_text) > SNIPPET


def _root_path(petition: Petition) -> str | None:
    if petition.category_id is None:
        return None
    path = petition.category.path  # "/A/B/"
    return "/" + path.strip("/").split("/")[0] + "/"


def _candidates(user, petition: Petition):
    approved = Reply.objects.filter(petition=OuterRef("pk"), approved_at__isnull=False)
    since = timezone.now() - timedelta(days=365 * YEARS)
    qs = (petitions_visible(user).filter(Exists(approved), received_at__gte=since).exclude(pk=petition.pk)
          .select_related("category"))
    root = _root_path(petition)
    if root is not None:
        qs = qs.filter(category__path__startswith=root)
    return list(qs.order_by("-received_at", "-id")[:MAX_CANDIDATES])


def answered_similar(user, petition: Petition, *, limit: int = 5) -> list[AnsweredMatch]:
    """The answered petitions most like `petition`, best first (see the module's doc)."""
    candidates = _candidates(user, petition)
    if not candidates:
        return []
    own = petition_texts(user, petition)
    texts = [petition_texts(user, c) for c in candidates]
    docs = [f"{own.title} {own.content}"] + [f"{t.title} {t.content}" for t in texts]
    from sklearn.feature_extraction.text import TfidfVectorizer  # on first use (docs/insight.md)
    from sklearn.metrics.pairwise import linear_kernel

    try:
        matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), sublinear_tf=True).fit_transform(docs)
    except ValueError:  # nothing but stop characters
        return []
    scores = linear_kernel(matrix[0:1], matrix[1:]).ravel()
    order = sorted(range(len(candidates)), key=lambda i: (-scores[i], -candidates[i].pk))
    picked = [i for i in order if scores[i] >= MIN_SCORE][:limit]
    replies = {}
    for r in (Reply.objects.filter(petition_id__in=[candidates[i].pk for i in picked], approved_at__isnull=False)
              .order_by("approved_at", "id")):
        replies[r.petition_id] = r  # the latest approved opinion of each
    out = []
    for i in picked:
        c, t = candidates[i], texts[i]
        reply = replies.get(c.pk)
        if reply is None:
            continue
        shown = t.reply(reply)
        out.append(AnsweredMatch(petition=c, title=t.title, score=round(float(scores[i]), 3),
                                 outcome=reply.outcome, outcome_label=reply.get_outcome_display(),
                                 reply_text=shown.text or "", reply_basis=shown.basis or "",
                                 approved_at=reply.approved_at))
    return out


def pending_draft(petition: Petition) -> Reply | None:
    """The draft awaiting approval: the latest reply neither approved nor returned."""
    return (petition.replies.filter(approved_at__isnull=True, returned_at__isnull=True)
            .order_by("-drafted_at", "-id").first())


def petition_draft_check(user, petition: Petition, *, outcome, text, basis, kind: str | None = None) -> list[Flag]:
    """`draft_check` of a draft for `petition` (its demands, or its content's asking sentences, as `user` may
    see them: the unanswered items are quoted back)."""
    if kind is None:
        kind = {Status.UNDER_REVIEW: ReplyKind.REVIEW,
                Status.UNDER_REREVIEW: ReplyKind.REREVIEW}.get(petition.status, ReplyKind.REPLY)
    texts = petition_texts(user, petition)
    return draft_check(outcome=outcome, text=text, basis=basis, demands=texts.demands, content=texts.content,
                       kind=kind)


def pending_draft_check(user, petition: Petition) -> tuple[Reply | None, list[Flag]]:
    """The draft awaiting approval (as `user` may see it) and its flags; (None, []) without one."""
    draft = pending_draft(petition)
    if draft is None:
        return None, []
    shown = petition_texts(user, petition).reply(draft)
    return shown, petition_draft_check(user, petition, outcome=draft.outcome, text=draft.text, basis=draft.basis,
                                       kind=draft.kind)
