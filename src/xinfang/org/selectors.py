from .models import Region, Unit


def units_all():
    return list(Unit.objects.filter(is_active=True).select_related("region", "parent").order_by("path"))


def regions_all():
    return list(Region.objects.select_related("parent").order_by("path"))
