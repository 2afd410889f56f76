"""Issue the notices a move names, after its transaction commits, as a background job."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from xinfang.workflow.models import PetitionEvent


@receiver(post_save, sender=PetitionEvent, dispatch_uid="reports.issue_notices")
def _event_saved(sender, instance: PetitionEvent, created: bool, **kwargs):
    if not created or not (instance.data or {}).get("documents"):
        return
    from .tasks import issue_notices

    event_id = instance.pk
    transaction.on_commit(lambda: issue_notices.enqueue(event_id))
