"""Background jobs of the reports package (run by `xinfang worker`)."""

from django_tasks import task


@task()
def issue_notices(event_id: int) -> int:
    from .notices.services import notices_for_event

    return len(notices_for_event(event_id))


def issue_notices_set(calls: list[tuple[list, dict]]) -> list[int]:
    """`issue_notices(event_id)` for a run of its jobs, set-based (the worker's `SET_BASED`): the number of
    notices of each."""
    from .notices.services import notices_for_events

    ids = [int(kwargs["event_id"]) if "event_id" in kwargs else int(args[0]) for args, kwargs in calls]
    return [len(docs) for docs in notices_for_events(ids)]
