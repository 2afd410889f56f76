"""知识库: search policies and 典型案例, enter policies, mark a handled petition as a case, and the
compact list the reply form shows beside the answer being written."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xinfang.common.errors import ApplicationError, NotFound
from xinfang.knowledge import selectors, services
from xinfang.knowledge.models import Article
from xinfang.petitions.selectors import categories_tree, petition_get, petition_texts
from xinfang.reports.exports import table_xlsx

from .common import export_requested, xlsx_download

FIELDS = ("title", "body", "source", "category", "lesson")


def _or_404(exc: ApplicationError) -> ApplicationError:
    if exc.code == "not_found":
        raise Http404 from None
    return exc


@login_required
@require_GET
def knowledge_view(request):
    q = (request.GET.get("q") or "").strip()[:100]
    kind = request.GET.get("kind") or ""
    category = selectors.category_by_ref(request.GET.get("category"))
    qs = selectors.article_search(request.user, q=q, kind=kind, category=category)
    if export_requested(request):
        return _export(request, qs, q=q, kind=kind, category=category)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    page.object_list = selectors.article_page_refs(request.user, page.object_list)
    keep = request.GET.copy()
    keep.pop("page", None)
    return render(request, "web/knowledge/list.html", {
        "active": "knowledge", "page": page, "q": q, "kind": kind, "category": category,
        "categories": categories_tree(), "kinds": Article.Kind.choices,
        "page_qs": keep.urlencode() + "&" if keep else "",
        "can_write": services.can_write_policies(request.user)})


def _export(request, qs, *, q: str, kind: str, category):
    """The articles found, as the list shows them (a case names its petition's number, never a petitioner)."""
    kinds = {value: str(label) for value, label in Article.Kind.choices}
    criteria = [(label, value) for label, value in ((_("关键词"), q), (_("类型"), kinds.get(kind, "")),
                                                    (_("内容分类"), category.full_name() if category else ""))
                if value]
    title = _("知识库")
    made = table_xlsx(
        request.user, title=title,
        headers=[(_("类型"), 10), (_("标题"), 36), (_("出处/文号"), 24), (_("内容分类"), 28), (_("提供单位"), 22),
                 (_("更新时间"), 18), (_("发布"), 6), (_("来源信访件"), 22), (_("经验启示"), 40), (_("正文"), 60)],
        rows=([kinds.get(a.kind, a.kind), a.title, a.source, a.category.full_name() if a.category_id else "",
               a.unit.name if a.unit_id else "", a.updated_at, a.is_published,
               a.case_ref.number if a.case_ref else "", a.lesson, a.body]
              for a in _with_refs(request.user, qs.select_related("category__parent__parent"))),
        criteria=criteria)
    return xlsx_download(request, made, title=title, data={"table": "knowledge"})


def _with_refs(user, qs, size: int = 500):
    """The articles of `qs` with their case references, read `size` at a time."""
    batch = []
    for article in qs.iterator(chunk_size=size):
        batch.append(article)
        if len(batch) == size:
            yield from selectors.article_page_refs(user, batch)
            batch = []
    yield from selectors.article_page_refs(user, batch)


@login_required
def knowledge_article_view(request, article_id):
    try:
        article = selectors.article_get(request.user, article_id)
    except NotFound:
        raise Http404 from None
    return render(request, "web/knowledge/article.html", {"active": "knowledge", "a": article})


def _form(request, *, article=None, values=None, error=None, status=200):
    if values is None:
        values = {}
        if article is not None:
            values = {"title": article.title, "body": article.body, "source": article.source,
                      "lesson": article.lesson, "category": article.category.code if article.category_id else "",
                      "is_published": article.is_published}
        else:
            values = {"is_published": True}
    return render(request, "web/knowledge/form.html", {
        "active": "knowledge", "article": article, "values": values, "error": error,
        "categories": categories_tree()}, status=status)


def _posted(request) -> dict:
    values = {n: (request.POST.get(n) or "").strip() for n in FIELDS}
    values["is_published"] = request.POST.get("is_published") in ("on", "1", "true")
    return values


@login_required
def knowledge_new_view(request):
    if not services.can_write_policies(request.user):
        raise Http404
    if request.method == "POST":
        values = _posted(request)
        try:
            article = services.article_create(actor=request.user, **values)
        except ApplicationError as exc:
            exc = _or_404(exc)
            return _form(request, values=values, error=exc, status=exc.status)
        messages.success(request, _("已录入：%(t)s") % {"t": article.title})
        return redirect("web:knowledge_article", article_id=article.pk)
    return _form(request)


@login_required
def knowledge_edit_view(request, article_id):
    try:
        article = services.article_get_for_edit(request.user, article_id)
    except NotFound:
        raise Http404 from None
    if request.method == "POST":
        values = _posted(request)
        try:
            article = services.article_update(actor=request.user, article_id=article.pk, **values)
        except ApplicationError as exc:
            exc = _or_404(exc)
            return _form(request, article=article, values=values, error=exc, status=exc.status)
        messages.success(request, _("已保存：%(t)s") % {"t": article.title})
        return redirect("web:knowledge_article", article_id=article.pk)
    return _form(request, article=article)


@login_required
@require_POST
def knowledge_delete_view(request, article_id):
    try:
        services.article_delete(actor=request.user, article_id=article_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("已删除知识条目。"))
    return redirect("web:knowledge")


@login_required
def case_mark_view(request, petition_id):
    """标记典型案例 from the petition page."""
    if not services.can_mark_cases(request.user):
        raise Http404
    try:
        petition = petition_get(request.user, petition_id)
    except NotFound:
        raise Http404 from None
    existing = petition.knowledge_articles.filter(kind=Article.Kind.CASE).first()
    texts = petition_texts(request.user, petition)
    error = None
    if request.method == "POST":
        values = {n: (request.POST.get(n) or "").strip() for n in ("title", "body", "lesson")}
        values["is_published"] = request.POST.get("is_published") in ("on", "1", "true")
        try:
            article = services.case_mark(actor=request.user, petition_id=petition.pk, **values)
        except ApplicationError as exc:
            error = _or_404(exc)
        else:
            messages.success(request, _("已标记为典型案例：%(t)s") % {"t": article.title})
            return redirect("web:knowledge_article", article_id=article.pk)
    else:  # outside an accusation's handling chain the accuser's identifiers are masked (petition_texts)
        values = {"title": texts.title, "body": texts.mask(services.case_default_body(petition)), "lesson": "",
                  "is_published": True}
    return render(request, "web/knowledge/case_form.html", {
        "active": "knowledge", "p": texts.petition_view(), "values": values, "error": error, "existing": existing,
        "handled": petition.status in services.CASE_STATES}, status=error.status if error else 200)


@login_required
@require_GET
def knowledge_suggest_view(request, petition_id):
    """htmx: a compact list of articles for the reply form of this petition (its category and the
    words typed in the panel's box)."""
    try:
        petition = petition_get(request.user, petition_id)
    except NotFound:
        raise Http404 from None
    q = (request.GET.get("kq") or request.GET.get("q") or "").strip()[:100]
    articles = selectors.articles_for_petition(request.user, petition, q=q)
    return render(request, "web/knowledge/_suggest_list.html", {"articles": articles, "q": q, "p": petition})
