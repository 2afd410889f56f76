"""Writes of Open311: API keys (create, revoke) and POSTed service requests (each becomes a petition of
the 网上信访 channel, registered at the key's unit by the system account `open311`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.common.errors import ApplicationError
from xinfang.common.text import clean, has_bad_characters, mask_identifiers
from xinfang.org.models import Unit
from xinfang.org.services import system_account
from xinfang.petitions.choices import Channel, Nature
from xinfang.petitions.services import PetitionerInput
from xinfang.workflow.services import petition_register

from .models import ApiKey, Open311Request

SYSTEM_ACCOUNT = "open311"
NATURES = (Nature.APPEAL, Nature.SUGGESTION)  # an accusation is never filed anonymously by an app
MAX_FIELD = 5000  # any single form field other than the description (characters)
MAX_DESCRIPTION = 5000


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open311_account(unit: Unit):
    """The account that registers Open311 requests: no usable password, a 登记 (clerk) post at `unit`."""
    return system_account(SYSTEM_ACCOUNT, unit, "Open311")


def api_key_create(*, name: str, unit_code: str) -> tuple[ApiKey, str]:
    """A new key (returned once, stored hashed) for the app `name`, registering at unit `unit_code`."""
    name = clean(name)
    if not name or len(name) > 64 or has_bad_characters(name):
        raise ApplicationError(_("请填写密钥名称（不超过64个字）。"), "invalid", "name")
    unit = Unit.objects.filter(code=unit_code, is_active=True).first()
    if unit is None:
        raise ApplicationError(_("单位不存在：%(code)s") % {"code": unit_code}, "invalid", "unit")
    key = "o311_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        account = open311_account(unit)
        row = ApiKey.objects.create(name=name, prefix=key[:10], key_hash=key_hash(key), unit=unit, account=account)
        audit_record(actor=None, action="open311.key_create", obj=row, data={"name": name, "unit": unit.code})
    return row, key


def api_key_revoke(*, key_id: int) -> ApiKey:
    with transaction.atomic():
        row = ApiKey.objects.select_for_update().filter(pk=key_id).first()
        if row is None:
            raise ApplicationError(_("密钥不存在。"), "not_found")
        if not row.revoked:
            row.revoked, row.revoked_at = True, timezone.now()
            row.save(update_fields=["revoked", "revoked_at"])
            audit_record(actor=None, action="open311.key_revoke", obj=row, data={"name": row.name})
    return row


def api_key_check(key: str) -> ApiKey | None:
    """The live key, or None for a missing, unknown or revoked one."""
    if not key or len(key) > 200 or has_bad_characters(key):
        return None
    row = ApiKey.objects.select_related("unit", "account").filter(key_hash=key_hash(key), revoked=False).first()
    if row is None or not row.account.is_active:
        return None
    return row


def _rate_check(key: ApiKey, address: str, now: dt.datetime) -> None:
    conf = getattr(settings, "XINFANG_OPEN311", {})
    per_key, per_address = int(conf.get("PER_KEY_HOUR", 120)), int(conf.get("PER_ADDRESS_HOUR", 20))
    since = now - dt.timedelta(hours=1)
    recent = Open311Request.objects.filter(created_at__gte=since)
    if recent.filter(key=key).count() >= per_key or (
            address and recent.filter(address_ip=address).count() >= per_address):
        raise ApplicationError(_("提交过于频繁，请稍后再试。"), "rate_limited")


def request_submit(*, key: ApiKey, form: dict, address: str = "") -> Open311Request:
    """POST requests: validate the form (per GeoReport v2), register the petition, answer with its token.

    `form`: field -> str. A location (lat and long, or address_string, or address_id) is required by the
    specification; the description becomes the petition's content. The person's first_name/last_name and
    phone (if given) become the petitioner; without a name the petition is anonymous. Nothing is stored
    on refusal."""
    for field, value in form.items():
        if len(value) > (MAX_DESCRIPTION if field == "description" else MAX_FIELD) or has_bad_characters(value):
            raise ApplicationError(_("字段过长或含有无法保存的字符：%(f)s") % {"f": field[:40]}, "invalid", field[:40])
    from xinfang.petitions.models import Category

    code = form.get("service_code", "").strip()
    if not code:
        raise ApplicationError(_("缺少service_code。"), "invalid", "service_code")
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise ApplicationError(_("服务不存在：%(code)s") % {"code": code[:40]}, "not_found", "service_code")
    lat, lon = form.get("lat", "").strip(), form.get("long", "").strip()
    if lat or lon:
        try:
            la, lo = float(lat), float(lon)
        except ValueError:
            raise ApplicationError(_("lat/long不是有效的坐标。"), "invalid", "lat") from None
        if not (-90 <= la <= 90 and -180 <= lo <= 180):
            raise ApplicationError(_("lat/long不是有效的坐标。"), "invalid", "lat")
    elif not (clean(form.get("address_string", "")) or clean(form.get("address_id", ""))):
        raise ApplicationError(_("请提供位置：lat和long、address_string或address_id。"), "invalid", "lat")
    description = (form.get("description") or "").strip()
    if not description:
        raise ApplicationError(_("请填写description（反映内容）。"), "invalid", "description")
    nature = form.get("attribute[nature]", "").strip() or Nature.APPEAL
    if nature not in NATURES:
        raise ApplicationError(_("attribute[nature]取值无效。"), "invalid", "attribute[nature]")
    place = clean(form.get("address_string", ""))
    content = description + (("\n" + _("位置：%(p)s") % {"p": place}) if place else "") + (
        ("\n" + _("坐标：%(lat)s, %(long)s") % {"lat": lat, "long": lon}) if lat else "")
    name = clean(f"{form.get('last_name', '')}{form.get('first_name', '')}")
    phone = clean(form.get("phone", ""))
    people = [PetitionerInput(name=name, phone=phone)] if name else None
    # the title is what Open311 answers show: identifiers masked before it is cut, so no part of one stays
    title = mask_identifiers(clean(description), [name] if name else [])[:40] or category.name
    now = timezone.now()
    with transaction.atomic():
        _rate_check(key, address, now)
        petition, _code = petition_register(
            actor=key.account, unit=key.unit, petitioners=people, channel=Channel.ONLINE, received_at=now,
            title=title, content=content, demands=(form.get("attribute[demands]") or "").strip(),
            category=category.code, nature=nature, is_anonymous=not people,
            external_id=clean(form.get("device_id", ""))[:64])
        row = Open311Request.objects.create(petition=petition, key=key, token=secrets.token_urlsafe(24),
                                            address_ip=address[:64])
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        audit_record(actor=key.account, action="open311.request", obj=petition,
                     data={"key": key.prefix, "number": petition.number})
    return row
