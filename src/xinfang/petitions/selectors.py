"""Reading petitions, always through the jurisdiction scope (DESIGN §5)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from xinfang.common.errors import NotFound
from xinfang.org.jurisdiction import is_global, units_of, visible_unit_ids

from .choices import Nature
from .models import Category, Petition, PetitionAccess, Petitioner


def petitions_visible(user) -> QuerySet[Petition]:
    """Every petition the user may see: one that has reached a unit in their jurisdiction."""
    qs = Petition.objects.all()
    if is_global(user):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    unit_ids = visible_unit_ids(user)
    access = PetitionAccess.objects.filter(petition=OuterRef("pk"), unit_id__in=unit_ids)
    return qs.filter(Exists(access))


def petition_get(user, petition_id, *, for_update: bool = False) -> Petition:
    qs = petitions_visible(user).select_related(
        "receiving_unit", "handling_unit", "review_unit", "category", "problem_region", "accused_unit",
        "clerk", "handler")
    try:
        pk = int(petition_id)
    except (TypeError, ValueError):
        raise NotFound(_("信访件不存在。")) from None
    petition = qs.filter(pk=pk).first()
    if petition is None:
        raise NotFound(_("信访件不存在。"))
    return petition


def petition_by_ref(user, ref) -> Petition:
    """A petition by id or by tracking number, within the user's jurisdiction."""
    ref = str(ref or "").strip()
    if ref.isdigit():
        return petition_get(user, ref)
    petition = petitions_visible(user).filter(number=ref).first()
    if petition is None:
        raise NotFound(_("信访件不存在：%(ref)s") % {"ref": ref})
    return petition


def petitioners_of(petition: Petition):
    return list(petition.petitioner_links.select_related("petitioner").order_by("position"))


def petitioner_get(user, petitioner_id) -> Petitioner:
    try:
        pk = int(petitioner_id)
    except (TypeError, ValueError):
        raise NotFound(_("信访人不存在。")) from None
    visible = petitions_visible(user).filter(petitioner_links__petitioner_id=pk)
    if not visible.exists():
        raise NotFound(_("信访人不存在。"))
    return Petitioner.objects.get(pk=pk)


def categories_tree() -> list[Category]:
    return list(Category.objects.filter(is_active=True).select_related("parent").order_by("path"))


def petition_list(user, *, status=None, channel=None, q=None, unit=None, visit_kind=None, warning_level=None):
    qs = petitions_visible(user).select_related("receiving_unit", "handling_unit", "category")
    if status:
        qs = qs.filter(status__in=str(status).split(","))
    if channel:
        qs = qs.filter(channel__in=str(channel).split(","))
    if visit_kind:
        qs = qs.filter(visit_kind=visit_kind)
    if warning_level:
        qs = qs.filter(warning_level=warning_level)
    if unit:
        from django.db.models import Q

        qs = qs.filter(Q(receiving_unit__code=unit) | Q(handling_unit__code=unit))
    if q:
        from django.db.models import Q

        from .search import text_q

        q = str(q).strip()[:100]
        cond = text_q(q)
        qs = qs.filter(Q(number=q) | cond) if cond is not None else qs
    return qs.order_by("-received_at", "-id")


def petitions_similar(user, petition: Petition, limit: int = 20):
    """Earlier or later petitions of the same petitioners (同人), within the user's scope."""
    # An accuser's identity stays inside the handling chain (S22 Art 30): an accusation the user may
    # not see the accuser of links to nothing, and is never shown as linked to another petition.
    if accuser_hidden(user, petition):
        return []
    people = petition.petitioner_links.values_list("petitioner_id", flat=True)
    rows = (petitions_visible(user).filter(petitioner_links__petitioner_id__in=list(people))
            .exclude(pk=petition.pk).select_related("receiving_unit", "handling_unit", "review_unit", "category")
            .distinct().order_by("-received_at")[: limit * 2])
    return [p for p in rows if not accuser_hidden(user, p)][:limit]


def in_handling_chain(user, petition: Petition) -> bool:
    """Accusers' identities are shown only to the receiving, handling and review units (S22 Art 30)."""
    if getattr(user, "is_superuser", False):
        return True
    chain = {petition.receiving_unit_id, petition.handling_unit_id, petition.review_unit_id}
    return any(u.pk in chain for u in units_of(user))


def category_ref(value, *, field: str, label: str) -> Category | None:
    """A category given as an object, a code or an id; None for nothing; a 422 naming `field` when
    no such category exists."""
    from xinfang.common.errors import ApplicationError

    if value is None or isinstance(value, Category):
        return value
    text = str(value).strip()
    if not text:
        return None
    found = Category.objects.filter(code=text).first()
    if found is None and text.isdigit():
        found = Category.objects.filter(pk=int(text)).first()
    if found is None:
        raise ApplicationError(_("%(label)s不存在：%(v)s") % {"label": label, "v": text}, "invalid", field)
    return found


def accuser_hidden(user, petition: Petition) -> bool:
    """An accuser's identity is shown only inside the handling chain (S22 Art 30, DESIGN §5)."""
    return petition.nature == Nature.ACCUSATION and not in_handling_chain(user, petition)
