"""/api/v1 routes of supervision (issue 10)."""

from ninja import Router

router = Router(tags=["supervision"])
