"""Reads of hot spots and alerts, always within the reader's jurisdiction (DESIGN §5).

A user sees hot spots computed over the petitions visible to them (`petitions_visible`); titles go
through `petition_texts`, so an accusation's identifiers stay masked outside its handling chain.
Who may look: analysts, leaders and administrators (`may_see`); others get the 404 of anything out
of reach, like the statistics pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError, NotFound
from xinfang.common.text import mask_identifiers
from xinfang.org.choices import Role
from xinfang.org.jurisdiction import all_roles
from xinfang.petitions.choices import Nature
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petition_texts, petitions_visible

from . import engine
from .models import Alert, PetitionSupport

ROLES = frozenset({Role.ANALYST, Role.LEADER, Role.ADMIN})
DEFAULT_DAYS = 90  # the default period: the last 90 days
MAX_DAYS = 3 * 366  # the longest period computed
MAX_PETITIONS = 20000  # the most petitions grouped at once (the newest)
TOP_MAX = 200


def may_see(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and all_roles(user) & ROLES)


def require(user) -> None:
    if not may_see(user):
        raise NotFound(_("不存在。"))


def period(date_from: dt.date | None, date_to: dt.date | None, *, today: dt.date | None = None
           ) -> tuple[dt.date, dt.date]:
    """The period asked for (both days included): default the last 90 days to today; refused
    (ApplicationError "invalid") when it is reversed or longer than three years."""
    today = today or timezone.localdate()
    end = date_to or today
    start = date_from or (end - dt.timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise ApplicationError(_("开始日期不能晚于结束日期。"), "invalid", "from")
    if (end - start).days > MAX_DAYS:
        raise ApplicationError(_("统计期间不能超过三年。"), "invalid", "from")
    return start, end


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def petition_docs(petitions) -> list[engine.Doc]:
    """Petitions as engine docs. An accusation's texts are masked (ID numbers, phones, the accusers'
    names): what the engine returns (a representative title) may be shown to anyone who sees the
    petition. Public support comes from `PetitionSupport` where stored."""
    petitions = list(petitions)
    support = dict(PetitionSupport.objects.filter(petition__in=[p.pk for p in petitions])
                   .values_list("petition_id", "likes"))
    people: dict[int, str] = {}
    names: dict[int, list[str]] = {}  # the accusers' names, read in the same query (no read per petition)
    from xinfang.petitions.models import PetitionPetitioner

    for pid, person, name in (PetitionPetitioner.objects.filter(petition__in=[p.pk for p in petitions])
                              .order_by("petition_id", "position", "pk")
                              .values_list("petition_id", "petitioner_id", "petitioner__name")):
        people.setdefault(pid, str(person))
        names.setdefault(pid, []).append(name)
    docs = []
    for p in petitions:
        title, content = p.title, p.content
        if p.nature == Nature.ACCUSATION:
            title, content = mask_identifiers(title, names.get(p.pk, [])), mask_identifiers(content, names.get(p.pk, []))
        docs.append(engine.Doc(key=f"{p.pk:012d}", title=title, content=content, at=p.received_at,
                               headcount=p.headcount or 1, escalated=p.is_escalated, support=support.get(p.pk, 0),
                               person=people.get(p.pk, f"p{p.pk}"), extra={"petition": p}))
    return docs


def petitions_between(qs: QuerySet[Petition], start: dt.datetime, end: dt.datetime) -> QuerySet[Petition]:
    """The petitions of `qs` received in [start, end), merged ones (并案) left out, newest first."""
    return (qs.filter(received_at__gte=start, received_at__lt=end, merged_into__isnull=True)
            .select_related("receiving_unit").order_by("-received_at", "-pk"))


@dataclass
class Member:
    id: int
    number: str
    external_id: str
    title: str
    received_at: dt.datetime


@dataclass
class HotSpotView:
    rank: int
    title: str
    score: float
    items: int
    person_times: int
    persons: int
    escalated: int
    support: int
    first_at: dt.datetime | None
    last_at: dt.datetime | None
    trend: list[tuple[dt.date, int]]
    members: list[Member] = field(default_factory=list)

    @property
    def trend_max(self) -> int:
        return max((n for _w, n in self.trend), default=0)


CACHE_SECONDS = 300  # the dashboard and the page ask often; a hot spot does not change by the minute


def hotspots_for(user, *, date_from: dt.date | None = None, date_to: dt.date | None = None, top: int = 20,
                 unit=None, cached: bool = False, compute: bool = True,
                 ) -> tuple[tuple[dt.date, dt.date], list[HotSpotView] | None]:
    """The hot spots among the petitions `user` may see, received in the period, hottest first.
    `unit`: only the petitions that reached that unit or one below it (the dashboard's unit filter).
    `cached`: keep the answer for `CACHE_SECONDS` per user and question (the dashboard panel); with
    `compute=False` as well, only a kept answer is returned, else None (the dashboard page then loads
    its panel on its own: grouping a year's petitions takes seconds at a million stored)."""
    start, end = period(date_from, date_to)
    top = max(1, min(int(top), TOP_MAX))
    if cached:
        from django.core.cache import cache

        key = f"insight:hotspots:{user.pk}:{start}:{end}:{top}:{getattr(unit, 'pk', '')}"
        found = cache.get(key)
        if found is None:
            if not compute:
                return (start, end), None
            found = hotspots_for(user, date_from=start, date_to=end, top=top, unit=unit)
            cache.set(key, found, CACHE_SECONDS)
        return found
    lo, hi = _bounds(start, end)
    qs = petitions_visible(user, by_reach=True)  # a period of petitions: the scope by reach sets
    if unit is not None:
        from xinfang.petitions.models import PetitionAccess

        qs = qs.filter(Exists(PetitionAccess.objects.filter(petition=OuterRef("pk"), unit__path__startswith=unit.path)))
    petitions = list(petitions_between(qs, lo, hi)[:MAX_PETITIONS])
    docs = petition_docs(petitions)
    spots = engine.hot_spots(docs, as_of=min(hi, timezone.now()) if docs else None, top=top)
    views = []
    for rank, spot in enumerate(spots, start=1):
        members = []
        for m in spot.members:
            p = docs[m].extra["petition"]
            members.append(Member(id=p.pk, number=p.number, external_id=p.external_id,
                                  title=petition_texts(user, p).title, received_at=p.received_at))
        # the representative title as this user may see it (the engine's is masked for accusations)
        rep = next((m.title for m, i in zip(members, spot.members, strict=True)
                    if engine.normalise(docs[i].title) == spot.title), spot.title)
        views.append(HotSpotView(rank=rank, title=rep, score=spot.score, items=spot.items,
                                 person_times=spot.person_times, persons=spot.persons, escalated=spot.escalated,
                                 support=spot.support, first_at=spot.first_at, last_at=spot.last_at,
                                 trend=engine.trend(docs, spot.members, start=start, end=end), members=members))
    return (start, end), views


# ---- alerts --------------------------------------------------------------------------------------

def alerts_visible(user) -> QuerySet[Alert]:
    """The alerts with at least one member petition the user may see (analysts, leaders, admins)."""
    if not may_see(user):
        return Alert.objects.none()
    visible = petitions_visible(user).filter(pk=OuterRef("petition_id"))
    through = Alert.members.through.objects.filter(alert_id=OuterRef("pk")).filter(Exists(visible))
    return Alert.objects.filter(Exists(through)).select_related("acknowledged_by")


def alerts_filtered(user, *, state: str = "") -> QuerySet[Alert]:
    qs = alerts_visible(user)
    if state == "open":
        qs = qs.filter(acknowledged_at__isnull=True)
    elif state == "acknowledged":
        qs = qs.filter(acknowledged_at__isnull=False)
    return qs


def alert_get(user, alert_id) -> Alert:
    try:
        pk = int(alert_id)
    except (TypeError, ValueError):
        pk = 0
    found = alerts_visible(user).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if found is None:
        raise NotFound(_("预警不存在。"))
    return found


def alert_members(user, alert: Alert) -> list[Member]:
    """The alert's petitions the user may see, with their titles as the user may see them."""
    out = []
    for p in petitions_visible(user).filter(pk__in=alert.members.values("pk")).order_by("-received_at", "-pk"):
        out.append(Member(id=p.pk, number=p.number, external_id=p.external_id, title=petition_texts(user, p).title,
                          received_at=p.received_at))
    return out


def urgent_reports_pending(user):
    """The urgent informant reports that reached this user and wait for acknowledgement (screening
    alerts them already; the inbox shows them beside the early-warning alerts)."""
    from xinfang.oversight.screening.selectors import alerts_pending

    return alerts_pending(user)
