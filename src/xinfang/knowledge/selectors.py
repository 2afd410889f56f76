"""Reading the knowledge base. Published articles are visible to every staff member (good practice
travels between units); drafts only to their author and to those who may edit them. A case shows
its petition's number and title, never the petitioner: templates read `article.case_ref` only."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from xinfang.common.errors import NotFound
from xinfang.org.admin_scope import is_global_admin
from xinfang.petitions.models import Category, Petition
from xinfang.petitions.selectors import petition_texts, petitions_visible

from .models import Article
from .services import can_edit, one_line

MAX_WORDS = 6


@dataclass(frozen=True)
class CaseRef:
    """What a case article says about its source petition."""

    petition_id: int
    number: str
    title: str
    visible: bool  # the reader may open the petition itself


def _words(q: str | None) -> list[str]:
    words = [w for w in one_line((q or "").replace("，", " ").replace(",", " ")).split(" ") if w]
    return [w[:50] for w in words[:MAX_WORDS]]


def articles_visible(user) -> QuerySet[Article]:
    qs = Article.objects.all()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_superuser or is_global_admin(user):
        return qs
    return qs.filter(Q(is_published=True) | Q(created_by=user))


def _with_refs(user, articles: list[Article]) -> list[Article]:
    """Attach `case_ref` (number, title, visibility of the source petition) and `editable`."""
    ids = {a.petition_id for a in articles if a.petition_id}
    # the source's title as the reader may see it (an accuser's identity masked outside the chain)
    rows = {p.pk: {"pk": p.pk, "number": p.number, "title": petition_texts(user, p).title}
            for p in Petition.objects.filter(pk__in=ids).only(
                "pk", "number", "title", "nature", "receiving_unit", "handling_unit", "review_unit")}
    visible = set(petitions_visible(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    for a in articles:
        row = rows.get(a.petition_id)
        a.case_ref = CaseRef(row["pk"], row["number"], row["title"], row["pk"] in visible) if row else None
        a.editable = can_edit(user, a)
    return articles


def article_search(user, *, q: str = "", kind: str = "", category=None) -> QuerySet[Article]:
    """Every word must occur in the title, body, lesson or source; a category includes its subtree."""
    qs = articles_visible(user).select_related("category", "unit")
    if kind in Article.Kind.values:
        qs = qs.filter(kind=kind)
    if category is not None:
        qs = qs.filter(category__path__startswith=category.path)
    for w in _words(q):
        qs = qs.filter(Q(title__icontains=w) | Q(body__icontains=w) | Q(lesson__icontains=w)
                       | Q(source__icontains=w))
    return qs.order_by("-updated_at", "-id")


def article_page_refs(user, articles) -> list[Article]:
    return _with_refs(user, list(articles))


def article_get(user, article_id) -> Article:
    try:
        pk = int(article_id)
    except (TypeError, ValueError):
        raise NotFound(_("知识条目不存在。")) from None
    article = articles_visible(user).select_related("category", "unit", "created_by").filter(pk=pk).first()
    if article is None:
        raise NotFound(_("知识条目不存在。"))
    return _with_refs(user, [article])[0]


def category_by_ref(value) -> Category | None:
    text = str(value or "").strip()
    if not text:
        return None
    found = Category.objects.filter(code=text).first()
    if found is None and text.isdigit():
        found = Category.objects.filter(pk=int(text)).first()
    return found


def articles_for_petition(user, petition: Petition, q: str = "", limit: int = 8) -> list[Article]:
    """For the reply form: published articles ranked by closeness of category to the petition's and
    by the typed words (title hits weigh more). Without words and category: the newest policies."""
    words = _words(q)
    qs = Article.objects.filter(is_published=True).exclude(kind=Article.Kind.CASE, petition=petition)
    cat = petition.category
    related = Q(pk__in=[])
    if cat is not None:
        root = "/" + cat.path.strip("/").split("/")[0] + "/"
        related = Q(category__path__startswith=root)
    word_q = Q(pk__in=[])
    for w in words:
        word_q |= Q(title__icontains=w) | Q(body__icontains=w) | Q(lesson__icontains=w) | Q(source__icontains=w)
    if words:
        qs = qs.filter(word_q)
    elif cat is not None:
        qs = qs.filter(related | Q(category__isnull=True, kind=Article.Kind.POLICY))
    else:
        qs = qs.filter(kind=Article.Kind.POLICY)
    candidates = list(qs.select_related("category").order_by("-updated_at", "-id")[:300])

    def score(a: Article) -> int:
        s = 0
        if cat is not None and a.category_id:
            if a.category_id == cat.pk:
                s += 6
            elif cat.path.startswith(a.category.path) or a.category.path.startswith(cat.path):
                s += 4
            elif a.category.path.split("/")[1] == cat.path.split("/")[1]:
                s += 2
        title, rest = a.title.lower(), f"{a.lesson}\n{a.body}\n{a.source}".lower()
        for w in words:
            w = w.lower()
            if w in title:
                s += 3
            if w in rest:
                s += 1
        return s

    ranked = sorted(candidates, key=lambda a: (-score(a), -a.updated_at.timestamp(), -a.pk))
    return _with_refs(user, ranked[:limit])
