"""Writes to the knowledge base: policies entered by administrators and leaders, and 典型案例 marked
from handled petitions. Each write validates, runs in one transaction and is audited."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.org.admin_scope import is_global_admin
from xinfang.org.choices import Role
from xinfang.org.jurisdiction import all_roles, covers, memberships
from xinfang.petitions.choices import Status
from xinfang.petitions.models import Category, Petition
from xinfang.petitions.selectors import category_ref, petition_get, petitioners_of

from .models import Article

# A petition can become a case once it has been answered.
CASE_STATES = frozenset({Status.REPLIED, Status.UNDER_REVIEW, Status.REVIEWED, Status.UNDER_REREVIEW,
                         Status.FINAL, Status.CLOSED})
EDITOR_ROLES = frozenset({Role.ADMIN, Role.LEADER})
CASE_ROLES = frozenset({Role.HANDLER, Role.LEADER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})

_WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


def one_line(text: str | None) -> str:
    """Every kind of space folded to one, trimmed; full-width punctuation is kept (（）《》are Chinese style)."""
    return _WS.sub(" ", text or "").strip()


TITLE_MAX, SOURCE_MAX, BODY_MAX, LESSON_MAX = 200, 200, 20000, 5000


def can_write_policies(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or all_roles(user) & EDITOR_ROLES)


def can_mark_cases(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or all_roles(user) & CASE_ROLES)


def can_edit(user, article: Article) -> bool:
    """The author, or an administrator/leader whose jurisdiction covers the contributing unit (a
    seeded article without a unit: global administrators only)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or (article.created_by_id and article.created_by_id == user.pk):
        return True
    if not all_roles(user) & EDITOR_ROLES:
        return False
    if article.unit_id is None:
        return is_global_admin(user)
    return covers(user, article.unit)


def _unit_for(actor, roles) -> object | None:
    for m in memberships(actor):
        if m.role in roles:
            return m.unit
    return None


def _category(value) -> Category | None:
    return category_ref(value, field="category", label=_("内容分类"))


def _clean(*, title: str, body: str, source: str = "", lesson: str = "", lesson_required: bool = False,
           body_required: bool = True) -> dict:
    title, source = one_line(title), one_line(source)
    body, lesson = (body or "").strip(), (lesson or "").strip()
    if not title:
        raise ApplicationError(_("请填写标题。"), "invalid", "title")
    if len(title) > TITLE_MAX:
        raise ApplicationError(_("标题不能超过%(n)d个字。") % {"n": TITLE_MAX}, "invalid", "title")
    if body_required and not body:
        raise ApplicationError(_("请填写正文。"), "invalid", "body")
    if len(body) > BODY_MAX:
        raise ApplicationError(_("正文不能超过%(n)d个字。") % {"n": BODY_MAX}, "invalid", "body")
    if lesson_required and not lesson:
        raise ApplicationError(_("请填写经验启示。"), "invalid", "lesson")
    if len(lesson) > LESSON_MAX:
        raise ApplicationError(_("经验启示不能超过%(n)d个字。") % {"n": LESSON_MAX}, "invalid", "lesson")
    if len(source) > SOURCE_MAX:
        raise ApplicationError(_("出处/文号不能超过%(n)d个字。") % {"n": SOURCE_MAX}, "invalid", "source")
    return {"title": title, "body": body, "source": source, "lesson": lesson}


def _identity_check(petition: Petition, fields: dict) -> None:
    """A case travels to every unit: it must not carry the petitioner's name, ID number, phone or
    address (S22 Art 30 for accusers; personal data rules for everyone)."""
    secrets = []
    for link in petitioners_of(petition):
        person = link.petitioner
        for value in (person.name, person.id_number, person.phone, person.address):
            value = (value or "").strip()
            if len(value) >= 2:
                secrets.append(value)
    for field in ("title", "body", "lesson"):
        text = fields.get(field) or ""
        if any(s in text for s in secrets):
            raise ApplicationError(
                _("典型案例不得包含信访人的姓名、身份证号、电话或住址，请改用“信访人”“张某”等称呼。"),
                "invalid", field)


def article_create(*, actor, title: str, body: str, source: str = "", category=None, lesson: str = "",
                   is_published: bool = True) -> Article:
    """A policy (政策法规), entered by an administrator or a leader."""
    if not can_write_policies(actor):
        raise NotFound(_("您无权录入政策法规。"))
    fields = _clean(title=title, body=body, source=source, lesson=lesson)
    category = _category(category)
    with transaction.atomic():
        article = Article.objects.create(kind=Article.Kind.POLICY, category=category, created_by=actor,
                                         unit=_unit_for(actor, EDITOR_ROLES), is_published=bool(is_published),
                                         **fields)
        audit_record(actor=actor, action="knowledge.create", obj=article,
                     data={"kind": article.kind, "title": article.title,
                           "category": category.code if category else None})
    return article


def article_get_for_edit(actor, article_id) -> Article:
    try:
        article = Article.objects.select_related("unit", "unit__region", "petition").get(pk=int(article_id))
    except (TypeError, ValueError, Article.DoesNotExist):
        raise NotFound(_("知识条目不存在。")) from None
    if not can_edit(actor, article):
        raise NotFound(_("知识条目不存在。"))
    return article


def article_update(*, actor, article_id, title: str, body: str, source: str = "", category=None,
                   lesson: str = "", is_published: bool = True) -> Article:
    article = article_get_for_edit(actor, article_id)
    is_case = article.kind == Article.Kind.CASE
    fields = _clean(title=title, body=body, source=source, lesson=lesson, lesson_required=is_case)
    if is_case and article.petition_id:
        _identity_check(article.petition, fields)
    category = _category(category)
    with transaction.atomic():
        before = {"title": article.title, "published": article.is_published}
        for name, value in fields.items():
            setattr(article, name, value)
        article.category = category
        article.is_published = bool(is_published)
        article.save()
        audit_record(actor=actor, action="knowledge.update", obj=article,
                     data={"kind": article.kind, "title": article.title, "published": article.is_published,
                           "category": category.code if category else None, "before": before})
    return article


def article_delete(*, actor, article_id) -> None:
    article = article_get_for_edit(actor, article_id)
    with transaction.atomic():
        audit_record(actor=actor, action="knowledge.delete", obj=article,
                     data={"kind": article.kind, "title": article.title, "petition": article.petition_id})
        article.delete()


def case_mark(*, actor, petition_id, title: str, body: str, lesson: str, is_published: bool = True) -> Article:
    """标记典型案例: a handled petition becomes a case with the lesson learned. The case names the
    petition (number and title) but never the petitioner."""
    if not can_mark_cases(actor):
        raise NotFound(_("信访件不存在。"))
    petition = petition_get(actor, petition_id)  # NotFound outside the actor's jurisdiction
    if petition.status not in CASE_STATES:
        raise ApplicationError(_("只有已答复、已复查复核或已办结的信访件才能标记为典型案例。"), "conflict")
    existing = Article.objects.filter(kind=Article.Kind.CASE, petition=petition).first()
    if existing is not None:
        raise ApplicationError(_("该信访件已标记为典型案例：%(t)s") % {"t": existing.title}, "conflict")
    fields = _clean(title=title, body=body, lesson=lesson, lesson_required=True)
    _identity_check(petition, fields)
    unit = None
    chain = {petition.handling_unit_id, petition.review_unit_id, petition.receiving_unit_id}
    for m in memberships(actor):
        if m.unit_id in chain:
            unit = m.unit
            break
    unit = unit or _unit_for(actor, CASE_ROLES) or petition.handling_unit or petition.receiving_unit
    with transaction.atomic():
        article = Article.objects.create(kind=Article.Kind.CASE, petition=petition, category=petition.category,
                                         unit=unit, created_by=actor, is_published=bool(is_published),
                                         source=petition.number, **{k: v for k, v in fields.items()
                                                                    if k != "source"})
        audit_record(actor=actor, action="knowledge.case_mark", obj=article,
                     data={"petition": petition.pk, "number": petition.number, "title": article.title})
    return article


def case_default_body(petition: Petition) -> str:
    """A starting text for the case form: the approved answer, which carries no personal data
    beyond what the handler wrote (they review it before saving)."""
    reply = petition.replies.filter(approved_at__isnull=False).order_by("-approved_at").first()
    if reply is None:
        reply = petition.replies.order_by("-drafted_at").first()
    if reply is None:
        return ""
    return _("处理结果：%(o)s\n%(t)s\n依据：%(b)s") % {"o": reply.get_outcome_display(), "t": reply.text,
                                                 "b": reply.basis}
