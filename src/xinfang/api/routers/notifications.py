"""/api/v1 notifications (issue 10): the caller's own inbox, newest first, and marking messages read.
Another user's message answers 404, like one that does not exist."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema
from pydantic import Field

from xinfang.notifications.kinds import kind_label
from xinfang.notifications.selectors import notifications_of
from xinfang.notifications.services import notification_read, notifications_read_all

from ..schemas import PetitionId

router = Router(tags=["notifications"])

MAX_PAGE_SIZE = 200


class InboxFilters(Schema):
    unread: bool | None = Field(None, description="true：只看未读；false：只看已读")
    kind: str | None = Field(None, max_length=40, pattern=r"^[a-z_]{1,40}$", description="消息类别")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1)  # larger sizes are served as MAX_PAGE_SIZE


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    link: str
    petition: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    count: int
    unread: int
    page: int
    page_size: int
    results: list[NotificationOut]


class ReadAllOut(Schema):
    marked: int


def _out(n) -> dict:
    return {"id": n.pk, "kind": n.kind, "kind_label": kind_label(n.kind), "title": n.title, "body": n.body,
            "link": n.link, "petition": n.petition_id, "created_at": n.created_at, "read_at": n.read_at}


@router.get("/notifications", response=NotificationPage, summary="我的消息")
def inbox(request, filters: Query[InboxFilters]):
    page_size = min(filters.page_size, MAX_PAGE_SIZE)
    mine = notifications_of(request.user)
    qs = mine
    if filters.unread is not None:
        qs = qs.filter(read_at__isnull=filters.unread)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    total = qs.count()
    rows = qs.order_by("-created_at", "-id")[(filters.page - 1) * page_size: filters.page * page_size]
    return {"count": total, "unread": mine.filter(read_at__isnull=True).count(), "page": filters.page,
            "page_size": page_size, "results": [_out(n) for n in rows]}


@router.post("/notifications/read-all", response=ReadAllOut, summary="全部标为已读")
def read_all(request):
    return {"marked": notifications_read_all(user=request.user)}


@router.post("/notifications/{notification_id}/read", response=NotificationOut, summary="标为已读")
def read(request, notification_id: PetitionId):
    return _out(notification_read(user=request.user, notification_id=notification_id))
