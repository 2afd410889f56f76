"""Reading the timeline, with staff shown by their names rather than their login names."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from .models import PetitionEvent


def staff_name(user) -> str:
    """How staff are named on timelines, exports and documents: the name in their staff profile,
    else the account's name (姓 then 名, run together for Chinese: 王强; "First Last" for Latin
    letters), else the login name. "" for no user."""
    if user is None:
        return ""
    try:
        full = (user.staff_profile.full_name or "").strip()
    except (AttributeError, ObjectDoesNotExist):  # no profile (or not a user model)
        full = ""
    if full:
        return full
    last, first = (getattr(user, "last_name", "") or "").strip(), (getattr(user, "first_name", "") or "").strip()
    if last or first:
        if (last + first).isascii():
            return f"{first} {last}".strip()
        return last + first
    return getattr(user, "username", "") or ""


def event_actor(event) -> str:
    """Who made a timeline entry, by name (`staff_name`): the stored login name when the account is
    gone, "" for the system's own entries (automatic 办结)."""
    shown = getattr(event, "actor_display", None)
    if shown is not None:
        return shown
    return staff_name(event.actor) if event.actor_id else event.actor_name


def petition_events(petition) -> list[PetitionEvent]:
    """The petition's timeline, oldest first; each event carries `actor_display` (`event_actor`)."""
    events = list(PetitionEvent.objects.filter(petition=petition)
                  .select_related("unit", "actor__staff_profile").order_by("at", "id"))
    for e in events:
        e.actor_display = staff_name(e.actor) if e.actor_id else e.actor_name
    return events
