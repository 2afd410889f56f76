"""Background jobs of the reports package (run by `xinfang worker`)."""

from django_tasks import task


@task()
def issue_notices(event_id: int) -> int:
    from .notices.services import notices_for_event

    return len(notices_for_event(event_id))
