"""/api/v1 routes of scorecards (issue 10)."""

from ninja import Router

router = Router(tags=["scorecards"])
