"""Reading petitions, always through the jurisdiction scope (DESIGN §5)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from django.db import connections
from django.db.models import BigIntegerField, Exists, F, Func, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from xinfang.common.errors import NotFound
from xinfang.common.text import mask_identifiers
from xinfang.org.jurisdiction import is_global, units_of, visible_unit_ids

from .choices import Nature
from .models import Category, Petition, PetitionAccess, Petitioner, PetitionPetitioner, ReachSetUnit


class _NotIndexed(Func):
    """``+column`` (SQLite): the same value, but the planner may not use an index on it."""

    template = "+%(expressions)s"
    output_field = BigIntegerField()


def petitions_visible(user, *, by_reach: bool = False) -> QuerySet[Petition]:
    """Every petition the user may see: one that has reached a unit in their jurisdiction.

    `by_reach` (the reports, which read a year of petitions at a time): a petition that names its
    reach set (`petitions.reach`) is tested by that column, against the sets holding a unit of the
    jurisdiction; one without a set by its access rows, as otherwise. Same rows either way."""
    qs = Petition.objects.all()
    if is_global(user):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    unit_ids = visible_unit_ids(user)
    access = PetitionAccess.objects.filter(petition=OuterRef("pk"))
    if connections["default"].vendor == "sqlite":
        # SQLite has no statistics: with `unit_id IN (…)` it probes the (petition, unit) index once per
        # unit of the jurisdiction (18 probes for a district office) instead of reading the one to
        # three rows of the petition; `+unit_id` leaves it the petition's prefix (5x faster per row)
        access = access.alias(scope_unit=_NotIndexed(F("unit_id"))).filter(scope_unit__in=unit_ids)
    else:
        access = access.filter(unit_id__in=unit_ids)
    if by_reach:
        sets = ReachSetUnit.objects.filter(unit_id__in=unit_ids).values("reach_set_id")
        return qs.filter(Q(reach_set__in=sets) | (Q(reach_set__isnull=True) & Q(Exists(access))))
    return qs.filter(Exists(access))


MAX_ROW_ID = 2**63 - 1  # ids are 64-bit


def petition_get(user, petition_id, *, for_update: bool = False) -> Petition:
    qs = petitions_visible(user).select_related(
        "receiving_unit", "handling_unit", "review_unit", "category", "problem_region", "accused_unit",
        "clerk", "handler")
    try:
        pk = int(petition_id)
    except (TypeError, ValueError):
        raise NotFound(_("信访件不存在。")) from None
    if not 0 < pk <= MAX_ROW_ID:  # beyond 64 bits the database cannot even compare it
        raise NotFound(_("信访件不存在。"))
    # one row by its key: no ORDER BY (`first()` would order by the model's -received_at, -id, which
    # costs Django a third of this call's CPU to build, for a query that matches at most one row)
    petition = next(iter(qs.filter(pk=pk).order_by()[:1]), None)
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
    if not 0 < pk <= MAX_ROW_ID:
        raise NotFound(_("信访人不存在。"))
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
        qs = qs.filter(Q(receiving_unit__code=unit) | Q(handling_unit__code=unit))
    if q:
        from .search import text_q

        q = str(q).strip()[:100]
        cond = text_q(q)
        qs = without_masked_matches(user, qs.filter(Q(number=q) | cond), q) if cond is not None else qs
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


# ---- the free texts of a petition as a user may see them (S22 Art 30, DESIGN §5) -----------------

class _View:
    """A read-only stand-in for a model instance with some attributes replaced, for rendering and
    presenting only (nothing can be saved through it)."""

    def __init__(self, obj, **replaced):
        self.__dict__.update(replaced, _obj=obj)

    def __getattr__(self, name):
        return getattr(self.__dict__["_obj"], name)

    def __setattr__(self, name, value):
        raise AttributeError("read-only view")


class PetitionTexts:
    """The free texts of one petition (title, content, demands, timeline notes, replies) as one user
    may see them. Outside an accusation's handling chain (`accuser_hidden`) the identifiers typed
    into them are masked: ID numbers, mobile and landline numbers, and the petitioners' own names
    (`common.text.mask_identifiers`); inside it, and for every other petition, they are the stored
    texts. Masking happens here, at read time; nothing stored changes. Every path that shows these
    texts (petition page, tables, search, API, exports, dossier) goes through `petition_texts`."""

    def __init__(self, petition: Petition, *, masked: bool, names: Sequence[str] = ()):
        self.petition = petition
        self.masked = masked
        self.names = tuple(names)

    def mask(self, text):
        """One free text of this petition as the user may see it (None and "" stay as they are)."""
        if not self.masked or not text:
            return text
        return mask_identifiers(text, self.names)

    def mask_data(self, value):
        """Every string inside a JSON-like value (an event's data) through `mask`."""
        if not self.masked:
            return value
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {k: self.mask_data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask_data(v) for v in value]
        return value

    @cached_property
    def title(self) -> str:
        return self.mask(self.petition.title)

    @cached_property
    def content(self) -> str:
        return self.mask(self.petition.content)

    @cached_property
    def demands(self) -> str:
        return self.mask(self.petition.demands)

    def petition_view(self):
        """The petition itself, or (masked) a read-only view of it with the masked texts."""
        if not self.masked:
            return self.petition
        return _View(self.petition, title=self.title, content=self.content, demands=self.demands)

    def event(self, e):
        """A timeline event with its note and data as the user may see them."""
        return _View(e, note=self.mask(e.note), data=self.mask_data(e.data)) if self.masked else e

    def events(self, events):
        return [self.event(e) for e in events]

    def reply(self, r):
        """A reply (处理/复查/复核意见) with its text and basis as the user may see them."""
        return _View(r, text=self.mask(r.text), basis=self.mask(r.basis)) if self.masked else r


def petitioner_names(petition: Petition) -> list[str]:
    """The names of the petition's petitioners (from prefetched links when there are)."""
    if "petitioner_links" in getattr(petition, "_prefetched_objects_cache", {}):
        return [link.petitioner.name for link in petition.petitioner_links.all()]
    return list(PetitionPetitioner.objects.filter(petition=petition).values_list("petitioner__name", flat=True))


def petition_texts(user, petition: Petition) -> PetitionTexts:
    """The free texts of `petition` as `user` may see them (see `PetitionTexts`)."""
    if accuser_hidden(user, petition):
        return PetitionTexts(petition, masked=True, names=petitioner_names(petition))
    return PetitionTexts(petition, masked=False)


def _outside_chain_accusations(user) -> Q:
    """The accusations whose handling chain `user` is not in (the Q form of `accuser_hidden`)."""
    chain = [u.pk for u in units_of(user)]
    return (Q(nature=Nature.ACCUSATION) & ~Q(receiving_unit_id__in=chain) & ~Q(handling_unit_id__in=chain)
            & ~Q(review_unit_id__in=chain))


def _found_in(terms, tokens: list[str]) -> bool:
    """The search index's own matching rule (`search.text_q`) applied to `tokens` in memory."""
    joined = " " + " ".join(tokens) + " "
    for kind, term in terms:
        if kind == "prefix":
            if not any(t.startswith(term[0]) for t in tokens):
                return False
        elif " " + " ".join(term) + " " not in joined:
            return False
    return True


def without_masked_matches(user, qs: QuerySet[Petition], q) -> QuerySet[Petition]:
    """`qs` (a text search for `q`) without the accusations the user would find only through what is
    masked for them: a search for an accuser's ID number, phone or name must not point at the
    accusation from outside its handling chain (S22 Art 30). Such an accusation is kept when its
    masked texts match `q` too, or when `q` is its tracking number."""
    from .search import query_terms

    q = str(q or "").strip()
    if not q or is_global(user):
        return qs
    terms = query_terms(q)
    if not terms:
        return qs
    rows = list(qs.filter(_outside_chain_accusations(user)).order_by()
                .values_list("pk", "number", "title", "content", "demands"))
    drop = _masked_out(rows, q, terms)
    return qs.exclude(pk__in=drop) if drop else qs


def _masked_out(rows, q: str, terms) -> set[int]:
    """The ids among `rows` ((pk, number, title, content, demands) of accusations outside the user's
    handling chain, found by `q`) that `q` finds only through what is masked for the user."""
    from .search import document_tokens

    names: dict[int, list[str]] = {}
    for i in range(0, len(rows), 1000):
        part = [r[0] for r in rows[i:i + 1000]]
        for pid, name in PetitionPetitioner.objects.filter(petition_id__in=part).values_list(
                "petition_id", "petitioner__name"):
            names.setdefault(pid, []).append(name)
    drop = set()
    for pid, number, *texts in rows:
        if number == q.upper():
            continue
        masked = [mask_identifiers(t, names.get(pid, ())) for t in texts]
        if not _found_in(terms, document_tokens(*masked)):
            drop.add(pid)
    return drop


# ---- one page of a long list, with a bounded count (issue 13) -----------------------------------

COUNT_CAP = 1000  # lists count their rows up to this many, then say "more than COUNT_CAP"


class PetitionPage:
    """One page of petitions for `_petition_table.html`, shaped like Django's `Page` (iteration,
    `number`, `has_next()`, `has_previous()`, …) and its own `paginator` (`count`, `num_pages`),
    except that the count stops at `cap`: past it `count_more` is true, `count` is `cap` and
    `num_pages` is None (the table then shows "第 n 页" and the next link)."""

    def __init__(self, rows: list, number: int, per_page: int, has_next: bool, count: int, cap: int,
                 exact: bool = False):
        self.object_list = rows
        self.number = number
        self.per_page = per_page
        self._has_next = has_next
        self.count_more = not exact and count > cap  # an exact count (the end was read) is shown as it is
        self.count = count if exact else min(count, cap)
        self.cap = cap
        self.num_pages = None if self.count_more else max(1, -(-self.count // per_page))
        self.paginator = self  # the template reads page.paginator.count / num_pages

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def _page_number(value) -> int:
    try:
        number = int(str(value or "1").strip())
    except ValueError:
        return 1
    return min(max(number, 1), 10**6)


def _kept_ids(user, qs: QuerySet[Petition], want: int, q: str, terms) -> list[int]:
    """The first `want` ids of `qs` in its order, without the rows `without_masked_matches` drops
    (read in slices; only the outside-chain accusations among them have their texts read)."""
    check = bool(terms) and not is_global(user)
    if check:
        from django.db.models import BooleanField, Case, Value, When

        flagged = Case(When(_outside_chain_accusations(user), then=Value(True)), default=Value(False),
                       output_field=BooleanField())
        rows_qs = qs.annotate(hidden_accuser=flagged).values_list("pk", "hidden_accuser")
    else:
        rows_qs = qs.values_list("pk", flat=True)
    if not check:
        return list(rows_qs[:want])
    # read `want` and a few more; when more than those few are dropped, read again from the start
    # with more (no OFFSET: `qs` may be in no stable order, as for a count)
    size, drop = want + 8, set()
    while True:
        part = list(rows_qs[:size])
        suspects = [pid for pid, hidden in part if hidden and pid not in drop]
        if suspects:
            drop |= _masked_out(list(Petition.objects.filter(pk__in=suspects).values_list(
                "pk", "number", "title", "content", "demands")), q, terms)
        kept = [pid for pid, _hidden in part if pid not in drop]
        if len(kept) >= want or len(part) < size:
            return kept[:want]
        size += 2 * (want - len(kept)) + 8


def petitions_page(user, qs: QuerySet[Petition], *, number=1, per_page: int = 30, q: str = "",
                   count_qs: QuerySet[Petition] | None = None, cap: int | None = None,
                   related: Sequence[str] = ("receiving_unit", "handling_unit", "category")) -> PetitionPage:
    """Page `number` of `qs` (already scoped to `user` and ordered), reading only the ids up to the
    page's end and then the page's rows; the count stops at `cap` + 1 (read from `count_qs`, the same
    rows in any order and shape, by default `qs`). With the text query `q`, the rows a hidden
    accuser would be found by only through masked text are neither shown nor counted
    (`without_masked_matches`)."""
    from .search import query_terms

    cap = COUNT_CAP if cap is None else cap
    q = str(q or "").strip()
    terms = query_terms(q) if q else []
    number = _page_number(number)
    offset = (number - 1) * per_page
    ids = _kept_ids(user, qs, offset + per_page + 1, q, terms)
    if len(ids) <= offset and number > 1:  # past the end: the last page, as Paginator.get_page does
        number = max(1, -(-len(ids) // per_page))
        offset = (number - 1) * per_page
    page_ids = ids[offset:offset + per_page]
    has_next = len(ids) > offset + per_page
    exact = not has_next
    if exact:
        count = offset + len(page_ids)  # the end was reached
    else:
        base = (count_qs if count_qs is not None else qs).order_by()  # any order: the cheapest
        count = len(_kept_ids(user, base, cap + 1, q, terms))
        count = max(count, offset + len(page_ids) + 1)  # at least what paging has seen
    found = Petition.objects.filter(pk__in=page_ids).select_related(*related).in_bulk()
    rows = [found[pk] for pk in page_ids if pk in found]
    return PetitionPage(rows, number, per_page, has_next, count, cap, exact=exact)
