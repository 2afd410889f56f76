"""A petition's free texts in any template, as the requesting user may see them: outside an
accusation's handling chain the identifiers typed into them are masked (S22 Art 30, DESIGN §5).

    {% load petition_text %}
    {% petition_title p %}    {% petition_text p "content" %}

Both go through `petitions.selectors.petition_texts`, the one rule every path uses.
"""

from django import template

from xinfang.petitions.selectors import petition_texts

register = template.Library()

FIELDS = ("title", "content", "demands")


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None) if request is not None else context.get("user")


@register.simple_tag(takes_context=True)
def petition_text(context, petition, field: str = "title") -> str:
    """One of the petition's texts (title, content, demands) as the user may see it (auto-escaped)."""
    if field not in FIELDS:
        raise template.TemplateSyntaxError(f"petition_text: no text named {field!r}")
    return getattr(petition_texts(_user(context), petition), field) or ""


@register.simple_tag(takes_context=True)
def petition_title(context, petition) -> str:
    return petition_text(context, petition, "title")
