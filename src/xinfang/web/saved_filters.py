"""常用查询: a user's saved search filters (writes and reads; each user sees only their own)."""

from __future__ import annotations

from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError, NotFound
from xinfang.common.text import normalise

from .models import SavedFilter
from .search_forms import search_params

MAX_PER_USER = 50


def saved_filters_of(user) -> list[SavedFilter]:
    return list(SavedFilter.objects.filter(user=user).order_by("name"))


def saved_filter_save(*, user, name: str, query: str) -> SavedFilter:
    """Save (or overwrite, by name) the search `query` (a URL query string) under `name`."""
    name = normalise(name)
    if not name:
        raise ApplicationError(_("请填写常用查询的名称。"), "invalid", "name")
    if len(name) > 64:
        raise ApplicationError(_("名称不能超过64个字。"), "invalid", "name")
    clean = search_params(QueryDict(query or "")).urlencode()
    if not clean:
        raise ApplicationError(_("当前没有查询条件，无需保存。"), "invalid", "query")
    if len(clean) > 2000:
        raise ApplicationError(_("查询条件过长。"), "invalid", "query")
    with transaction.atomic():
        found = SavedFilter.objects.select_for_update().filter(user=user, name=name).first()
        if found is None:
            if SavedFilter.objects.filter(user=user).count() >= MAX_PER_USER:
                raise ApplicationError(_("常用查询最多保存%(n)d条，请先删除不用的。") % {"n": MAX_PER_USER},
                                       "invalid", "name")
            return SavedFilter.objects.create(user=user, name=name, query=clean)
        found.query = clean
        found.save(update_fields=["query"])
        return found


def saved_filter_delete(*, user, filter_id) -> None:
    try:
        pk = int(filter_id)
    except (TypeError, ValueError):
        raise NotFound(_("常用查询不存在。")) from None
    deleted, _rows = SavedFilter.objects.filter(user=user, pk=pk).delete()
    if not deleted:
        raise NotFound(_("常用查询不存在。"))
