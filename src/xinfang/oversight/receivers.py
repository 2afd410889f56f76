"""React to the workflow's moves without the workflow knowing about 包案: every move appends a timeline
event in its own transaction, so a receiver on that event stamps the owned petition's resolution (or
ends its ownership when it is merged) in the same transaction."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from xinfang.petitions.choices import Status
from xinfang.workflow.models import PetitionEvent

from .choices import RESOLVED_STATES


@receiver(post_save, sender=PetitionEvent, dispatch_uid="oversight.ownership_outcome")
def _event_saved(sender, instance: PetitionEvent, created: bool, raw: bool = False, **kwargs):
    if not created or raw or not instance.to_status or instance.to_status == instance.from_status:
        return
    from . import services

    if instance.to_status in RESOLVED_STATES:
        services.ownerships_resolve(petition_id=instance.petition_id, at=instance.at, status=instance.to_status,
                                    actor=instance.actor)
    elif instance.to_status == Status.MERGED:
        services.ownerships_end_merged(petition_id=instance.petition_id, at=instance.at, actor=instance.actor)
