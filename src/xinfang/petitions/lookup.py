"""Read-only look-ups for intake and the 信访人 pages, always through the jurisdiction scope.

Petitioners are found by ID number or phone through their blind indexes (after the validators
normalise the input) or by name. A petitioner is only ever shown through petitions the user may
see, and never through an accusation whose accuser the user may not know (S22 Art 30).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common import crypto
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.common.text import normalise
from xinfang.common.validators import (
    is_valid_id_number,
    normalise_id_number,
    normalise_phone,
    validate_phone,
)
from xinfang.org.jurisdiction import is_global, units_of, visible_units
from xinfang.org.models import Region, Unit

from .choices import OPEN_STATES, Nature, Status
from .models import Category, Petition, Petitioner, PetitionPetitioner
from .selectors import petitioner_get, petitions_visible

# ---- scope -------------------------------------------------------------------------------------


def identity_visible_q(user) -> Q:
    """Petitions whose petitioners the user may know: all but the accusations outside the user's
    handling chain (the receiving, handling and review units; see `selectors.in_handling_chain`)."""
    if is_global(user):
        return Q()
    ids = [u.pk for u in units_of(user)]
    return (~Q(nature=Nature.ACCUSATION) | Q(receiving_unit_id__in=ids) | Q(handling_unit_id__in=ids)
            | Q(review_unit_id__in=ids))


def petitions_known(user) -> QuerySet[Petition]:
    """Visible petitions through which the user may see who brought them."""
    return petitions_visible(user).filter(identity_visible_q(user))


def petitions_of(user, petitioner_id: int) -> QuerySet[Petition]:
    """A petitioner's petitions across all channels, within the user's scope, newest first."""
    return (petitions_known(user).filter(petitioner_links__petitioner_id=petitioner_id)
            .select_related("receiving_unit", "handling_unit", "category", "repeat_of")
            .distinct().order_by("-received_at", "-id"))


# ---- one petitioner ------------------------------------------------------------------------------


@dataclass
class History:
    petitioner: Petitioner
    petitions: list[Petition]
    representative_of: set[int] = field(default_factory=set)

    @property
    def open(self) -> list[Petition]:
        return [p for p in self.petitions if p.status in OPEN_STATES]

    @property
    def repeats(self) -> int:
        return sum(1 for p in self.petitions if p.repeat_of_id)

    @property
    def channels(self) -> list[str]:
        seen: dict[str, str] = {}
        for p in self.petitions:
            seen.setdefault(p.channel, p.get_channel_display())
        return list(seen.values())


def petitioner_history(user, petitioner_id) -> History:
    """The petitioner with every petition of theirs the user may see; NotFound outside the scope."""
    person = petitioner_get(user, petitioner_id)  # 404 when no visible petition names them
    petitions = list(petitions_of(user, person.pk))
    if not petitions:  # only accusations outside the user's handling chain
        raise NotFound(_("信访人不存在。"))
    reps = set(PetitionPetitioner.objects.filter(petitioner=person, is_representative=True,
                                                 petition_id__in=[p.pk for p in petitions])
               .values_list("petition_id", flat=True))
    return History(person, petitions, reps)


# ---- matching at intake --------------------------------------------------------------------------


@dataclass
class Match:
    petitioner: Petitioner
    matched_by: str  # "id_number", "phone", "name"
    petitions: list[Petition]  # the latest ones
    total: int = 0
    open_total: int = 0

    @property
    def open_ids(self) -> set[int]:
        return {p.pk for p in self.petitions if p.status in OPEN_STATES}


def _clean_id(value: str) -> str:
    value = normalise_id_number(value)
    return value if is_valid_id_number(value) else ""


def _clean_phone(value: str) -> str:
    try:
        return validate_phone(value) if value else ""
    except ApplicationError:  # not (yet) a phone number
        return ""


def lookup_keys(*, id_number: str = "", phone: str = "", name: str = "") -> dict[str, str]:
    """The usable keys among what was typed: a valid ID number or phone, a name of 2+ characters."""
    name = normalise(name)[:64]
    return {"id_number": _clean_id(id_number), "phone": _clean_phone(phone),
            "name": name if len(name) >= 2 else ""}


def petitioner_matches(user, *, id_number: str = "", phone: str = "", name: str = "",
                       limit: int = 5, history: int = 10) -> list[Match]:
    """Earlier petitioners matching what the clerk typed, strongest key first: the ID number, then
    the phone, then the exact name (only when neither number is given: it may be a namesake).
    Only petitioners the user may know are returned, each with their latest petitions in scope."""
    keys = lookup_keys(id_number=id_number, phone=phone, name=name)
    candidates: list[tuple[str, QuerySet[Petitioner]]] = []
    if keys["id_number"]:
        candidates.append(("id_number", Petitioner.objects.filter(
            id_number_index=crypto.blind_index(keys["id_number"], "id"))))
    if keys["phone"]:
        candidates.append(("phone", Petitioner.objects.filter(
            phone_index=crypto.blind_index(keys["phone"], "phone"))))
    if keys["name"] and not candidates:
        candidates.append(("name", Petitioner.objects.filter(name=keys["name"])))
    known = petitions_known(user)
    out: list[Match] = []
    seen: set[int] = set()
    for how, qs in candidates:
        qs = qs.filter(Exists(known.filter(petitioner_links__petitioner=OuterRef("pk"))))
        for person in qs.order_by("-id")[:limit]:
            if person.pk in seen:
                continue
            seen.add(person.pk)
            theirs = petitions_of(user, person.pk)
            out.append(Match(person, how, list(theirs[:history]), theirs.count(),
                             theirs.filter(status__in=OPEN_STATES).count()))
    _audit_lookup(user, "intake", [k for k in ("id_number", "phone") if keys[k]], [m.petitioner.pk for m in out])
    return out[:limit]


def _audit_lookup(user, where: str, by: list[str], found: list[int]) -> None:
    """Every look-up by ID number or phone is audited: who, how, which petitioners matched (never the
    number that was typed)."""
    if by:
        audit_record(actor=user, action="petitioner.lookup", object_type="petitions.petitioner",
                     data={"where": where, "by": by, "found": found[:50]})


def petitioner_for_reuse(user, petitioner_id) -> Petitioner:
    """A petitioner whose stored phone and address the clerk may reuse at intake: one the user may
    know (a petition in scope names them, not only through an accusation outside the handling chain).
    NotFound otherwise, as for the 信访人 page."""
    try:
        pk = int(petitioner_id)
    except (TypeError, ValueError):
        raise NotFound(_("信访人不存在。")) from None
    if not petitions_known(user).filter(petitioner_links__petitioner_id=pk).exists():
        raise NotFound(_("信访人不存在。"))
    return Petitioner.objects.get(pk=pk)


# ---- the same petitioner's matters in the same category (查重, 不再受理) -------------------------

MATTERS_LIMIT = 20


def person_indexes(*, id_numbers=(), phones=()) -> tuple[set[str], set[str]]:
    """The blind indexes of the valid ID numbers and phones among those given (others are skipped)."""
    ids = {crypto.blind_index(v, "id") for v in map(_clean_id, id_numbers) if v}
    tels = {crypto.blind_index(v, "phone") for v in map(_clean_phone, phones) if v}
    return ids, tels


def _matters(qs: QuerySet[Petition], *, category: str, id_indexes, phone_indexes, petitioner_ids,
             statuses) -> list[Petition]:
    """Petitions of `qs` in `category` (a code) and `statuses` naming a petitioner who has one of
    the ID-number or phone blind indexes or one of the ids; newest first."""
    people = Q(pk__in=[])
    if id_indexes := [i for i in id_indexes if i]:
        people |= Q(id_number_index__in=id_indexes)
    if phone_indexes := [i for i in phone_indexes if i]:
        people |= Q(phone_index__in=phone_indexes)
    if petitioner_ids := [int(i) for i in petitioner_ids if i]:
        people |= Q(pk__in=petitioner_ids)
    if not category or not (id_indexes or phone_indexes or petitioner_ids):
        return []
    linked = PetitionPetitioner.objects.filter(petition=OuterRef("pk"),
                                               petitioner__in=Petitioner.objects.filter(people))
    return list(qs.filter(Exists(linked), category__code=category, status__in=list(statuses))
                .select_related("category", "receiving_unit", "handling_unit")
                .order_by("-received_at", "-id")[:MATTERS_LIMIT])


def open_matters(user, *, category: str, id_indexes=(), phone_indexes=(), petitioner_ids=()) -> list[Petition]:
    """The petitioner's petitions in the same category that are not yet 办结, among those the user
    may know: registering another one is a duplicate unless the clerk says why it is new."""
    return _matters(petitions_known(user), category=category, id_indexes=id_indexes,
                    phone_indexes=phone_indexes, petitioner_ids=petitioner_ids, statuses=OPEN_STATES)


def final_matters(*, category: str, id_indexes=(), phone_indexes=(), petitioner_ids=(),
                  user=None) -> list[Petition]:
    """The petitioner's matters in the same category that reached 复核终结 (status `final`): the
    same facts and reasons are not accepted again (S22 Art 36, 不再受理). With `user`, only those
    the user may know (intake); without, every one (for services that decide, never for display)."""
    qs = petitions_known(user) if user is not None else Petition.objects.all()
    return _matters(qs, category=category, id_indexes=id_indexes, phone_indexes=phone_indexes,
                    petitioner_ids=petitioner_ids, statuses=[Status.FINAL])


# ---- the 信访人 list -----------------------------------------------------------------------------

RECENT_PETITIONS = 500


def petitioner_search(user, q: str = "") -> tuple[str, QuerySet[Petitioner]]:
    """Petitioners the user may know, by ID number or phone (exact, blind index) or by name
    (contains); with no query those of the latest petitions. Returns (how the query was read, queryset)
    annotated with `n_petitions`, `n_open` and `last_received`."""
    known = petitions_known(user)
    q = normalise(q)[:64]
    people = Petitioner.objects.all()
    id_number = _clean_id(q)
    phone = "" if id_number else _clean_phone(normalise_phone(q))
    if id_number:
        how, people = "id_number", people.filter(id_number_index=crypto.blind_index(id_number, "id"))
    elif phone:
        how, people = "phone", people.filter(phone_index=crypto.blind_index(phone, "phone"))
    elif q:
        how, people = "name", people.filter(name__icontains=q)
    else:  # the people of the latest petitions: bounded, however large the tables grow
        latest = known.order_by("-received_at", "-id").values("pk")[:RECENT_PETITIONS]
        how, people = "recent", people.filter(
            pk__in=PetitionPetitioner.objects.filter(petition__in=latest).values("petitioner_id"))
    theirs = known.filter(petitioner_links__petitioner=OuterRef("pk"))
    people = people.filter(Exists(theirs)).annotate(
        last_received=Subquery(theirs.order_by("-received_at").values("received_at")[:1]),
        n_petitions=Subquery(_count(theirs)),
        n_open=Subquery(_count(theirs.filter(status__in=OPEN_STATES))),
    ).order_by("-last_received", "-id")
    if how in ("id_number", "phone"):
        _audit_lookup(user, "petitioners", [how], list(people.order_by().values_list("pk", flat=True)[:50]))
    return how, people


def _count(qs: QuerySet) -> QuerySet:
    """A one-value subquery counting `qs` (no GROUP BY: each row links a petitioner once)."""
    return qs.order_by().annotate(c=Func(F("pk"), function="COUNT")).values("c")


# ---- pickers -------------------------------------------------------------------------------------


def category_options() -> list[tuple[str, str]]:
    """(code, "一级 / 二级 / 三级") of every active category, in tree order."""
    cats = list(Category.objects.filter(is_active=True).order_by("path").values("pk", "code", "name", "parent_id"))
    by_pk = {c["pk"]: c for c in cats}
    out = []
    for c in cats:
        names, node = [], c
        while node is not None:
            names.append(node["name"])
            node = by_pk.get(node["parent_id"])
        out.append((c["code"], " / ".join(reversed(names))))
    return out


def category_code(value: str) -> str | None:
    """The code of a category typed as its code, its full name or (when unique) its own name."""
    value = normalise(value)
    if not value:
        return ""
    options = [(code, normalise(label)) for code, label in category_options()]
    for code, label in options:
        if value in (code, label):
            return code
    compact = value.replace(" ", "")
    for code, label in options:
        if compact == label.replace(" ", ""):
            return code
    by_name = [code for code, label in options if label.rsplit(" / ", 1)[-1] == value]
    return by_name[0] if len(by_name) == 1 else None


def _region_label(names: list[str]) -> str:
    return " / ".join(names)


def region_options(user, limit: int = 3000) -> list[tuple[str, str]]:
    """(code, "省 / 市 / 区 / 镇 / 村") of the regions around the user's units: their subtrees and
    the regions above them (a matter usually happens where it is brought)."""
    units = units_of(user)
    qs = Region.objects.all()
    if units and not is_global(user):
        q = Q(pk__in=[])
        ancestors: set[str] = set()
        for u in units:
            # the region of the unit's parent government covers its neighbours too
            base = u.region.path.strip("/").split("/")
            top = "/" + "/".join(base[:-1]) + "/" if len(base) > 1 else u.region.path
            q |= Q(path__startswith=top)
            ancestors.update(base)
        q |= Q(code__in=ancestors)
        qs = qs.filter(q)
    regions = list(qs.order_by("path").values("code", "name", "path")[:limit])
    names = {r["code"]: r["name"] for r in regions}
    missing = {c for r in regions for c in r["path"].strip("/").split("/")} - names.keys()
    if missing:
        names.update(dict(Region.objects.filter(code__in=missing).values_list("code", "name")))
    return [(r["code"], _region_label([names.get(c, c) for c in r["path"].strip("/").split("/")]))
            for r in regions]


def region_code(value: str) -> str | None:
    """The code of a region typed as its code or its full name ("示范省 / 示范市 / 东湖区")."""
    value = normalise(value)
    if not value:
        return ""
    if Region.objects.filter(code=value).exists():
        return value
    compact = value.replace(" ", "").replace("/", "")
    last = value.rsplit("/", 1)[-1].strip()
    named = list(Region.objects.filter(name=last).select_related("parent")[:50])
    for region in named:
        if region.full_name() == compact:
            return region.code
    if len(named) == 1 and named[0].name == compact:  # a bare name, when it is unambiguous
        return named[0].code
    return None


def unit_options(user, limit: int = 3000) -> list[tuple[str, str]]:
    """(code, name) of the units in the user's jurisdiction (any other unit can still be typed)."""
    return list(visible_units(user).order_by("path").values_list("code", "name")[:limit])


def unit_code(value: str) -> str | None:
    """The code of a unit typed as its code, its name or "名称（代码）"."""
    value = normalise(value)
    if not value:
        return ""
    if "(" in value and value.endswith(")"):  # "名称（代码）", full-width folded by normalise
        value = value[value.rindex("(") + 1:-1]
    found = Unit.objects.filter(Q(code=value) | Q(name=value)).values_list("code", flat=True)[:2]
    return found[0] if len(found) == 1 else None
