"""Template context of the portal pages: the body's profile (name in the header)."""


def portal(request):
    if not request.path.startswith("/portal/"):
        return {}
    from .selectors.profile import profile_get

    return {"portal_profile": profile_get()}
