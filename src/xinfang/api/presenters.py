"""Turning petitions into API dictionaries (masked personal data, protected accusers)."""

from __future__ import annotations

from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import PetitionTexts, accuser_hidden, petition_texts, petitions_visible
from xinfang.workflow.choices import DeadlineKind
from xinfang.workflow.selectors import event_actor
from xinfang.workflow.services import allowed_actions


def _ref(obj):
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def petition_list_item(p: Petition, user, *, texts: PetitionTexts | None = None) -> dict:
    """A petition's row in lists; its title as `user` may see it (masked outside an accusation's
    handling chain, S22 Art 30)."""
    texts = texts or petition_texts(user, p)
    return {
        "id": p.pk, "number": p.number, "title": texts.title, "channel": p.channel, "status": p.status,
        "status_label": p.get_status_display(), "visit_kind": p.visit_kind, "headcount": p.headcount,
        "received_at": p.received_at, "receiving_unit": _ref(p.receiving_unit),
        "handling_unit": _ref(p.handling_unit), "category": _ref(p.category), "due_on": p.due_on,
        "warning_level": p.warning_level, "version": p.version,
    }


def petitioners_hidden(user, p: Petition) -> bool:
    """An accuser's identity is shown only inside the handling chain (S22 Art 30, DESIGN §5)."""
    return accuser_hidden(user, p)


def petition_detail(user, p: Petition) -> dict:
    hidden = petitioners_hidden(user, p)
    texts = petition_texts(user, p)
    people = [] if hidden else [
        {"id": link.petitioner.pk, "name": link.petitioner.masked_name,
         "id_number": link.petitioner.masked_id_number, "phone": link.petitioner.masked_phone,
         "address": link.petitioner.masked_address, "representative": link.is_representative}
        for link in p.petitioner_links.select_related("petitioner").order_by("position")]
    labels = dict(DeadlineKind.choices)
    deadlines = [{"kind": d.kind, "label": str(labels.get(d.kind, d.kind)), "start": d.start, "due": d.due,
                  "working_days": d.working_days, "provisional": d.provisional, "met_at": d.met_at,
                  "open": d.is_open}
                 for d in p.deadlines.exclude(cancelled=True).order_by("start", "id")]
    data = petition_list_item(p, user, texts=texts)
    data.update({
        "content": texts.content, "demands": texts.demands, "nature": p.nature, "demand_type": p.demand_type,
        "problem_region": _ref(p.problem_region), "accused_unit": _ref(p.accused_unit),
        "accused_person": p.accused_person, "is_first": p.is_first,
        # the origin of a repeat only when the caller may see it (no number from outside the jurisdiction)
        "repeat_of": p.repeat_of.number if p.repeat_of_id and petitions_visible(user).filter(
            pk=p.repeat_of_id).exists() else None,
        "merged_into": p.merged_into.number if p.merged_into_id else None,
        "is_escalated": p.is_escalated, "is_litigation": p.is_litigation, "is_urgent": p.is_urgent,
        "is_anonymous": p.is_anonymous, "handler": p.handler.username if p.handler_id else None,
        "first_contact": p.first_contact.username if p.first_contact_id else None,  # 首问负责人
        "review_unit": _ref(p.review_unit), "petitioners": people, "petitioners_hidden": hidden,
        "deadlines": deadlines, "due_kind": p.due_kind, "due_provisional": p.due_provisional,
        "accepted_at": p.accepted_at, "replied_at": p.replied_at, "closed_at": p.closed_at,
        "allowed_actions": allowed_actions(user, p) if user is not None else [],
    })
    return data


def event_item(e, texts: PetitionTexts) -> dict:
    """A timeline event; its note and data as the user of `texts` (`petition_texts`) may see them."""
    e = texts.event(e)
    return {"id": e.pk, "action": e.action, "label": e.label,
            "from_status": e.from_status, "to_status": e.to_status, "actor": event_actor(e),
            "unit": e.unit.name if e.unit_id else None, "at": e.at, "note": e.note, "data": e.data}
