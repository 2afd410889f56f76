from .models import PetitionEvent


def petition_events(petition):
    return list(PetitionEvent.objects.filter(petition=petition).select_related("unit").order_by("at", "id"))
