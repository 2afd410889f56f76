"""/api/v1/units, /regions, /categories, /me."""

from ninja import Router

from xinfang.org.jurisdiction import all_roles, memberships
from xinfang.org.selectors import regions_all, units_all
from xinfang.petitions.selectors import categories_tree

from ..schemas import CategoryOut, MeOut, RegionOut, UnitOut

router = Router(tags=["org"])


def display_name(user) -> str:
    """A Chinese name is family name first, without a space (get_full_name() gives "first last")."""
    profile = getattr(user, "staff_profile", None)  # RelatedObjectDoesNotExist is an AttributeError
    if profile is not None and profile.full_name:
        return profile.full_name
    return f"{user.last_name}{user.first_name}".strip() or user.username


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    user = request.user
    units: dict[int, dict] = {}
    for m in memberships(user):
        units.setdefault(m.unit_id, {"code": m.unit.code, "name": m.unit.name, "roles": []})["roles"].append(m.role)
    return {"username": user.username, "name": display_name(user),
            "is_superuser": user.is_superuser, "roles": sorted(all_roles(user)), "units": list(units.values())}


@router.get("/units", response=list[UnitOut], summary="单位")
def units(request):
    return [{"code": u.code, "name": u.name, "kind": u.kind, "level": u.level, "region": u.region.code,
             "parent": u.parent.code if u.parent_id else None} for u in units_all()]


@router.get("/regions", response=list[RegionOut], summary="行政区划")
def regions(request):
    return [{"code": r.code, "name": r.name, "level": r.level, "parent": r.parent.code if r.parent_id else None}
            for r in regions_all()]


@router.get("/categories", response=list[CategoryOut], summary="内容分类")
def categories(request):
    return [{"code": c.code, "name": c.name, "level": c.level, "parent": c.parent.code if c.parent_id else None}
            for c in categories_tree()]
