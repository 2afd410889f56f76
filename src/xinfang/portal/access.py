"""Who may see a case on the portal: whoever gives its number and query code (POSTed, never in a URL).

`petition_track(number, code, address)` answers the petition, or one refusal that is the same for a
wrong number and a wrong code. The code is checked by comparing keyed hashes in constant time, and a
hash is computed and compared for an unknown number too, so the time taken does not tell whether a
number exists. After TRACK_NUMBER_LIMIT wrong codes for one number within LOCK_MINUTES that number is
locked (counted per number string, existing or not: the lock answer is the same), and after
TRACK_ADDRESS_LIMIT wrong pairs from one address, that address is. A proven case is remembered in the
session (`session_grant`) for SESSION_MINUTES, so the pages after it carry no code either.
"""

from __future__ import annotations

import hmac
import time

from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError
from xinfang.common.text import has_bad_characters
from xinfang.petitions.models import Petition
from xinfang.petitions.services import query_code_hash

from . import throttle

SESSION_KEY = "xinfang_portal_cases"  # petition id (str) -> expiry (epoch seconds)
SESSION_MINUTES = 30
MAX_NUMBER, MAX_CODE = 40, 16
_DUMMY = "0" * 64


def _normalise(number: str, code: str) -> tuple[str, str]:
    number = (number or "").strip().upper()[:MAX_NUMBER + 1]
    code = "".join((code or "").split()).upper()[:MAX_CODE + 1]
    return number, code


def wrong_message() -> str:
    return _("信访件编号或查询码不正确，请核对后重新输入。")


def locked_message() -> str:
    return _("查询尝试次数过多，已暂停查询%(n)d分钟。如遗忘查询码，请携带身份证件到信访接待窗口重新获取。") % {
        "n": throttle.conf("LOCK_MINUTES")}


def petition_track(*, number: str, code: str, address: str = "") -> Petition:
    """The petition whose number and query code these are; ApplicationError otherwise ("not_found" for a
    wrong pair, whichever part is wrong; "locked" for a locked number or address; "invalid" for a
    missing field)."""
    number, code = _normalise(number, code)
    if not number:
        raise ApplicationError(_("请填写信访件编号。"), "invalid", "number")
    if not code:
        raise ApplicationError(_("请填写查询码。"), "invalid", "code")
    minutes = throttle.conf("LOCK_MINUTES")
    if (throttle.over("track_number", number, throttle.conf("TRACK_NUMBER_LIMIT"), minutes=minutes)
            or throttle.over("track_address", address, throttle.conf("TRACK_ADDRESS_LIMIT"), minutes=minutes)):
        raise ApplicationError(locked_message(), "locked", "code")
    well_formed = (len(number) <= MAX_NUMBER and len(code) <= MAX_CODE and not has_bad_characters(number + code))
    petition = Petition.objects.filter(number=number).first() if well_formed else None
    given = query_code_hash(number, code)
    stored = petition.query_code_hash if petition is not None and petition.query_code_hash else _DUMMY
    if hmac.compare_digest(given.encode(), stored.encode()) and petition is not None:
        return petition
    throttle.attempt_add("track_number", number)
    throttle.attempt_add("track_address", address)
    raise ApplicationError(wrong_message(), "not_found", "code")


def session_grant(request, petition: Petition) -> None:
    cases = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if v > time.time()}
    cases[str(petition.pk)] = time.time() + SESSION_MINUTES * 60
    request.session[SESSION_KEY] = dict(list(cases.items())[-5:])
    request.session.cycle_key()


def session_forget(request) -> None:
    request.session.pop(SESSION_KEY, None)


def session_petition(request, petition_id=None) -> Petition | None:
    """The case this session proved (the most recent one, or `petition_id` if it is among them); None
    when none is held or it expired."""
    cases = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if v > time.time()}
    if not cases:
        return None
    key = str(petition_id) if petition_id is not None else list(cases)[-1]
    if key not in cases:
        return None
    return (Petition.objects.select_related("receiving_unit", "handling_unit", "review_unit", "category")
            .filter(pk=int(key)).first())
