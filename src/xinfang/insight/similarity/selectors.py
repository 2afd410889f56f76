"""Repeat and duplicate candidates of a petition or of an intake being typed (DESIGN §7, issue 12).

- **repeat** (同人同事): an earlier petition of the same petitioner (the same petitioner record, or one
  with the same ID number or phone through their blind indexes, or the same name with the same
  problem region) whose matter score reaches REPEAT_THRESHOLD;
- **duplicate** (同事异人, 联名/并案): an open petition of other people whose matter score reaches
  DUPLICATE_THRESHOLD, found through the LSH band index (index.py);
- **final**: a repeat candidate that reached 复核终结 (or whose own earlier matter did): the intake
  should consider 不再受理.

Only petitions the user may see are candidates (`petitions_visible`); an accusation whose accuser is
hidden from the user (outside its handling chain, S22 Art 30) has no candidates, and is never a
candidate, so nothing links an accuser to another petition for them.

Cost: a bounded number of indexed reads (the person's petitions by indexed columns, BAND_LIMIT rows per
LSH band), the stored signatures of those, then the precise score of the SCORED_LIMIT best only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _

from xinfang.common import crypto
from xinfang.common.text import normalise
from xinfang.common.validators import normalise_id_number, normalise_phone
from xinfang.petitions.choices import OPEN_STATES, Status
from xinfang.petitions.models import Petition, PetitionPetitioner
from xinfang.petitions.selectors import accuser_hidden, petition_get, petitions_visible

from . import conf
from .index import band_candidates, signature_of, signatures
from .models import Decision, SimilarDecision
from .text import Doc, estimated_jaccard, matter_score

MIN_ESTIMATE = 0.1  # estimated Jaccard below which a stored petition is not worth a precise score


@dataclass
class Intake:
    """What is known of a petition: its text, its petitioners' identifiers and its problem region."""

    title: str = ""
    content: str = ""
    petitioner_ids: tuple[int, ...] = ()
    id_number_indexes: tuple[str, ...] = ()
    phone_indexes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    problem_region_id: int | None = None
    petition_id: int | None = None  # a stored petition: itself excluded, repeats only from before it
    received_at: dt.datetime | None = None

    @classmethod
    def of_petition(cls, petition: Petition) -> Intake:
        people = list(PetitionPetitioner.objects.filter(petition=petition).values_list(
            "petitioner_id", "petitioner__id_number_index", "petitioner__phone_index", "petitioner__name"))
        return cls(title=petition.title, content=petition.content,
                   petitioner_ids=tuple(p[0] for p in people),
                   id_number_indexes=tuple(p[1] for p in people if p[1]),
                   phone_indexes=tuple(p[2] for p in people if p[2]),
                   names=tuple(p[3] for p in people if p[3]),
                   problem_region_id=petition.problem_region_id, petition_id=petition.pk,
                   received_at=petition.received_at)

    @classmethod
    def of_input(cls, *, title: str = "", content: str = "", petitioners=(), problem_region_id=None) -> Intake:
        """From an unsaved intake: `petitioners` are objects with name, id_number and phone (e.g.
        petitions.services.PetitionerInput); their identifiers are only hashed, never kept."""
        ids, phones, names = [], [], []
        for p in petitioners:  # normalised as petitions.services.petitioner_upsert stores them
            id_number = normalise_id_number(getattr(p, "id_number", "") or "")
            phone = normalise_phone(getattr(p, "phone", "") or "")
            name = normalise(getattr(p, "name", "") or "")
            if id_number:
                ids.append(crypto.blind_index(id_number, "id"))
            if phone:
                phones.append(crypto.blind_index(phone, "phone"))
            if name:
                names.append(name)
        return cls(title=title, content=content, id_number_indexes=tuple(ids), phone_indexes=tuple(phones),
                   names=tuple(names), problem_region_id=problem_region_id)


@dataclass
class Candidate:
    petition: Petition
    kind: str  # "repeat" | "duplicate"
    score: float
    reasons: list[str]
    above: bool  # at or above the kind's decision threshold
    final: bool = False  # a repeat of a matter ended by 复核
    decision: str | None = None  # "confirmed" | "rejected" | None

    @property
    def petition_id(self) -> int:
        return self.petition.pk


@dataclass
class Check:
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def final(self) -> Candidate | None:
        """The matter already ended by 复核 that this one repeats (不再受理 to consider), if any."""
        return next((c for c in self.candidates if c.final and c.above and c.decision != Decision.REJECTED), None)


def _same_person(intake: Intake) -> dict[int, str]:
    """Petition id -> why its petitioner is the intake's (the strongest reason), latest first, bounded.

    Indexed reads only, merged here: the petitioners by blind index (ID number, phone), then their
    petitions through the link table's petitioner index; the same name in the same problem region
    through the name index. (One query OR-ing these across the joined tables made SQLite walk every
    petition: its cost grew with the archive.)"""
    from xinfang.petitions.models import Petitioner

    limit = int(conf.get("SAME_PERSON_LIMIT"))
    why_person: dict[int, str] = {pk: "record" for pk in intake.petitioner_ids}
    for column, values, why in (("phone_index", intake.phone_indexes, "phone"),
                                ("id_number_index", intake.id_number_indexes, "id")):
        values = [v for v in values if v]
        if values:
            for pk in Petitioner.objects.filter(**{f"{column}__in": values}).values_list("pk", flat=True)[:limit]:
                why_person[pk] = why  # id outranks phone outranks record: assigned last
    rank = {"id": 0, "phone": 1, "record": 2, "name": 3}

    def links(qs):
        if intake.petition_id:
            qs = qs.exclude(petition_id=intake.petition_id)
        if intake.received_at:
            qs = qs.filter(petition__received_at__lte=intake.received_at)
        return qs.order_by("-petition_id").values_list("petition_id", "petitioner_id")[:limit]

    found: dict[int, str] = {}
    if why_person:
        for pid, person in links(PetitionPetitioner.objects.filter(petitioner_id__in=list(why_person))):
            why = why_person[person]
            if pid not in found or rank[why] < rank[found[pid]]:
                found[pid] = why
    if intake.names and intake.problem_region_id:
        namesakes = list(Petitioner.objects.filter(name__in=list(intake.names)).values_list("pk", flat=True)[:limit * 10])
        if namesakes:
            for pid, _person in links(PetitionPetitioner.objects.filter(
                    petitioner_id__in=namesakes, petition__problem_region_id=intake.problem_region_id)):
                found.setdefault(pid, "name")
    latest = sorted(found, reverse=True)[:limit]
    return {pid: found[pid] for pid in latest}


def _identity_reason(why: str) -> str:
    return {"id": _("同一信访人（身份证号一致）"), "phone": _("同一信访人（手机号一致）"),
            "record": _("同一信访人"), "name": _("同名信访人且问题属地相同")}[why]


def _best(stored: dict[int, np.ndarray], sig: np.ndarray, limit: int) -> list[int]:
    """The `limit` ids whose stored signatures are closest to `sig` (estimated Jaccard), closest first."""
    scored = sorted(((estimated_jaccard(sig, s), pk) for pk, s in stored.items()), reverse=True)
    return [pk for est, pk in scored[:limit] if est >= MIN_ESTIMATE]


def _text_reasons(match, same_region: bool) -> list[str]:
    pct = round(match.score * 100)
    if match.score >= 0.8:
        out = [_("内容高度相似（%(p)d%%）") % {"p": pct}]
    else:
        out = [_("内容相似（%(p)d%%）") % {"p": pct}]
    if match.containment >= 0.8 and match.jaccard < 0.6:
        out.append(_("一件的内容大部分包含在另一件中"))
    if same_region:
        out.append(_("同一问题属地"))
    places = [e for e in match.shared if not e[0].isdigit()]
    if places:
        out.append(_("涉及相同地点或对象：%(names)s") % {"names": "、".join(places)})
    if match.conflict:
        out.append(_("所涉地点或对象不同"))
    return out


def similar_check(user, intake: Intake, *, include_all: bool = False) -> Check:
    """The candidates of `intake` that `user` may see: those at or above their kind's threshold, and
    with `include_all` also those above the FLOOR; best first."""
    doc = Doc(intake.title, intake.content)
    if not doc.grams:
        return Check()
    sig = signature_of(doc)
    limit = int(conf.get("SCORED_LIMIT"))
    people = _same_person(intake)
    dup_pool = [pk for pk in band_candidates(sig, exclude=intake.petition_id, limit=limit * 4) if pk not in people]
    stored = signatures([*people, *dup_pool])  # one read for both kinds
    repeat_ids = _best({pk: stored[pk] for pk in people if pk in stored}, sig, limit)
    dup_ids = _best({pk: stored[pk] for pk in dup_pool if pk in stored}, sig, limit)
    if not repeat_ids and not dup_ids:
        return Check()
    visible = petitions_visible(user)
    found = (visible.filter(pk__in=[*repeat_ids, *dup_ids]).select_related("repeat_of")
             .only("pk", "number", "title", "content", "status", "nature", "problem_region_id", "received_at",
                   "receiving_unit_id", "handling_unit_id", "review_unit_id", "repeat_of__status"))
    order = {pk: i for i, pk in enumerate([*repeat_ids, *dup_ids])}
    rows, dups = {}, 0
    for p in sorted(found, key=lambda p: order[p.pk]):
        if p.pk in people:
            rows[p.pk] = p
        elif p.status in OPEN_STATES and dups < max(1, limit // 2):  # duplicates: open matters only
            rows[p.pk] = p
            dups += 1
    decisions = {}
    if intake.petition_id:
        decisions = {(d.candidate_id, d.kind): d.decision for d in
                     SimilarDecision.objects.filter(petition_id=intake.petition_id, candidate_id__in=list(rows))}
    floor = float(conf.get("FLOOR"))
    out = []
    for pk, p in rows.items():
        if accuser_hidden(user, p):
            continue
        kind = "repeat" if pk in people else "duplicate"
        match = matter_score(doc, Doc(p.title, p.content))
        decision = decisions.get((pk, kind))
        if match.score < floor and decision != Decision.CONFIRMED:
            continue
        above = match.score >= conf.threshold(kind)
        same_region = bool(intake.problem_region_id) and p.problem_region_id == intake.problem_region_id
        reasons = ([_identity_reason(people[pk])] if kind == "repeat" else []) + _text_reasons(match, same_region)
        final = kind == "repeat" and (p.status == Status.FINAL or bool(p.repeat_of_id and p.repeat_of.status == Status.FINAL))
        if final:
            reasons.append(_("该事项已复核终结，同一事项不再受理"))
        if kind == "duplicate":
            reasons.append(_("他人反映的在办事项（可联名/并案）"))
        if decision == Decision.CONFIRMED:
            reasons.append(_("已确认"))
            above = True
        elif decision == Decision.REJECTED:
            reasons.append(_("已排除"))
            above = False
        if not above and not include_all:
            continue
        out.append(Candidate(p, kind, round(match.score, 4), reasons, above, final, decision))
    out.sort(key=lambda c: (not c.above, c.kind != "repeat", -c.score, -c.petition.pk))
    return Check(out)


def petition_similar(user, petition_id, *, include_all: bool = False) -> Check:
    """The candidates of a stored petition (404 outside the user's jurisdiction). An accusation whose
    accuser is hidden from the user has none."""
    petition = petition_get(user, petition_id)
    if accuser_hidden(user, petition):
        return Check()
    return similar_check(user, Intake.of_petition(petition), include_all=include_all)
