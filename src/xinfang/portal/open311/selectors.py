"""Reads of Open311: services from the categories, requests (only petitions that arrived through Open311),
each shown without any petitioner identity."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.common.text import has_bad_characters
from xinfang.petitions.choices import CLOSED_STATES, Nature, Status
from xinfang.petitions.models import Category, Petition
from xinfang.petitions.selectors import PetitionTexts, petitioner_names

from .models import Open311Request

MAX_SPAN = dt.timedelta(days=90)
PAGE_SIZE, MAX_PAGE_SIZE = 50, 500
MAX_IDS = 100


def services() -> list[dict]:
    cats = list(Category.objects.filter(is_active=True).order_by("path"))
    names = {c.pk: c.name for c in Category.objects.all()}
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    tops = dict(Category.objects.filter(level=1).values_list("code", "name"))
    out = []
    for c in cats:
        chain, node = [], c.pk
        while node is not None and len(chain) < 10:
            chain.append(names.get(node, ""))
            node = parents.get(node)
        out.append({"service_code": c.code, "service_name": c.name, "description": " / ".join(reversed(chain)),
                    "metadata": True, "type": "realtime", "keywords": "",
                    "group": tops.get(c.path.strip("/").split("/")[0], "")})
    return out


def service_get(code: str) -> Category:
    cat = (Category.objects.filter(code=code, is_active=True).first()
           if len(code) <= 16 and not has_bad_characters(code) else None)
    if cat is None:
        raise ApplicationError(_("服务不存在。"), "not_found", "service_code")
    return cat


def service_definition(cat: Category) -> dict:
    return {"service_code": cat.code, "attributes": [
        {"variable": True, "code": "nature", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "", "order": 1, "description": _("性质"),
         "values": [{"key": n.value, "name": str(n.label)} for n in (Nature.APPEAL, Nature.SUGGESTION)]},
        {"variable": True, "code": "demands", "datatype": "text", "required": False,
         "datatype_description": _("诉求：希望如何解决"), "order": 2, "description": _("诉求"), "values": []},
    ]}


def _w3c(value: dt.datetime | None) -> str:
    return timezone.localtime(value).replace(microsecond=0).isoformat() if value else ""


def _expected(p: Petition) -> str:
    if p.due_on is None or p.status in CLOSED_STATES:
        return ""
    end = dt.datetime.combine(p.due_on, dt.time(23, 59, 59))
    return _w3c(timezone.make_aware(end))


def _masked_title(p: Petition) -> str:
    """The title (the start of the description the app sent) with ID numbers, phone numbers and the
    petitioners' names masked, as outside an accusation's handling chain (`petitions.selectors`)."""
    return PetitionTexts(p, masked=True, names=petitioner_names(p)).title


def request_view(p: Petition) -> dict:
    """One request as the specification lists its fields; no petitioner identity, no location (the
    place can be a home: kept on the petition for the staff), an accusation's description left out."""
    closed = p.status in CLOSED_STATES
    unit = p.handling_unit or p.receiving_unit
    return {
        "service_request_id": p.number,
        "status": "closed" if closed else "open",
        "status_notes": str(Status(p.status).label),
        "service_name": p.category.name if p.category_id else "",
        "service_code": p.category.code if p.category_id else "",
        "description": "" if p.nature == Nature.ACCUSATION else _masked_title(p),
        "agency_responsible": unit.name if unit else "",
        "service_notice": "",
        "requested_datetime": _w3c(p.received_at),
        "updated_datetime": _w3c(p.updated_at),
        "expected_datetime": _expected(p),
        "address": "", "address_id": "", "zipcode": "", "lat": "", "long": "", "media_url": "",
    }


def _open311_petitions():
    return (Petition.objects.filter(open311__isnull=False)
            .select_related("category", "handling_unit", "receiving_unit")
            .prefetch_related("petitioner_links__petitioner").order_by("-received_at", "-id"))


def request_get(request_id: str) -> Petition:
    p = (_open311_petitions().filter(number=request_id).first()
         if len(request_id) <= 48 and not has_bad_characters(request_id) else None)
    if p is None:
        raise ApplicationError(_("请求不存在。"), "not_found", "service_request_id")
    return p


def token_get(token: str) -> Open311Request:
    row = (Open311Request.objects.select_related("petition").filter(token=token).first()
           if len(token) <= 64 and not has_bad_characters(token) else None)
    if row is None:
        raise ApplicationError(_("令牌不存在。"), "not_found", "token")
    return row


def _when(value: str, field: str) -> dt.datetime:
    parsed = None
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            parsed = dt.datetime.combine(day, dt.time()) if day else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.year < 1900:
        raise ApplicationError(_("%(f)s不是有效的W3C日期时间。") % {"f": field}, "bad_request", field)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _int(value: str, field: str, default: int, high: int) -> int:
    if not value:
        return default
    if not value.isdigit() or len(value) > 9 or not 1 <= int(value) <= high:
        raise ApplicationError(_("%(f)s应为1到%(n)d之间的整数。") % {"f": field, "n": high}, "bad_request", field)
    return int(value)


def requests_list(params) -> list[Petition]:
    """GET requests: `service_request_id` (comma list; overrides the rest), `service_code` (comma list),
    `start_date`/`end_date` (at most 90 days apart; default the last 90 days), `status` (open, closed;
    comma list), `page`/`page_size`."""
    for name in ("service_request_id", "service_code", "start_date", "end_date", "status", "page", "page_size"):
        value = params.get(name, "")
        if len(value) > 10_000 or has_bad_characters(value):
            raise ApplicationError(_("%(f)s过长或含有无法处理的字符。") % {"f": name}, "bad_request", name)
    page = _int(params.get("page", ""), "page", 1, 1_000_000)
    size = _int(params.get("page_size", ""), "page_size", PAGE_SIZE, MAX_PAGE_SIZE)
    qs = _open311_petitions()
    ids = [s.strip() for s in params.get("service_request_id", "").split(",") if s.strip()]
    if ids:
        if len(ids) > MAX_IDS:
            raise ApplicationError(_("service_request_id最多%(n)d个。") % {"n": MAX_IDS}, "bad_request",
                                   "service_request_id")
        qs = qs.filter(number__in=ids)
    else:
        codes = [s.strip() for s in params.get("service_code", "").split(",") if s.strip()]
        if codes:
            qs = qs.filter(category__code__in=codes[:MAX_IDS])
        start = _when(params["start_date"], "start_date") if params.get("start_date") else None
        end = _when(params["end_date"], "end_date") if params.get("end_date") else None
        if start and end and (end < start or end - start > MAX_SPAN):
            raise ApplicationError(_("start_date与end_date之间不能超过90天，且end_date不能早于start_date。"),
                                   "bad_request", "end_date")
        if start is None and end is None:
            end = timezone.now()
        if start is None:
            start = end - MAX_SPAN
        if end is None:
            end = start + MAX_SPAN
        qs = qs.filter(received_at__gte=start, received_at__lte=end)
        statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise ApplicationError(_("status只能是open或closed。"), "bad_request", "status")
        if statuses == {"open"}:
            qs = qs.exclude(status__in=CLOSED_STATES)
        elif statuses == {"closed"}:
            qs = qs.filter(status__in=CLOSED_STATES)
    return list(qs[(page - 1) * size: page * size])
