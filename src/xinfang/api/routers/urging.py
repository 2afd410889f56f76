"""/api/v1 routes of urging (issue 10)."""

from ninja import Router

router = Router(tags=["urging"])
