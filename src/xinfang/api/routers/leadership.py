"""/api/v1 routes of leadership (issue 10)."""

from ninja import Router

router = Router(tags=["leadership"])
