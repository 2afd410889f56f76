from .models import Region, Unit


def units_all():
    return list(Unit.objects.filter(is_active=True).select_related("region", "parent").order_by("path"))


def regions_all():
    return list(Region.objects.select_related("parent").order_by("path"))


def top_petition_office() -> Unit | None:
    """The highest active petition office (信访工作机构), else the highest active unit: where the system's
    own intake (the portal, command-line imports) registers by default."""
    from django.db.models import Case, IntegerField, Value, When

    from .choices import LEVEL_RANK, UnitKind

    rank = Case(*[When(level=lv, then=Value(r)) for lv, r in LEVEL_RANK.items()], default=Value(99),
                output_field=IntegerField())
    units = Unit.objects.filter(is_active=True).annotate(level_rank=rank)
    return (units.filter(kind=UnitKind.PETITION_OFFICE).order_by("level_rank", "path").first()
            or units.order_by("level_rank", "path").first())
