"""/api/v1 routes of screening (issue 10)."""

from ninja import Router

router = Router(tags=["screening"])
