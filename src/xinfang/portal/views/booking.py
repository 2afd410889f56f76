"""Booking a 领导接待日 slot on the portal (no account) and the confirmation that shows the 预约号 once.
Rate limits per address and per phone (throttle scopes book_address / book_phone, per 24 hours); a
honeypot field; CSRF by the middleware. A slot of an unpublished day answers 404."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from xinfang.common.errors import ApplicationError, NotFound
from xinfang.oversight.leadership import services
from xinfang.oversight.leadership.selectors import reception_booking_public_get

from .. import throttle
from ..selectors.reception import slot_free, slot_get, slot_started

SESSION_KEY = "portal_booking"
DAY_MINUTES = 24 * 60
FIELDS = ("name", "phone", "summary")
HONEYPOT = "website"


def _slot(slot_id):
    try:
        return slot_get(slot_id)
    except NotFound:
        raise Http404 from None


def _closed(slot) -> ApplicationError | None:
    """Why the slot cannot be booked now (shown instead of the form), or None."""
    if slot_started(slot.day, slot):
        return ApplicationError(_("该时段已过，不能预约。请选择其他接待日。"), "conflict", "slot")
    if slot_free(slot) <= 0:
        return ApplicationError(_("该时段已约满。请选择其他时段。"), "conflict", "slot")
    return None


def _form(request, slot, values: dict, error: ApplicationError | None = None, status: int = 200):
    return render(request, "portal/book.html", {
        "active": "home", "slot": slot, "day": slot.day, "free": slot_free(slot), "closed": _closed(slot),
        "values": values, "error": error}, status=status)


def _phone_key(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def _over_limit(address: str, phone: str) -> bool:
    return (throttle.over("book_address", address, throttle.conf("BOOK_ADDRESS_DAY"), minutes=DAY_MINUTES)
            or throttle.over("book_phone", _phone_key(phone), throttle.conf("BOOK_PHONE_DAY"), minutes=DAY_MINUTES))


@never_cache
@require_http_methods(["GET", "POST"])
def book(request, slot_id):
    slot = _slot(slot_id)
    if request.method == "GET":
        return _form(request, slot, {})
    values = {k: request.POST.get(k, "") for k in FIELDS}
    address = throttle.client_address(request)
    if request.POST.get(HONEYPOT):
        throttle.attempt_add("book_address", address)
        return _form(request, slot, values, ApplicationError(_("提交未成功，请刷新页面后重试。"), "bad_request"), 400)
    if _over_limit(address, values["phone"]):
        return _form(request, slot, values, ApplicationError(
            _("今天的预约次数已达上限，请明天再试，或拨打来访咨询电话预约。"), "conflict"), 429)
    try:
        booking = services.reception_booking_public_create(slot=slot.pk, **values)
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        return _form(request, _slot(slot.pk), values, exc, exc.status)
    throttle.attempt_add("book_address", address)
    throttle.attempt_add("book_phone", _phone_key(values["phone"]))
    request.session[SESSION_KEY] = booking.pk
    return redirect("portal:booked")


@never_cache
@require_GET
def booked(request):
    """The 预约号, once: the session holds the new booking until this page shows it."""
    booking = reception_booking_public_get(request.session.pop(SESSION_KEY, None))
    return render(request, "portal/booked.html", {"active": "home", "booking": booking})
