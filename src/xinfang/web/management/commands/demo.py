"""`xinfang demo`: the invented city 示范市 with its accounts and a few hundred invented petitions.

Every petition is created through the real services (`petition_register`, `petition_act`,
`ownership_assign`) by the demo account whose job it is, so numbers, deadlines, timeline events,
notices and audit rows are all real. Each petition's history is replayed at plausible past instants
(the services' `at`): petitions are received over the past two years (so the last twelve months have a
same period last year), routed and accepted within days, mostly answered within the 60-day limit
(some after an extension, a realistic minority late), delivered, evaluated, sometimes appealed (复查,
复核), and closed once the appeal window has passed or earlier on the petitioner's written waiver.
Moves happen in office hours on working days, in order, never in the future. A petition still open
today was received recently enough to be where it is; a deadline sweep then sets today's warning
levels. The same seed gives the same petitions.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.audit.models import AuditEntry
from xinfang.common.calendar import BusinessCalendar, current_calendar
from xinfang.common.errors import ApplicationError
from xinfang.common.validators import id_checksum
from xinfang.org.choices import Role
from xinfang.org.demo import DEMO_PASSWORD, DemoOrg, build_demo_org
from xinfang.org.models import Membership, StaffProfile
from xinfang.oversight.models import Ownership
from xinfang.oversight.services import ownership_assign
from xinfang.petitions.choices import Channel, DemandType, Nature, Status
from xinfang.petitions.models import Petition
from xinfang.petitions.services import PetitionerInput
from xinfang.workflow import deadlines as dl
from xinfang.workflow.models import PetitionEvent
from xinfang.workflow.services import deadlines_sweep, petition_act, petition_register

from ..demo_data import (
    ARCHIVE_NOTES,
    BASIS,
    CLOSE_NOTES,
    COMPANIES,
    DELIVERY_NOTES,
    DEPT_SHORT,
    DISSATISFIED_REASONS,
    DIVERT_REASONS,
    EXTENSION_REASONS,
    GIVEN_FEMALE,
    GIVEN_MALE,
    HEARINGS,
    MEDIATIONS,
    MERGE_NOTE,
    NOTES,
    OBJECT_REASONS,
    OBJECTION_CONFIRMED,
    OBJECTION_KEPT,
    PLACES,
    REJECT_REASONS,
    REPLY_TEXT,
    REREVIEW_TEXT,
    RETURN_NOTES,
    REVIEW_REASONS,
    REVIEW_TEXT,
    ROUTE_NOTES,
    STAFFED,
    SURNAMES,
    TEMPLATES,
    Template,
)

S = Status
# 包案: the district government's leader owns one petition ending in each of these states (东湖区)
OWNED_STATES = (S.IN_HANDLING, S.REPLIED, S.CLOSED)
OWNER, OWNER_ARRANGER = "demo_reviewer", "demo_dispatcher"
# Relative share of each final state (every state gets at least one petition when N >= 15). Most
# petitions of two years are long finished; what is open today is what a real office has open.
# (The first steps are brief, so what waits in them was received in the last weeks: more of them
# would make the latest month's intake look like a surge.)
STATE_WEIGHTS = {
    S.REGISTERED: 1.5, S.ROUTED: 1.5, S.ACCEPTED: 0.7, S.IN_HANDLING: 5, S.REPLY_PENDING: 1, S.REPLIED: 3,
    S.UNDER_REVIEW: 1, S.REVIEWED: 1, S.UNDER_REREVIEW: 1, S.FINAL: 2, S.CLOSED: 46, S.REJECTED: 6,
    S.DIVERTED: 7, S.ARCHIVED: 20.3, S.MERGED: 3,
}
HANDLED = {S.IN_HANDLING, S.REPLY_PENDING, S.REPLIED, S.UNDER_REVIEW, S.REVIEWED, S.UNDER_REREVIEW, S.FINAL,
           S.CLOSED}
CITY_OK = {S.REGISTERED, S.ROUTED, S.IN_HANDLING, S.REPLY_PENDING, S.REPLIED, S.CLOSED, S.REVIEWED}
ANONYMOUS_OK = {S.REGISTERED, S.ROUTED, S.ACCEPTED, S.IN_HANDLING, S.DIVERTED, S.ARCHIVED}
REPEAT_OK = {S.REGISTERED, S.ROUTED, S.ACCEPTED, S.IN_HANDLING, S.REPLY_PENDING, S.REJECTED}
MERGE_INTO = {S.REGISTERED, S.ROUTED, S.ACCEPTED, S.IN_HANDLING, S.REPLY_PENDING}
CHANNEL_WEIGHTS = [(Channel.LETTER, 16), (Channel.VISIT, 24), (Channel.PHONE, 12), (Channel.ONLINE, 26),
                   (Channel.EMAIL, 5), (Channel.FAX, 2), (Channel.HOTLINE, 8), (Channel.TRANSFER_IN, 7)]
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "156", "157", "158", "159", "166", "176", "177", "180", "181", "186", "187", "188", "189", "199")

HORIZON_DAYS = 730  # petitions are received over the past two years
BUCKET_DAYS = 10  # the intake is spread evenly over buckets of this many days
GROWTH = 0.1  # the intake grows by about this share over the two years
OFFICE_OPENS, OFFICE_CLOSES = dt.time(8, 30), dt.time(17, 30)
DELIVERY_METHODS = (("post", 68), ("in_person", 22), ("electronic", 7), ("entrusted", 3))

Who = Callable[[], str]  # the username acting, resolved when the move is made (templates may be borrowed)


@dataclass
class Step:
    """One planned move: `gap` days after the previous one (0: minutes later, in the same sitting)."""

    gap: float
    run: Callable[[Petition, dt.datetime], Petition]
    label: str
    after_window: bool = False  # not before the 复查/复核 window opened by the last delivery has passed
    opens_window: bool = False  # the delivery of an opinion: a request window starts that day


@dataclass
class Item:
    """One planned petition: the state it should end in and how it gets there."""

    status: str
    district: str  # "DH" or "XS"
    overdue: bool = False
    objected: bool = False
    city: bool = False
    final_original: bool = False
    pending_extension: bool = False
    undelivered: bool = False  # replied, the opinion not yet delivered (待送达)
    owned: bool = False  # a leader owns it (包案) from routing on
    origin: Item | None = None  # for a refused-again repeat: the item that reached 复核终结
    received_at: dt.datetime | None = None
    # the planned history
    steps: list[Step] = field(default_factory=list)
    times: list[dt.datetime] = field(default_factory=list)
    idle: float | None = None  # open today: days from its last move (or receipt) to now
    min_age: float = 0.0  # finished: received at least this many days ago
    happy: bool = False  # satisfied with the reply (closed early on a written waiver)
    # filled while building
    template: Template | None = None
    ctx: dict = field(default_factory=dict)
    people: list[PetitionerInput] = field(default_factory=list)
    petition: Petition | None = None
    outcome: str = ""

    @property
    def suffix(self) -> str:
        return "" if self.district == "DH" else "2"


class Command(BaseCommand):
    help = _("生成演示数据：示范市组织机构、演示账号和数百件处于各个办理环节的虚构信访件。")

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help=_("已有信访件时什么也不做（供首次启动时调用）。"))
        parser.add_argument("--petitions", type=int, default=300, help=_("生成的信访件数量（默认300）。"))
        parser.add_argument("--seed", type=int, default=2026, help=_("随机种子，相同种子生成相同数据。"))

    def handle(self, *args, if_empty=False, petitions=300, seed=2026, **options):
        if not getattr(settings, "DEMO_MODE", False):  # never on a real installation (XINFANG_DEMO, settings)
            raise CommandError(_("演示数据（含公开密码的演示账号）只能在演示模式下生成：请设置 XINFANG_DEMO=1"
                                 "（make run 已设置）。真实部署请用 xinfang createsuperuser 创建第一个管理员。"))
        if petitions < 0:
            raise CommandError(_("信访件数量不能为负数。"))
        if if_empty and Petition.objects.exists():
            self.stdout.write(_("数据库中已有信访件，未生成演示数据。"))
            return
        started = time.monotonic()
        org = build_demo_org()
        department_staff(org)
        builder = DemoBuilder(org, random.Random(seed), self._progress if options.get("verbosity", 1) > 1 else None)
        created = builder.build(petitions)
        _seed_areas(org)
        elapsed = time.monotonic() - started
        self._summary(created, elapsed)
        self._accounts()

    def _progress(self, done: int, total: int) -> None:
        if done % 50 == 0 or done == total:
            self.stdout.write(_("已生成 %(d)d / %(t)d 件") % {"d": done, "t": total})

    def _summary(self, created: int, elapsed: float) -> None:
        w = self.stdout.write
        w(self.style.SUCCESS(_("演示数据已生成：新增信访件 %(n)d 件，用时 %(s).1f 秒。") % {"n": created, "s": elapsed}))
        counts = dict(Petition.objects.values_list("status").annotate(n=Count("id")))
        labels = dict(Status.choices)
        w(_("各状态信访件数量（全库）："))
        for value in Status.values:
            w(f"  {labels[value]:<10}{counts.get(value, 0):>6}")
        w(_("时间线事件 %(e)d 条，审计记录 %(a)d 条。") % {
            "e": PetitionEvent.objects.count(), "a": AuditEntry.objects.count()})
        owned = Ownership.objects.filter(ended_at__isnull=True)
        if owned.exists():
            w(_("领导包案 %(n)d 件（已化解 %(r)d 件），可用 %(u)s 登录查看“我的包案”。") % {
                "n": owned.count(), "r": owned.filter(resolved_at__isnull=False).count(), "u": OWNER})

    def _accounts(self) -> None:
        w = self.stdout.write
        role_labels = dict(Role.choices)
        rows: dict[str, list] = {}
        for m in (Membership.objects.filter(user__username__startswith="demo_")
                  .select_related("user", "unit").order_by("user_id", "id")):
            row = rows.setdefault(m.user.username, [m.user.last_name + m.user.first_name, [], []])
            if m.unit.name not in row[1]:
                row[1].append(m.unit.name)
            row[2].append(str(role_labels.get(m.role, m.role)))
        w("")
        w(_("演示账号（登录地址 /login/）："))
        department = []
        for username, (name, units, roles) in rows.items():
            if _is_department_account(username):
                department.append(username)
                continue
            w(f"  {username:<24}{name:<8}{'、'.join(units)}（{'、'.join(roles)}）")
        if department:
            w(_("  另有各区职能部门账号 %(n)d 个：demo_<部门代码>_leader（领导、分办员）和 demo_<部门代码>_handler"
                "（承办人），西山区加后缀 2；部门代码：%(codes)s。") % {
                "n": len(department), "codes": "、".join(f"{c.lower()}（{n}）" for c, n in DEPT_SHORT.items())})
        w(_("所有演示账号的密码：%(p)s") % {"p": DEMO_PASSWORD})


def _seed_areas(org: DemoOrg) -> None:
    """The oversight areas' own demo data (reception days, supervision orders, risk items, ...): each
    area's `web/management/demo_<area>.py` has `seed_demo(users, now)`, idempotent."""
    import importlib

    from django.utils import timezone

    from xinfang.web.navigation import AREAS

    now = timezone.now()
    for area in AREAS:
        try:
            module = importlib.import_module(f"xinfang.web.management.demo_{area}")
        except ModuleNotFoundError as exc:
            if exc.name != f"xinfang.web.management.demo_{area}":
                raise
            continue
        module.seed_demo(org.users, now)
    importlib.import_module("xinfang.web.management.demo_portal").seed_demo(org.users, now)  # the portal


def _is_department_account(username: str) -> bool:
    parts = username.split("_")
    return len(parts) == 3 and parts[1].upper() in DEPT_SHORT


def department_staff(org: DemoOrg) -> None:
    """A leader (also dispatcher) and a handler in each staffed department besides 住建局 (which the
    core accounts of org/demo.py cover), so petitions of every kind can be handled to the end."""
    User = get_user_model()
    for prefix, suffix, surname in (("DH", "", "东"), ("XS", "2", "西")):
        for code, short in DEPT_SHORT.items():
            unit = org.units[f"{prefix}-{code}"]
            for key, label, roles in (("leader", "领导", (Role.LEADER, Role.DISPATCHER)),
                                      ("handler", "承办", (Role.HANDLER,))):
                username = f"demo_{code.lower()}_{key}{suffix}"
                full_name = f"{surname}{short}{label}"
                user = User.objects.filter(username=username).first()
                if user is None:
                    # the same password as the core accounts, hashed with a salt of its own
                    user = User.objects.create(username=username, last_name=full_name[:1], first_name=full_name[1:],
                                               password=make_password(DEMO_PASSWORD))
                    StaffProfile.objects.create(user=user, full_name=full_name)
                for role in roles:
                    Membership.objects.get_or_create(user=user, unit=unit, role=role)
                org.users[username] = user


class DemoBuilder:
    def __init__(self, org: DemoOrg, rng: random.Random, progress=None):
        self.org, self.rng, self.progress = org, rng, progress
        # histories end before today began: the same seed gives the same petitions all day long
        self.now = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time()))
        self.calendar: BusinessCalendar = current_calendar()
        self.window_days = dl.policy("review_request")[0]
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.done: list[Item] = []

    # ---- planning ---------------------------------------------------------------------------

    def plan(self, n: int) -> list[Item]:
        rng = self.rng
        states = list(STATE_WEIGHTS)
        base = 1 if n >= len(states) else 0
        rest, total = n - base * len(states), sum(STATE_WEIGHTS.values())
        quota = {s: rest * w / total for s, w in STATE_WEIGHTS.items()}
        counts = {s: base + int(quota[s]) for s in states}
        # largest remainders take what the rounding down left over
        for s in sorted(states, key=lambda s: quota[s] - int(quota[s]), reverse=True)[:n - sum(counts.values())]:
            counts[s] += 1
        items: list[Item] = []
        for s in states:
            for i in range(counts[s]):
                # the first petition of each state alternates the districts so both have every state
                district = ("DH", "XS")[(len(items) + i) % 2] if i == 0 else ("DH" if rng.random() < 0.58 else "XS")
                items.append(Item(status=s, district=district))
        by_state: dict[str, list[Item]] = {}
        for it in items:
            by_state.setdefault(it.status, []).append(it)
        # one case goes all the way to 复核终结, and the same petitioner is refused again lately
        finals, rejected = by_state.get(S.FINAL, []), by_state.get(S.REJECTED, [])
        if finals and rejected:
            original, repeat = finals[0], rejected[0]
            original.final_original = True
            repeat.origin, repeat.district = original, original.district
        for i, it in enumerate(by_state.get(S.REGISTERED, [])):
            if i == 0 or rng.random() < 0.35:  # still unrouted long after receipt: overdue
                it.overdue = True
            elif i == 1 or rng.random() < 0.15:
                it.objected = True
        for it in by_state.get(S.IN_HANDLING, [])[:1]:
            it.pending_extension = True  # an extension request waiting for the leader
        for i, it in enumerate(by_state.get(S.REPLIED, [])):
            it.undelivered = i == 0 or rng.random() < 0.25  # the 待送达 queue is never empty
        for it in items:
            if it.status in CITY_OK and not it.overdue and not it.objected and rng.random() < 0.08:
                it.city = True
        for state in OWNED_STATES:  # no random draw: the same seed gives the same petitions
            it = next((it for it in items if it.status == state and it.district == "DH" and not it.city), None)
            if it is not None:
                it.owned = True
        for it in items:
            if it.origin is not None:
                it.template = it.origin.template
            elif it.status != S.MERGED:  # a merged petition takes the template of the one it joins
                it.template = rng.choice([t for t in TEMPLATES if _fits(t, it.status)])
        for it in items:
            self._script(it)
        self._schedule(items)
        items.sort(key=lambda it: it.received_at)
        return items

    # ---- when: office hours, anchored at now or spread over two years -------------------------

    def _office_hours(self, at: dt.datetime) -> dt.datetime:
        """`at` when the office is open then, else soon after the next opening."""
        local = timezone.localtime(at)
        day, clock = local.date(), local.time()
        if self.calendar.is_workday(day) and OFFICE_OPENS <= clock <= OFFICE_CLOSES:
            return at
        if not (self.calendar.is_workday(day) and clock < OFFICE_OPENS):
            day = self.calendar.next_workday(day + dt.timedelta(days=1))
        opens = timezone.make_aware(dt.datetime.combine(day, OFFICE_OPENS))
        return opens + dt.timedelta(minutes=self.rng.randint(0, 90))

    def _timeline(self, start: dt.datetime, steps: list[Step]) -> list[dt.datetime]:
        """When each step happens: `gap` days after the previous one as planned, moved to office hours.
        The plan's clock runs on unmoved, so the shifts to office hours do not add up; a step never
        comes before the one it follows."""
        times, planned, prev, window_from = [], start, start, None
        for s in steps:
            if s.gap <= 0:
                planned = prev + dt.timedelta(minutes=self.rng.randint(3, 40))
            else:
                planned += dt.timedelta(days=s.gap)
            if s.after_window and window_from is not None:
                due = dl.compute_due(window_from, self.window_days, False, calendar=self.calendar)[0]
                passed = timezone.make_aware(dt.datetime.combine(due + dt.timedelta(days=1), OFFICE_OPENS))
                planned = max(planned, passed + dt.timedelta(days=s.gap))
            at = self._office_hours(planned)
            if at <= prev:
                at = self._office_hours(prev + dt.timedelta(minutes=5))
            if s.opens_window:
                window_from = timezone.localtime(at).date()
            times.append(at)
            prev = at
        return times

    def _received_at(self, days_ago: float, minute: int) -> dt.datetime:
        """`days_ago` days ago, or the latest day's office hours at `minute` past opening before that."""
        at = self.now - dt.timedelta(days=days_ago)
        local = timezone.localtime(at)
        if OFFICE_OPENS <= local.time() <= OFFICE_CLOSES:
            return at
        day = timezone.make_aware(dt.datetime.combine(local.date(), OFFICE_OPENS)) + dt.timedelta(minutes=minute)
        return day if day <= at else day - dt.timedelta(days=1)

    def _place(self, it: Item, days_ago: float) -> None:
        """Receive `it` about `days_ago` days ago and time its moves; an open petition's last move comes
        `idle` days before now, a finished petition's before now."""
        minute = self.rng.randint(0, 9 * 60)
        for attempt in range(30):
            it.received_at = self._received_at(days_ago, minute)
            it.times = self._timeline(it.received_at, it.steps)
            end = it.times[-1] if it.times else it.received_at
            limit = self.now - dt.timedelta(days=it.idle or 0, minutes=5)
            if end <= limit:
                return
            days_ago += (end - limit).total_seconds() / 86400 + 0.1 * (attempt + 1)
        raise CommandError(f"cannot place a petition in state {it.status}")

    def _schedule(self, items: list[Item]) -> None:
        """Open petitions are placed back from now; finished ones fill the two years so that the
        intake is about even (growing by GROWTH) across them."""
        rng = self.rng
        buckets = HORIZON_DAYS // BUCKET_DAYS
        weights = [1 + GROWTH * (1 - (b + 0.5) / buckets) for b in range(buckets)]
        counted = sum(1 for it in items if it.status != S.MERGED)
        room = [counted * w / sum(weights) for w in weights]
        anchored = [it for it in items if it.idle is not None]
        for it in anchored:
            self._place(it, it.idle + sum(s.gap for s in it.steps))
            if it.status != S.MERGED:  # a merged petition is not counted on its own
                age = (self.now - it.received_at).total_seconds() / 86400
                room[min(int(age // BUCKET_DAYS), buckets - 1)] -= 1
        # what is open today crowds the last weeks: the rest of those twelve months takes fewer finished
        # petitions, so that a year's intake still compares with the year before
        year = 365 // BUCKET_DAYS
        crowd = -sum(r for r in room[:year] if r < 0)
        spare = sum(r for r in room[:year] if r > 0)
        for b in range(year):
            if room[b] > 0:
                room[b] -= room[b] * min(crowd / spare, 1)
        finished = [it for it in items if it.idle is None]
        probe = self.now - dt.timedelta(days=HORIZON_DAYS)
        for it in finished:
            times = self._timeline(probe, it.steps)
            it.min_age += ((times[-1] - probe).total_seconds() / 86400 if times else 0) + 2
            if it.final_original:  # finished well before its petitioner came back (refused again)
                back = next(r for r in items if r.origin is it)
                it.min_age += (self.now - back.received_at).total_seconds() / 86400 + 20
        for it in sorted(finished, key=lambda it: -it.min_age):
            first = min(int(math.ceil(it.min_age / BUCKET_DAYS)), buckets - 1)
            # 包案 is this year's practice: the owned case that was resolved came in within the year
            choices = list(range(first, max(year, first + 1) if it.owned else buckets))
            b = rng.choices(choices, weights=[max(room[c], 0) + 0.01 for c in choices])[0]
            room[b] -= 1
            lo = max(b * BUCKET_DAYS, it.min_age)
            self._place(it, rng.uniform(lo, max(lo, (b + 1) * BUCKET_DAYS)))

    # ---- building ---------------------------------------------------------------------------

    def build(self, n: int) -> int:
        items = self.plan(n)
        for i, it in enumerate(items, start=1):
            with transaction.atomic():
                self._make(it)
            self.done.append(it)
            if self.progress:
                self.progress(i, len(items))
        deadlines_sweep()  # the warning levels as of today (each move set them as of its own day)
        return len(items)

    def _make(self, it: Item) -> None:
        rng = self.rng
        repeat_of = None
        if it.origin is not None:
            origin = it.origin
            it.template, it.ctx, it.people = origin.template, dict(origin.ctx), origin.people[:1]
            repeat_of = origin.petition
            if origin.petition.closed_at is None or origin.petition.closed_at >= it.received_at:
                raise CommandError(f"{origin.petition.number} was not final before it came back")
        elif it.status == S.MERGED:
            target = self._merge_target(it)
            if target is not None:
                it.district, it.template, it.ctx = target.district, target.template, dict(target.ctx)
                it.ctx["merge_into"] = target.petition.number
            else:  # nothing open to merge into yet (only with very few petitions): it stays registered
                it.status, it.steps, it.times = S.REGISTERED, [], []
                it.template = rng.choice([t for t in TEMPLATES if _fits(t, S.REGISTERED)])
        elif it.status in REPEAT_OK and rng.random() < 0.12:
            earlier = self._repeat_candidate(it)
            if earlier is not None:
                it.template, it.ctx, it.people = earlier.template, dict(earlier.ctx), earlier.people[:1]
                repeat_of = earlier.petition
        if not it.ctx:
            it.ctx = self._context(it)
        t = it.template
        fields = self._intake(it, repeat_of)
        clerk = "demo_city_dispatcher" if it.city else f"demo_clerk{it.suffix}"
        try:
            p, _code = petition_register(actor=self.org.users[clerk], petitioners=it.people or None,
                                         at=it.received_at, **fields)
        except ApplicationError as exc:
            raise CommandError(f"register ({it.status}, {t.title}): {exc.message}") from exc
        it.petition = p
        for step, at in zip(it.steps, it.times, strict=True):
            try:
                p = step.run(p, at)
            except ApplicationError as exc:
                raise CommandError(f"{p.number} {step.label} ({it.status}, {timezone.localtime(at):%Y-%m-%d %H:%M}):"
                                   f" {exc.message}") from exc
            it.petition = p
        if p.status != it.status:
            raise CommandError(f"{p.number}: expected {it.status}, got {p.status}")

    def _merge_target(self, it: Item) -> Item | None:
        pool = [d for d in self.done if d.status in MERGE_INTO and not d.city and d.template.kind == ""
                and d.received_at < it.received_at]
        same = [d for d in pool if d.district == it.district]
        pool = same or pool
        return self.rng.choice(pool) if pool else None

    def _repeat_candidate(self, it: Item) -> Item | None:
        """An earlier petition of the same district, finished at least a week before this one came in,
        whose matter fits this petition's course."""
        latest = it.received_at - dt.timedelta(days=7)
        pool = [d for d in self.done if d.district == it.district and not d.city and d.people
                and d.status in (S.CLOSED, S.REJECTED, S.DIVERTED) and d.petition.repeat_of_id is None
                and d.origin is None and not d.final_original and d.petition.closed_at < latest
                and _fits(d.template, it.status) and _shape(d.template) == _shape(it.template)]
        return self.rng.choice(pool) if pool else None

    # ---- intake -----------------------------------------------------------------------------

    def _context(self, it: Item) -> dict:
        rng, place = self.rng, PLACES[it.district]
        t = it.template
        ti = 2 if t.rural else rng.choice((1, 1, 2))
        vi = rng.choice((1, 2))
        town, villages = place["towns"][ti - 1]
        roads = rng.sample(place["roads"], 2)
        estates = place["estates"]
        district = place["district"]
        schools = rng.sample([f"{district}实验小学", f"{town}中心小学", f"{district}第二中学", f"{district}第三小学"], 2)
        year_old = rng.randint(1976, 1990)
        ctx = {
            "ti": ti, "vi": vi, "district": district, "town": town, "vil": villages[vi - 1],
            "estate": rng.choice(estates), "road": roads[0], "road2": roads[1], "bldg": rng.randint(1, 28),
            "small": rng.randint(2, 6), "mid": rng.randint(12, 86), "mid10": rng.randint(2, 9) * 10,
            "big": rng.randint(12, 68) * 10,
            "month": rng.randint(1, 12), "months": rng.randint(3, 20), "year": rng.randint(2016, 2023),
            "year_old": year_old, "year_old2": year_old + rng.randint(3, 10),
            "fee": rng.choice((80, 120, 150, 200, 260, 300, 450)), "yuan": rng.randint(30, 600) * 100,
            "wan": rng.randint(8, 260), "meters": rng.randint(3, 12) * 50, "area": rng.randint(25, 180),
            "mu": rng.randint(8, 60) * 10, "mu_small": rng.randint(2, 15), "km": rng.randint(3, 8),
            "age": rng.randint(35, 58), "old": rng.randint(80, 96), "pct": rng.choice((12, 15, 18, 20, 24)),
            "bus": rng.randint(2, 46), "school": schools[0], "school2": schools[1],
            "hospital": rng.choice((f"{district}人民医院", "示范市第二人民医院", f"{town}卫生院")),
            "official": self._name(rng.random() < 0.8)[0],
        }
        for key, names in COMPANIES.items():
            ctx[key] = rng.choice(names)
        return ctx

    def _name(self, male: bool) -> tuple[str, bool]:
        rng = self.rng
        pool = GIVEN_MALE if male else GIVEN_FEMALE
        given = rng.choice(pool) if rng.random() < 0.35 else rng.choice(pool) + rng.choice(pool)
        return rng.choice(SURNAMES) + given, male

    def _person(self, it: Item) -> PetitionerInput:
        rng, place = self.rng, PLACES[it.district]
        name, male = self._name(rng.random() < 0.55)
        id_number = ""
        if rng.random() < 0.85:
            while True:
                birth = dt.date(rng.randint(1942, 2003), rng.randint(1, 12), rng.randint(1, 28))
                seq = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
                first17 = f"{place['region']}{birth:%Y%m%d}{seq:03d}"
                id_number = first17 + id_checksum(first17)
                if id_number not in self.used_ids:
                    self.used_ids.add(id_number)
                    break
        while True:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                break
        c = it.ctx
        if c["vil"].endswith("村"):
            address = f"示范市{c['district']}{c['town']}{c['vil']}{rng.randint(1, 12)}组{rng.randint(1, 90)}号"
        else:
            address = (f"示范市{c['district']}{c['town']}{rng.choice(place['estates'])}{rng.randint(1, 28)}栋"
                       f"{rng.randint(1, 4)}单元{rng.randint(1, 30)}{rng.randint(1, 4):02d}室")
        return PetitionerInput(name=name, id_number=id_number, phone=phone, address=address)

    def _channel(self, it: Item) -> str:
        rng, t = self.rng, it.template
        if t.crowd and rng.random() < 0.55:
            return Channel.VISIT
        if t.nature == Nature.ACCUSATION:
            return rng.choice((Channel.LETTER, Channel.LETTER, Channel.ONLINE, Channel.VISIT, Channel.EMAIL))
        if t.kind and rng.random() < 0.6:
            return rng.choice((Channel.HOTLINE, Channel.PHONE, Channel.ONLINE))
        if t.demand and rng.random() < 0.2:
            return Channel.HOTLINE
        channel = rng.choices([c for c, _w in CHANNEL_WEIGHTS], weights=[w for _c, w in CHANNEL_WEIGHTS])[0]
        if it.city and channel == Channel.HOTLINE:
            channel = Channel.TRANSFER_IN
        return channel

    def _intake(self, it: Item, repeat_of: Petition | None) -> dict:
        rng, t, c = self.rng, it.template, it.ctx
        channel = self._channel(it)
        title, content, demands = (t.title.format(**c), t.content.format(**c), t.demands.format(**c))
        headcount, anonymous = None, False
        if repeat_of is not None:
            when = timezone.localtime(repeat_of.received_at)
            title = _("再次反映：") + title
            content = (_("本人曾于%(y)d年%(m)d月反映此事（编号%(n)s），至今问题仍未解决，现再次反映。") % {
                "y": when.year, "m": when.month, "n": repeat_of.number}) + content
        elif t.nature == Nature.ACCUSATION and it.status in ANONYMOUS_OK and channel != Channel.VISIT \
                and rng.random() < 0.5:
            anonymous = True
        elif channel == Channel.VISIT and (t.crowd and rng.random() < 0.75 or rng.random() < 0.12):
            if t.crowd and rng.random() < 0.6:
                headcount = rng.randint(5, 40) if rng.random() < 0.8 else rng.randint(41, 150)
                reps = [self._person(it) for _i in range(rng.randint(1, 5))]
                for p in reps:
                    p.representative = True
                it.people = reps
            else:
                headcount = rng.randint(2, 4)
                it.people = [self._person(it) for _i in range(headcount)]
        if not it.people and not anonymous:
            if t.organisation and rng.random() < 0.5:
                phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}"
                it.people = [PetitionerInput(name=c["company_sub"], phone=phone, kind="organisation")]
            else:
                it.people = [self._person(it)]
        if anonymous:
            it.people = []
        demand_type = ""
        if channel == Channel.HOTLINE:
            demand_type = t.demand or {Nature.SUGGESTION: DemandType.SUGGEST,
                                       Nature.ACCUSATION: DemandType.REPORT}.get(t.nature, DemandType.HELP)
        external_id = ""
        if channel == Channel.TRANSFER_IN:
            external_id = f"SFS-{timezone.localtime(it.received_at).year}-{rng.randint(1, 99999):05d}"
            content = _("（示范省信访局转送）") + content
        region_code = PLACES[it.district]["region"] + f"{c['ti']:03d}"
        if c["vil"] and rng.random() < 0.8:
            region_code += f"{c['vi']:03d}"
        accused_unit, accused_person = None, ""
        if t.accused:
            prefix = it.district
            accused_unit = {"village": f"{prefix}-T{c['ti']}-V{c['vi']}", "town": f"{prefix}-T{c['ti']}"}.get(
                t.accused, f"{prefix}-{t.accused}")
            accused_person = c["official"]
        urgent = (headcount or 1) >= 30 and rng.random() < 0.6 or rng.random() < 0.03
        return {
            "channel": channel, "received_at": it.received_at, "title": title, "content": content,
            "demands": demands, "category": t.category, "nature": t.nature, "problem_region": region_code,
            "headcount": headcount, "accused_unit": accused_unit, "accused_person": accused_person,
            "is_litigation": t.litigation, "is_urgent": urgent, "is_anonymous": anonymous,
            "demand_type": demand_type, "external_id": external_id, "repeat_of": repeat_of,
        }

    # ---- who acts -----------------------------------------------------------------------------

    def _office(self, it: Item) -> str:
        return "demo_city_dispatcher" if it.city else f"demo_dispatcher{it.suffix}"

    def _clerk(self, it: Item) -> str:
        """The registering office's clerk: call-backs, appeals taken at the window."""
        return "demo_city_dispatcher" if it.city else f"demo_clerk{it.suffix}"

    def _staff(self, it: Item, dept: str | None = None) -> tuple[str, str, str]:
        """(dispatcher, leader, handler) of a staffed department in the item's district."""
        s, dept = it.suffix, dept or it.template.dept
        if dept == "ZJ":
            return f"demo_dept_dispatcher{s}", f"demo_leader{s}", f"demo_handler{s}"
        return f"demo_{dept.lower()}_leader{s}", f"demo_{dept.lower()}_leader{s}", f"demo_{dept.lower()}_handler{s}"

    def _target_unit(self, it: Item) -> str:
        dept = it.template.dept
        return f"{it.district}-T{it.ctx['ti']}" if dept == "T" else f"{it.district}-{dept}"

    # ---- planned moves ----------------------------------------------------------------------

    def _move(self, who: Who, action: str, params=None, *, gap: float, **flags) -> Step:
        """A step taking `action` as the user `who()` names; `params` a dict or (petition, at) -> dict."""

        def run(p: Petition, at: dt.datetime) -> Petition:
            values = params(p, at) if callable(params) else dict(params or {})
            return petition_act(actor=self.org.users[who()], petition_id=p.pk, action=action, version=p.version,
                                params=values, at=at)

        return Step(gap, run, action, **flags)

    def _route_gap(self) -> float:
        """Days from receipt to routing (or another first decision): the 15-day limit is mostly kept."""
        r = self.rng.random()
        if r < 0.80:
            return self.rng.uniform(0.02, 2.5)
        return self.rng.uniform(2.5, 9) if r < 0.96 else self.rng.uniform(16, 24)

    def _accept_gap(self) -> float:
        """Days from routing to the department's acceptance (15 days from the transfer)."""
        r = self.rng.random()
        if r < 0.80:
            return self.rng.uniform(0.3, 4)
        return self.rng.uniform(4, 10) if r < 0.95 else self.rng.uniform(16, 22)

    def _route(self, it: Item, gap: float, unit: Callable[[], str] | None = None) -> Step:
        kind = "assign" if it.city or self.rng.random() < 0.35 else "forward"
        note = self.rng.choice(ROUTE_NOTES)

        def params(p, at):
            return {"unit": unit() if unit else self._target_unit(it), **({"note": note} if note else {})}

        return self._move(lambda: self._office(it), kind, params, gap=gap)

    def _routed(self, it: Item) -> list[Step]:
        """Routed to the competent department; an owned petition gets its leader right after."""
        steps = [self._route(it, self._route_gap())]
        if it.owned:
            def own(p: Petition, at: dt.datetime) -> Petition:
                ownership_assign(actor=self.org.users[OWNER_ARRANGER], petition=p, leader=self.org.users[OWNER],
                                 note=_("区政府领导包案：一个月内约谈信访人，督促承办单位落实化解措施。"), at=at)
                return Petition.objects.get(pk=p.pk)

            steps.append(Step(self.rng.uniform(0.05, 1.5), own, "own"))
        return steps

    def _wrong_unit(self, it: Item) -> Callable[[], str]:
        pick = self.rng.random()

        def unit() -> str:
            wrong = [d for d in STAFFED if d != it.template.dept]
            return f"{it.district}-{wrong[int(pick * len(wrong))]}"

        return unit

    def _objection(self, it: Item, *, wrongly: bool) -> list[Step]:
        """Routed, objected to (异议退回) within 5 working days, decided by the routing office: a wrong
        department's objection is confirmed (back at the office), a right one's is rejected."""
        rng = self.rng
        unit = self._wrong_unit(it) if wrongly else None
        dept = (lambda: unit().split("-")[1]) if wrongly else (lambda: it.template.dept)
        reason = rng.choice(OBJECT_REASONS)
        steps = [self._route(it, rng.uniform(0.05, 2.5), unit),
                 self._move(lambda: self._staff(it, dept())[1], "object", {"reason": reason},
                            gap=rng.uniform(0.3, 3.5))]
        if wrongly:
            steps.append(self._move(lambda: self._office(it), "confirm_objection", {"note": OBJECTION_CONFIRMED},
                                    gap=rng.uniform(0.05, 1.5)))
        else:
            steps.append(self._move(lambda: self._office(it), "reject_objection", {"reason": OBJECTION_KEPT},
                                    gap=rng.uniform(0.05, 1.5)))
        return steps

    def _accepted(self, it: Item, *, handler: bool, fast: bool = False) -> list[Step]:
        """The department accepts, naming the handler then or just after."""
        rng = self.rng
        gap = self._accept_gap()
        disp = lambda: self._staff(it)[0]  # noqa: E731
        if fast:
            return [self._move(disp, "accept", {"fast_track": True, "note": _("初信初访，简易办理。")}, gap=gap)]
        if not handler:
            return [self._move(disp, "accept", gap=gap)]
        if rng.random() < 0.5:
            return [self._move(disp, "accept", lambda p, at: {"handler": self._staff(it)[2],
                                                              "note": _("依法受理，已指定承办人。")}, gap=gap)]
        return [self._move(disp, "accept", gap=gap),
                self._move(lambda: self._staff(it)[1], "assign_handler", lambda p, at: {"handler": self._staff(it)[2]},
                           gap=rng.uniform(0.02, 1.5))]

    def _handling_events(self, it: Item, until: float) -> list[tuple[float, Step]]:
        """Notes, a mediation, a hearing: (days after acceptance, step), before `until`."""
        rng = self.rng
        handler = lambda: self._staff(it)[2]  # noqa: E731
        events = []
        for _i in range(rng.choice((0, 1, 1, 2))):
            events.append(self._move(handler, "note", {"text": rng.choice(NOTES)}, gap=0))
        if rng.random() < 0.12:
            text = rng.choice(MEDIATIONS)
            events.append(self._move(handler, "mediate", {"text": text, "agreement": text.endswith("调解协议书。")},
                                     gap=0))
        if rng.random() < 0.05:
            hearing = rng.choice(HEARINGS)

            def params(p, at):
                day = timezone.localtime(at).date().isoformat()
                return {"held_on": day, **{k: v.format(**it.ctx) for k, v in hearing.items()}}

            events.append(self._move(handler, "hold_hearing", params, gap=0))
        if until <= 1:
            return []
        offsets = sorted(rng.uniform(0.5, until - 0.3) for _e in events)
        return list(zip(offsets, events, strict=True))

    def _extension(self, it: Item, ask: float, approve: bool) -> tuple[list[tuple[float, Step]], int]:
        """An extension asked `ask` days after acceptance (while the 60 days run), maybe approved."""
        rng = self.rng
        days, reason = rng.choice((15, 20, 30)), rng.choice(EXTENSION_REASONS)
        events = [(ask, self._move(lambda: self._staff(it)[2], "request_extension", {"days": days, "reason": reason},
                                   gap=0))]
        if approve:
            events.append((ask + rng.uniform(0.3, 2), self._move(lambda: self._staff(it)[1], "approve_extension",
                                                                 gap=0)))
        return events, days

    @staticmethod
    def _gaps(events: list[tuple[float, Step]]) -> list[Step]:
        """Steps at offsets (days after the previous step before them) -> steps with their gaps."""
        prev, steps = 0.0, []
        for offset, step in sorted(events, key=lambda e: e[0]):
            step.gap = max(offset - prev, 0.01)
            prev = offset
            steps.append(step)
        return steps

    def _reply_params(self, it: Item, p: Petition, appeal: bool) -> dict:
        choices = (("explain", 60), ("decline", 40)) if appeal else (("support", 45), ("explain", 40),
                                                                      ("decline", 15))
        outcome = self.rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]
        it.outcome = outcome
        text = REPLY_TEXT[outcome].format(unit=p.handling_unit.name, title=it.template.title.format(**it.ctx),
                                          demands=p.demands.rstrip("。"))
        return {"outcome": outcome, "text": text, "basis": BASIS[p.category.code[:2]] if p.category else BASIS["18"]}

    def _handled(self, it: Item, appeal: bool) -> list[Step]:
        """From receipt to the approved reply (信访处理意见书): routed, accepted, handled, drafted,
        sometimes sent back by the leader, approved; mostly within the 60 days (or the extension)."""
        rng = self.rng
        steps = self._routed(it) + self._accepted(it, handler=True)
        events: list[tuple[float, Step]] = []
        limit, extended_at = 60.0, None
        if rng.random() < 0.15:
            events, days = self._extension(it, rng.uniform(36, 50), approve=True)
            extended_at, limit = events[-1][0], 60.0 + days
        late = rng.random() < 0.1
        earliest = 12 if extended_at is None else extended_at + 8
        approve = rng.uniform(limit + 1, limit + 15) if late else rng.uniform(earliest, max(earliest, limit - 3))
        returned = rng.random() < 0.1
        draft = approve - (rng.uniform(7, 12) if returned else rng.uniform(0.5, 4))
        draft = max(draft, 1.0, (extended_at or 0) + 0.5)
        events += self._handling_events(it, draft)
        handler, leader = (lambda: self._staff(it)[2]), (lambda: self._staff(it)[1])
        events.append((draft, self._move(handler, "draft_reply", lambda p, at: self._reply_params(it, p, appeal),
                                         gap=0)))
        if returned:
            back = draft + rng.uniform(0.5, 2)
            redraft = max(approve - rng.uniform(0.5, 3), back + 0.3)
            approve = max(approve, redraft + 0.3)
            events.append((back, self._move(leader, "return_reply", {"note": rng.choice(RETURN_NOTES)}, gap=0)))
            events.append((redraft, self._move(handler, "draft_reply",
                                               lambda p, at: self._reply_params(it, p, appeal), gap=0)))
        events.append((approve, self._move(leader, "approve_reply",
                                           {"note": rng.choice(("同意。", "同意，请及时送达信访人。"))}, gap=0)))
        return steps + self._gaps(events)

    def _replied(self, it: Item, appeal: bool = False) -> list[Step]:
        """To the reply: 1 in 4 simple first-time matters by 简易办理 within its 10 working days."""
        if not appeal and self.rng.random() < 0.25:
            steps = self._routed(it) + self._accepted(it, handler=False, fast=True)
            return steps + [self._move(lambda: self._staff(it)[2], "fast_track",
                                       lambda p, at: self._reply_params(it, p, appeal), gap=self.rng.uniform(1, 8))]
        return self._handled(it, appeal)

    def _deliver(self, it: Item, who: Who, gap: float | None = None) -> Step:
        """送达 of the current opinion, mostly by post a few days after it was issued, some in person
        the same day; the 复查/复核 window starts on the day of delivery."""
        rng = self.rng
        method = rng.choices([m for m, _w in DELIVERY_METHODS], weights=[w for _m, w in DELIVERY_METHODS])[0]
        if gap is None:
            gap = {"post": rng.uniform(2, 6), "in_person": 0, "electronic": rng.uniform(0.02, 1)}.get(
                method, rng.uniform(2, 7))
        tracking = f"1{rng.randint(10 ** 11, 10 ** 12 - 1)}" if method == "post" else ""

        def params(p, at):
            values = {"delivered_at": timezone.localtime(at).date().isoformat(), "method": method,
                      "note": DELIVERY_NOTES[method].format(**it.ctx)}
            return {**values, "tracking_no": tracking} if tracking else values

        return self._move(who, "deliver", params, gap=gap, opens_window=True)

    def _evaluate(self, it: Item, gap: float, unhappy: bool = False) -> Step:
        """满意度 by the office's call-back, after the opinion was delivered, within the window."""
        rng = self.rng
        pick, reason = rng.random(), rng.choice(DISSATISFIED_REASONS)
        clerk = lambda: self._clerk(it)  # noqa: E731

        def run(p: Petition, at: dt.datetime) -> Petition:
            if not it.people:  # nobody to call back
                return p
            if it.happy:
                weights = (70, 30, 0)
            elif unhappy:
                weights = (5, 25, 70)
            else:
                weights = {"support": (70, 25, 5), "explain": (35, 40, 25), "decline": (10, 30, 60)}.get(
                    it.outcome, (40, 35, 25))
            level = ("satisfied", "basically", "dissatisfied")[
                0 if pick * 100 < weights[0] else 1 if pick * 100 < weights[0] + weights[1] else 2]
            params = {"level": level, **({"reason": reason} if level == "dissatisfied" else {})}
            return petition_act(actor=self.org.users[clerk()], petition_id=p.pk, action="evaluate",
                                version=p.version, params=params, at=at)

        return Step(gap, run, "evaluate")

    def _review(self, it: Item, *, answer: bool, deliver: bool = True) -> list[Step]:
        """复查 asked at the office within the window, answered by the district government."""
        rng = self.rng
        steps = [self._move(lambda: self._clerk(it), "request_review", {"reason": rng.choice(REVIEW_REASONS)},
                            gap=rng.uniform(3, 14))]
        if answer:
            reviewer = lambda: f"demo_reviewer{it.suffix}"  # noqa: E731
            steps.append(self._move(reviewer, "answer_review", lambda p, at: {
                "outcome": it.outcome, "text": REVIEW_TEXT,
                "basis": BASIS[p.category.code[:2]] + "《信访工作条例》第三十五条"}, gap=rng.uniform(10, 27)))
            if deliver:
                steps.append(self._deliver(it, reviewer))
        return steps

    def _rereview(self, it: Item, *, answer: bool) -> list[Step]:
        """复核 by the city government."""
        rng = self.rng
        steps = [self._move(lambda: self._clerk(it), "request_rereview", {"reason": rng.choice(REVIEW_REASONS)},
                            gap=rng.uniform(3, 14))]
        if answer:
            leader = lambda: "demo_city_leader"  # noqa: E731
            steps.append(self._move(leader, "answer_rereview", lambda p, at: {
                "outcome": it.outcome, "text": REREVIEW_TEXT,
                "basis": BASIS[p.category.code[:2]] + "《信访工作条例》第三十六条"}, gap=rng.uniform(10, 27)))
            steps.append(self._deliver(it, leader))
        return steps

    def _close(self, it: Item, *, waiver: bool) -> Step:
        """办结 by the department once the appeal window has passed, or earlier on a written waiver."""
        disp = lambda: self._staff(it)[0]  # noqa: E731
        if waiver:
            return self._move(disp, "close", {"waiver": True, "note": CLOSE_NOTES["waiver"]},
                              gap=self.rng.uniform(0.5, 6))
        return self._move(disp, "close", {"note": CLOSE_NOTES["expired"]}, gap=self.rng.uniform(0.05, 3),
                          after_window=True)

    def _tail(self, it: Item, steps: list[Step], longest: float, evaluate: float) -> None:
        """An open petition after a delivery: maybe evaluated, then idle; at most `longest` days since
        the delivery (the window stays open today)."""
        tail = self.rng.uniform(0.5, longest)
        if self.rng.random() < evaluate and tail > 1:
            gap = self.rng.uniform(0.5, tail - 0.3)
            steps.append(self._evaluate(it, gap))
            tail -= gap
        it.idle = tail

    # ---- the course of each petition ---------------------------------------------------------

    def _script(self, it: Item) -> None:
        """Plan the moves that bring `it` to its state (`it.steps`) and, for an open one, how long ago
        its last move was (`it.idle`)."""
        rng, s = self.rng, it.status
        t = it.template
        staffed = t is not None and t.dept in STAFFED
        office = lambda: self._office(it)  # noqa: E731
        steps = it.steps
        if s == S.REGISTERED:
            if it.overdue:
                it.idle = rng.uniform(20, 150)
            elif it.objected and staffed:
                steps += self._objection(it, wrongly=True)
                it.idle = rng.uniform(0.1, 4)
            else:
                it.idle = rng.uniform(0.05, 7)
        elif s == S.ROUTED:
            r = rng.random()
            if staffed and not it.city and r < 0.08:
                steps += self._objection(it, wrongly=True) + [self._route(it, rng.uniform(0.05, 1.5))]
            elif staffed and not it.city and r < 0.12:
                steps += self._objection(it, wrongly=False)
            else:
                steps.append(self._route(it, self._route_gap()))
            it.idle = rng.uniform(0.05, 9) if rng.random() < 0.88 else rng.uniform(16, 28)
        elif s == S.ACCEPTED:
            if staffed and (it.city or rng.random() < 0.6):
                steps += [self._route(it, self._route_gap())] + self._accepted(it, handler=False)
            else:
                steps.append(self._move(office, "accept", {"note": _("由信访部门直接受理。")}, gap=self._route_gap()))
            it.idle = rng.uniform(0.05, 3)
        elif s == S.IN_HANDLING:
            steps += self._routed(it) + self._accepted(it, handler=True)
            if it.pending_extension:
                elapsed = rng.uniform(44, 55)
                events, _days = self._extension(it, elapsed - rng.uniform(0.3, 3), approve=False)
            else:
                elapsed = rng.uniform(3, 55) if rng.random() < 0.88 else rng.uniform(61, 80)
                events = []
                if elapsed > 40 and rng.random() < 0.2:
                    ask = rng.uniform(36, min(elapsed, 55) - 1)
                    events, _days = self._extension(it, ask, approve=ask + 2.5 < elapsed)
            events += self._handling_events(it, min(o for o, _s in events) if events else elapsed)
            steps += self._gaps(events)
            it.idle = max(elapsed - max((o for o, _s in events), default=0.0), 0.05)
        elif s == S.REPLY_PENDING:
            steps += self._routed(it) + self._accepted(it, handler=True)
            draft = rng.uniform(12, 55)
            events = self._handling_events(it, draft)
            events.append((draft, self._move(lambda: self._staff(it)[2], "draft_reply",
                                             lambda p, at: self._reply_params(it, p, False), gap=0)))
            steps += self._gaps(events)
            it.idle = rng.uniform(0.2, 4)
        elif s == S.REPLIED:
            steps += self._replied(it)
            if it.undelivered:
                it.idle = rng.uniform(0.2, 10)
            else:
                steps.append(self._deliver(it, lambda: self._staff(it)[2]))
                self._tail(it, steps, 20, 0.45)
        elif s in (S.UNDER_REVIEW, S.REVIEWED, S.UNDER_REREVIEW, S.FINAL):
            steps += self._replied(it, appeal=True)
            steps.append(self._deliver(it, lambda: self._staff(it)[2]))
            if rng.random() < 0.5:
                steps.append(self._evaluate(it, rng.uniform(0.5, 4), unhappy=True))
            if s == S.UNDER_REVIEW:
                steps += self._review(it, answer=False)
                it.idle = rng.uniform(0.5, 25)
            elif s == S.REVIEWED:
                delivered = rng.random() < 0.7
                steps += self._review(it, answer=True, deliver=delivered)
                if delivered:
                    self._tail(it, steps, 20, 0)
                else:
                    it.idle = rng.uniform(0.3, 8)
            else:
                steps += self._review(it, answer=True)
                steps += self._rereview(it, answer=s == S.FINAL)
                if s == S.UNDER_REREVIEW:
                    it.idle = rng.uniform(0.5, 25)
        elif s == S.CLOSED:
            appeal = rng.random() < 0.2
            steps += self._replied(it, appeal=appeal)
            steps.append(self._deliver(it, lambda: self._staff(it)[2]))
            if appeal:
                if rng.random() < 0.6:
                    steps.append(self._evaluate(it, rng.uniform(0.5, 4), unhappy=True))
                steps += self._review(it, answer=True)
                steps.append(self._close(it, waiver=False))
            else:
                it.happy = rng.random() < 0.35
                if it.happy or rng.random() < 0.65:
                    steps.append(self._evaluate(it, rng.uniform(1, 15)))
                steps.append(self._close(it, waiver=it.happy))
        elif s == S.REJECTED:
            if it.origin is not None:
                steps.append(self._move(office, "refuse_again", gap=rng.uniform(0.3, 5)))
                it.idle = rng.uniform(1, 15)
            else:
                def reason(p, at):
                    key = "repeat" if p.repeat_of_id else ("litigation" if it.template.litigation else "other")
                    return {"reason": REJECT_REASONS[key]}

                if staffed and not t.litigation and rng.random() < 0.3:
                    steps += [self._route(it, self._route_gap()),
                              self._move(lambda: self._staff(it)[1], "reject", reason, gap=self._accept_gap())]
                else:
                    steps.append(self._move(office, "reject", reason, gap=self._route_gap()))
        elif s == S.DIVERTED:
            unit = {"politics_law": f"{it.district}-ZF", "discipline": f"{it.district}-JW"}.get(t.divert)
            params = {"target": t.divert, "reason": DIVERT_REASONS[t.divert], **({"unit": unit} if unit else {})}
            steps.append(self._move(office, "divert", params, gap=self._route_gap()))
        elif s == S.ARCHIVED:
            note = ARCHIVE_NOTES.get(t.kind, ARCHIVE_NOTES["other"])
            gap = 0 if rng.random() < 0.5 else rng.uniform(0.05, 5)
            steps.append(self._move(office, "archive", {"note": note}, gap=gap))
        elif s == S.MERGED:
            steps.append(self._move(office, "merge", lambda p, at: {"into": it.ctx["merge_into"], "note": MERGE_NOTE},
                                    gap=rng.uniform(0.05, 2.5)))
            it.idle = rng.uniform(0.1, 6)
        else:
            raise CommandError(f"unknown state {s}")



def _fits(t: Template, status: str) -> bool:
    """Whether a petition made from template `t` can lawfully end in `status`."""
    handled = t.dept in STAFFED and t.nature != Nature.ACCUSATION and not t.kind and not t.litigation
    if status in HANDLED:
        return handled
    if status == S.ACCEPTED:
        return not t.kind and not t.litigation and t.nature != Nature.ACCUSATION
    if status == S.ROUTED:
        return t.dept is not None and not t.kind
    if status == S.DIVERTED:
        return bool(t.divert)
    if status == S.ARCHIVED:
        return bool(t.kind) or t.nature == Nature.SUGGESTION
    if status == S.REJECTED:
        return t.nature == Nature.APPEAL and not t.kind
    return True


def _shape(t: Template) -> tuple:
    """What of a template decides a petition's course (a repeat borrows a template of the same shape)."""
    return t.dept in STAFFED, t.dept is None
