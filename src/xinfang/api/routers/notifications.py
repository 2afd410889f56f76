"""/api/v1 routes of notifications (issue 10)."""

from ninja import Router

router = Router(tags=["notifications"])
