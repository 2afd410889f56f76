"""Background jobs of notifications (run by `xinfang worker`)."""

from django_tasks import task


# A notice a leader waits for: before routine work already queued (but after an import a clerk watches).
@task(priority=30)
def send_dispatches() -> dict:
    """Send the due SMS and e-mails of the outbox (services.dispatches_send)."""
    from .services import dispatches_send

    return dispatches_send()
