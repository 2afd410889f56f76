"""Reading 包案, always through the jurisdiction scope (DESIGN §5), and the counting rule of 包案化解率
(DESIGN §6) for the statistics.

Counting rule (one definition, used by every figure)
---------------------------------------------------
- **Owned cases (包案件数)**: petitions with at least one ownership assigned (at or before `as_of`),
  counted once: a case transferred from one leader to another, or released and owned again, is one
  owned case. Use `owned_petitions_subquery()` (petition ids) or `petition_owned_q()` (a filter on
  `Petition`); `ownership_counts()` does both sums on a petition queryset.
- **Resolved (已化解)**: owned cases whose petition is in a resolved state, reached at or before
  `as_of` (`petition_resolved_q`). Resolved states (`choices.RESOLVED_STATES`):
    * 已办结 `closed`: answered, and the 复查/复核 window passed unused or the dispatcher closed it;
    * 已存档 `archived`: concluded at registration (consultation answered on the spot, thanks,
      nothing to handle).
  Not resolved: every open state; 已复核终结 `final` (the procedure is over because the petitioner
  contested the answer twice — ended by law, not settled); 不予/不再受理 `rejected` and 已告知引导
  `diverted` (not handled to a conclusion here); 已并案 `merged` (lives on in the petition it was
  merged into, which carries the count; an ownership of a merged petition is ended, see receivers).
  These states are terminal, so "status resolved and `closed_at` <= as_of" is exactly "it had been
  resolved at `as_of`".
- **包案化解率** = resolved ÷ owned, over whatever cohort of petitions the caller counts (the
  statistics' cohort already excludes merged petitions).

`Ownership.resolved_at` is the per-ownership fact (the petition was resolved while this leader held it);
the receiver stamps it, and the leader's own list shows it. The unit figure above does not need it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.errors import NotFound
from xinfang.petitions.choices import OPEN_STATES
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petition_get, petitions_visible

from . import rules
from .choices import RESOLVED_STATES, STAGE_ORDER
from .models import Ownership, OwnershipStage

# ---- scoped reading ------------------------------------------------------------------------------


def ownerships_visible(user) -> QuerySet[Ownership]:
    """Every ownership of a petition the user may see."""
    visible = petitions_visible(user).filter(pk=OuterRef("petition_id"))
    return Ownership.objects.filter(Exists(visible)).select_related(
        "leader", "leader__staff_profile", "unit", "assigned_by", "ended_by")


def _petition(user, petition) -> Petition:
    return petition_get(user, petition.pk if isinstance(petition, Petition) else petition)


def ownership_active(user, petition) -> Ownership | None:
    """The petition's current ownership (not ended), or None; NotFound outside the user's jurisdiction."""
    p = _petition(user, petition)
    return ownerships_visible(user).filter(petition=p, ended_at__isnull=True).first()


def ownerships_of_petition(user, petition) -> list[Ownership]:
    """The petition's ownerships, the current one first, then the ended ones newest first."""
    p = _petition(user, petition)
    rows = list(ownerships_visible(user).filter(petition=p).order_by("-assigned_at", "-id"))
    return sorted(rows, key=lambda o: o.ended_at is not None)


def ownership_get(user, ownership_id) -> Ownership:
    try:
        pk = int(ownership_id)
    except (TypeError, ValueError):
        raise NotFound(_("包案记录不存在。")) from None
    found = ownerships_visible(user).select_related("petition").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("包案记录不存在。"))
    return found


STATES = ("active", "resolved", "ended", "all")


def ownerships_of_leader(user, leader=None, *, state: str = "active") -> QuerySet[Ownership]:
    """The ownerships held by `leader` (default: the user), within the user's jurisdiction.
    `state`: active (not ended, resolved or not), resolved, ended, all."""
    leader = leader or user
    if not getattr(leader, "pk", None):
        return Ownership.objects.none()
    qs = ownerships_visible(user).filter(leader_id=leader.pk).select_related(
        "petition", "petition__receiving_unit", "petition__handling_unit")
    if state == "active":
        qs = qs.filter(ended_at__isnull=True)
    elif state == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    elif state == "ended":
        qs = qs.filter(ended_at__isnull=False)
    # current and unresolved first, then current and resolved, then ended (latest first)
    return qs.order_by(F("ended_at").desc(nulls_first=True), F("resolved_at").desc(nulls_first=True),
                       "-assigned_at", "-id")


@dataclass
class Panel:
    """What the petition page (and GET /petitions/{id}/ownership) shows of 包案, and which forms it offers."""

    active: Ownership | None
    history: list[Ownership]
    can_assign: bool
    can_end: bool
    can_transfer: bool
    leaders: list[tuple[object, object]]  # (user, unit): the leaders the user may make owner now
    stages: list = field(default_factory=list)  # StageView of the active ownership
    can_stage: bool = False  # may write the plan, set due dates, advance a stage

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(u.username, f"{leader_name(u)}（{unit.name}）") for u, unit in self.leaders]

    @property
    def shown(self) -> bool:
        return bool(self.active or self.history or self.can_assign)


def ownership_panel(user, petition: Petition) -> Panel:
    """The 包案 of a petition the user already sees (the caller found it through the scope): the current
    ownership, the ended ones, and what the user may do (assign or take, end, transfer) with whom."""
    rows = ownerships_of_petition(user, petition)
    active = rows[0] if rows and rows[0].ended_at is None else None
    history = [o for o in rows if o is not active]
    for o in rows:
        o.petition = petition
    is_open = petition.status in OPEN_STATES
    seeing = set(rules.units_seeing(petition).values_list("pk", flat=True))
    can_end = bool(active and active.resolved_at is None and rules.may_end(user, active, seeing))
    leaders = rules.leader_choices(user, petition, seeing) if is_open else []
    if active is not None:
        leaders = [(u, unit) for u, unit in leaders if u.pk != active.leader_id]
    can_transfer = bool(can_end and is_open and leaders and rules.may_arrange(user, petition, seeing))
    can_assign = bool(is_open and active is None and leaders)
    stages = ownership_stage_views(active) if active is not None else []
    can_stage = bool(active and rules.may_end(user, active, seeing))
    return Panel(active=active, history=history, can_assign=can_assign, can_end=can_end,
                 can_transfer=can_transfer, leaders=leaders if (can_assign or can_transfer) else [],
                 stages=stages, can_stage=can_stage)


def leader_name(user) -> str:
    """A Chinese name is family name first, without a space."""
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.full_name:
        return profile.full_name
    return f"{user.last_name}{user.first_name}".strip() or user.username


# ---- counting (包案化解率) --------------------------------------------------------------------------


def _owned(as_of: dt.datetime | None) -> QuerySet[Ownership]:
    qs = Ownership.objects.all()
    return qs if as_of is None else qs.filter(assigned_at__lte=as_of)


def owned_petitions_subquery(as_of: dt.datetime | None = None) -> QuerySet:
    """The ids of the petitions owned at `as_of` (default now): any ownership assigned by then, however it
    ended, each petition once. Use as `Petition.objects.filter(pk__in=owned_petitions_subquery(as_of))`."""
    return _owned(as_of).order_by().values("petition_id").distinct()


def petition_owned_q(as_of: dt.datetime | None = None) -> Q:
    """A filter on Petition: owned at `as_of` (the same rule as `owned_petitions_subquery`), as EXISTS."""
    return Q(Exists(_owned(as_of).filter(petition_id=OuterRef("pk"))))


def petition_resolved_q(as_of: dt.datetime | None = None) -> Q:
    """A filter on Petition: 化解 (resolved) at `as_of` — in a resolved state (closed, archived) reached at
    or before `as_of`. See the module docstring for why final, rejected, diverted and merged are not."""
    q = Q(status__in=RESOLVED_STATES)
    if as_of is not None:
        q &= Q(closed_at__lte=as_of)
    return q


@dataclass(frozen=True)
class OwnershipCounts:
    owned: int
    resolved: int

    @property
    def rate(self) -> float | None:
        """包案化解率 (0..1), None without owned cases."""
        return self.resolved / self.owned if self.owned else None


def ownership_counts(petitions: QuerySet[Petition], as_of: dt.datetime | None = None) -> OwnershipCounts:
    """包案件数 and 已化解件数 among `petitions` (any Petition queryset, e.g. the statistics cohort)."""
    owned = petitions.filter(petition_owned_q(as_of)).order_by()
    agg = owned.aggregate(owned=Count("pk", distinct=True),
                          resolved=Count("pk", distinct=True, filter=petition_resolved_q(as_of)))
    return OwnershipCounts(owned=agg["owned"] or 0, resolved=agg["resolved"] or 0)


def owned_resolved(petitions: QuerySet[Petition], as_of: dt.datetime | None = None) -> QuerySet[Petition]:
    """The resolved owned petitions among `petitions` (the numerator of 包案化解率, for drill-down)."""
    return petitions.filter(petition_owned_q(as_of)).filter(petition_resolved_q(as_of))


# ---- stages (转包案 → 推进化解 → 稳控 → 化解) --------------------------------------------------------------


@dataclass
class StageView:
    stage: str
    label: str
    due_date: dt.date | None
    entered_at: dt.datetime | None
    completed_at: dt.datetime | None
    completed_by: object | None
    note: str
    state: str  # "done", "current", "pending"
    overdue: bool  # not completed and past its due date (or completed after it: `late`)
    due_soon: bool  # current, due today or tomorrow
    late: bool  # completed after its due date


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def ownership_stage_views(own: Ownership, today: dt.date | None = None) -> list[StageView]:
    """The four stages of `own` in order, with their state and overdue marks (rows missing for an old
    ownership are shown as not set)."""
    today = _today(today)
    cache = getattr(own, "_prefetched_objects_cache", {}).get("stages")
    rows = {r.stage: r for r in (cache if cache is not None else OwnershipStage.objects.filter(ownership=own)
                                 .select_related("completed_by"))}
    out = []
    for st in STAGE_ORDER:
        r = rows.get(st.value)
        done = bool(r and r.completed_at)
        current = not done and st.value == own.stage
        due = r.due_date if r else None
        completed = r.completed_at if r else None
        late = bool(done and due and timezone.localtime(completed).date() > due)
        open_ = not done and own.ended_at is None
        out.append(StageView(
            stage=st.value, label=str(st.label), due_date=due, entered_at=r.entered_at if r else None,
            completed_at=completed, completed_by=r.completed_by if r else None, note=r.note if r else "",
            state="done" if done else ("current" if current else "pending"),
            overdue=bool(open_ and due and due < today), due_soon=bool(current and open_ and due
                                                                        and today <= due <= today + dt.timedelta(1)),
            late=late))
    return out


def ownership_current_stage(own: Ownership, today: dt.date | None = None) -> StageView | None:
    """The stage the 包案 is in (None when all four are done)."""
    for view in ownership_stage_views(own, today):
        if view.state == "current":
            return view
    return None


def ownership_stages_due(user, today: dt.date | None = None, *, within_days: int = 7) -> list[tuple[Ownership,
                                                                                                 StageView]]:
    """The user's own active 包案 whose current stage is overdue or due within `within_days` (the leader's
    home panel), most urgent first."""
    today = _today(today)
    limit = today + dt.timedelta(days=within_days)
    qs = ownerships_of_leader(user, state="active").filter(
        stages__stage=F("stage"), stages__completed_at__isnull=True, stages__due_date__lte=limit).distinct()
    out = []
    for own in qs.prefetch_related("stages"):
        view = ownership_current_stage(own, today)
        if view is not None and view.due_date is not None:
            out.append((own, view))
    return sorted(out, key=lambda pair: (pair[1].due_date, pair[0].pk))

