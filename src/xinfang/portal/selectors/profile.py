"""The body the portal speaks for: its public profile and the unit where online petitions are registered."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from xinfang.org.models import Unit
from xinfang.org.selectors import top_petition_office

from ..models import PortalProfile


def profile_get() -> PortalProfile:
    """The stored profile, or an unsaved one named after the top petition office."""
    profile = PortalProfile.objects.select_related("unit").first()
    if profile is None:
        unit = top_petition_office()
        profile = PortalProfile(name=unit.name if unit else _("网上信访"), unit=unit)
    return profile


def intake_unit() -> Unit | None:
    """Where online petitions are registered: the profile's unit, else the top petition office."""
    profile = profile_get()
    if profile.unit is not None and profile.unit.is_active:
        return profile.unit
    return top_petition_office()


def public_viewer():
    """An unsaved account that sees every petition, for the public figures (counts only, never a row)."""
    user = get_user_model()(username="portal-public", is_superuser=True, is_active=True)
    user._xinfang_memberships = []  # unsaved: org.jurisdiction.memberships() must not query for it
    return user
