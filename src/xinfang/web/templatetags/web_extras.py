from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """`{{ values|get:name }}`: a value from a dict or QueryDict, '' when absent."""
    if not mapping:
        return ""
    try:
        return mapping.get(key, "") or ""
    except AttributeError:
        return ""
