"""`p|repeat_origin:user`: the petition `p` repeats, when `user` may see it; None otherwise, so that a
page never names (number, link) a petition outside the user's jurisdiction (issue 9, finding 12)."""

from django import template

from xinfang.petitions.selectors import petitions_visible

register = template.Library()


@register.filter
def repeat_origin(p, user):
    if p is None or not getattr(p, "repeat_of_id", None) or user is None:
        return None
    if not petitions_visible(user).filter(pk=p.repeat_of_id).exists():
        return None
    return p.repeat_of
