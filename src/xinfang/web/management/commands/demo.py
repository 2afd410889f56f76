"""`xinfang demo`: the invented city 示范市 with its accounts and a few hundred invented petitions.

Every petition is created through the real services (`petition_register`, `petition_act`) by the
demo account whose job it is, so numbers, deadlines, timeline events and audit rows are all real.
Petitions are received over the past ~14 months; the moves after registration are stamped "now"
by the services. The same seed gives the same petitions.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.audit.models import AuditEntry
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
from xinfang.workflow.models import PetitionEvent
from xinfang.workflow.services import petition_act, petition_register

from ..demo_data import (
    ARCHIVE_NOTES,
    BASIS,
    COMPANIES,
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
    PLACES,
    REJECT_REASONS,
    REPLY_TEXT,
    REREVIEW_TEXT,
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
# Relative share of each final state (every state gets at least one petition when N >= 15).
STATE_WEIGHTS = {
    S.REGISTERED: 8, S.ROUTED: 10, S.ACCEPTED: 4, S.IN_HANDLING: 13, S.REPLY_PENDING: 4, S.REPLIED: 10,
    S.UNDER_REVIEW: 3, S.REVIEWED: 3, S.UNDER_REREVIEW: 2, S.FINAL: 2, S.CLOSED: 20, S.REJECTED: 5,
    S.DIVERTED: 5, S.ARCHIVED: 7, S.MERGED: 3,
}
# How long ago (days) petitions that end in each state were received.
AGE = {
    S.REGISTERED: (0, 12), S.ROUTED: (0, 40), S.ACCEPTED: (1, 30), S.IN_HANDLING: (3, 60),
    S.REPLY_PENDING: (10, 70), S.REPLIED: (15, 120), S.UNDER_REVIEW: (60, 250), S.REVIEWED: (60, 250),
    S.UNDER_REREVIEW: (90, 300), S.FINAL: (200, 420), S.CLOSED: (20, 420), S.REJECTED: (3, 420),
    S.DIVERTED: (1, 420), S.ARCHIVED: (0, 420), S.MERGED: (0, 8),
}
HANDLED = {S.IN_HANDLING, S.REPLY_PENDING, S.REPLIED, S.UNDER_REVIEW, S.REVIEWED, S.UNDER_REREVIEW, S.FINAL,
           S.CLOSED}
CITY_OK = {S.REGISTERED, S.ROUTED, S.IN_HANDLING, S.REPLY_PENDING, S.REPLIED, S.CLOSED, S.REVIEWED}
ANONYMOUS_OK = {S.REGISTERED, S.ROUTED, S.ACCEPTED, S.IN_HANDLING, S.DIVERTED, S.ARCHIVED}
REPEAT_OK = {S.REGISTERED, S.ROUTED, S.ACCEPTED, S.IN_HANDLING, S.REPLY_PENDING, S.REJECTED}
CHANNEL_WEIGHTS = [(Channel.LETTER, 16), (Channel.VISIT, 24), (Channel.PHONE, 12), (Channel.ONLINE, 26),
                   (Channel.EMAIL, 5), (Channel.FAX, 2), (Channel.HOTLINE, 8), (Channel.TRANSFER_IN, 7)]
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "156", "157", "158", "159", "166", "176", "177", "180", "181", "186", "187", "188", "189", "199")


@dataclass
class Item:
    """One planned petition: the state it should end in and how it gets there."""

    status: str
    district: str  # "DH" or "XS"
    days_ago: int
    overdue: bool = False
    objected: bool = False
    city: bool = False
    final_original: bool = False
    pending_extension: bool = False
    owned: bool = False  # a leader owns it (包案) from registration on
    origin: Item | None = None  # for a refused-again repeat: the item that reached 复核终结
    received_at: dt.datetime | None = None
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


def _is_department_account(username: str) -> bool:
    parts = username.split("_")
    return len(parts) == 3 and parts[1].upper() in DEPT_SHORT


def department_staff(org: DemoOrg) -> None:
    """A leader (also dispatcher) and a handler in each staffed department besides 住建局 (which the
    core accounts of org/demo.py cover), so petitions of every kind can be handled to the end."""
    User = get_user_model()
    model = org.users["demo_clerk"]
    for prefix, suffix, surname in (("DH", "", "东"), ("XS", "2", "西")):
        for code, short in DEPT_SHORT.items():
            unit = org.units[f"{prefix}-{code}"]
            for key, label, roles in (("leader", "领导", (Role.LEADER, Role.DISPATCHER)),
                                      ("handler", "承办", (Role.HANDLER,))):
                username = f"demo_{code.lower()}_{key}{suffix}"
                full_name = f"{surname}{short}{label}"
                user = User.objects.filter(username=username).first()
                if user is None:
                    # the same password as the core accounts; copying the hash avoids hashing it again
                    user = User.objects.create(username=username, last_name=full_name[:1], first_name=full_name[1:],
                                               password=model.password)
                    StaffProfile.objects.create(user=user, full_name=full_name)
                for role in roles:
                    Membership.objects.get_or_create(user=user, unit=unit, role=role)
                org.users[username] = user


class DemoBuilder:
    def __init__(self, org: DemoOrg, rng: random.Random, progress=None):
        self.org, self.rng, self.progress = org, rng, progress
        self.now = timezone.now()
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
                lo, hi = AGE[s]
                items.append(Item(status=s, district=district, days_ago=rng.randint(lo, hi)))
        by_state: dict[str, list[Item]] = {}
        for it in items:
            by_state.setdefault(it.status, []).append(it)
        # one case goes all the way to 复核终结, and the same petitioner is refused again later
        finals, rejected = by_state.get(S.FINAL, []), by_state.get(S.REJECTED, [])
        if finals and rejected:
            original, repeat = finals[0], rejected[0]
            original.final_original, original.days_ago = True, rng.randint(330, 420)
            repeat.origin, repeat.district, repeat.days_ago = original, original.district, rng.randint(3, 20)
        for i, it in enumerate(by_state.get(S.REGISTERED, [])):
            if i == 0 or rng.random() < 0.35:  # still unrouted long after receipt: overdue
                it.overdue, it.days_ago = True, rng.randint(20, 150)
            elif i == 1 or rng.random() < 0.15:
                it.objected = True
        for it in by_state.get(S.IN_HANDLING, [])[:1]:
            it.pending_extension = True  # an extension request waiting for the leader
        for it in items:
            if it.status in CITY_OK and not it.overdue and not it.objected and rng.random() < 0.08:
                it.city = True
        for it in items:
            it.received_at = self._received_at(it.days_ago)
        items.sort(key=lambda it: it.received_at)
        for state in OWNED_STATES:  # no random draw: the same seed gives the same petitions
            it = next((it for it in items if it.status == state and it.district == "DH" and not it.city), None)
            if it is not None:
                it.owned = True
        return items

    def _received_at(self, days_ago: int) -> dt.datetime:
        local_now = timezone.localtime(self.now)
        day = local_now.date() - dt.timedelta(days=days_ago)
        minute = self.rng.randint(8 * 60 + 30, 17 * 60 + 30)
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(minute // 60, minute % 60)))
        if at >= self.now:
            at = self.now - dt.timedelta(minutes=self.rng.randint(5, 120))
        return at

    # ---- building ---------------------------------------------------------------------------

    def build(self, n: int) -> int:
        items = self.plan(n)
        for i, it in enumerate(items, start=1):
            with transaction.atomic():
                self._make(it)
            self.done.append(it)
            if self.progress:
                self.progress(i, len(items))
        return len(items)

    def _make(self, it: Item) -> None:
        rng = self.rng
        repeat_of = None
        if it.origin is not None:
            origin = it.origin
            it.template, it.ctx, it.people = origin.template, dict(origin.ctx), origin.people[:1]
            repeat_of = origin.petition
        elif it.status == S.MERGED:
            target = self._merge_target(it)
            if target is not None:
                it.district, it.template, it.ctx = target.district, target.template, dict(target.ctx)
                it.ctx["merge_into"] = target.petition.number
            else:  # nothing open to merge into yet (only with very few petitions): it stays registered
                it.status = S.REGISTERED
        if it.template is None and it.status in REPEAT_OK and rng.random() < 0.12:
            earlier = self._repeat_candidate(it)
            if earlier is not None:
                it.template, it.ctx, it.people = earlier.template, dict(earlier.ctx), earlier.people[:1]
                repeat_of = earlier.petition
        if it.template is None:
            it.template = rng.choice([t for t in TEMPLATES if _fits(t, it.status)])
            it.ctx = self._context(it)
        t = it.template
        fields = self._intake(it, repeat_of)
        clerk = "demo_city_dispatcher" if it.city else f"demo_clerk{it.suffix}"
        try:
            p, _code = petition_register(actor=self.org.users[clerk], petitioners=it.people or None, **fields)
        except ApplicationError as exc:
            raise CommandError(f"register ({it.status}, {t.title}): {exc.message}") from exc
        it.petition = p
        if it.owned:
            try:
                ownership_assign(actor=self.org.users[OWNER_ARRANGER], petition=p, leader=self.org.users[OWNER],
                                 note=_("区政府领导包案：一个月内约谈信访人，督促承办单位落实化解措施。"))
            except ApplicationError as exc:
                raise CommandError(f"{p.number} 包案: {exc.message}") from exc
        try:
            p = self._advance(it, p)
        except ApplicationError as exc:
            raise CommandError(f"{p.number} → {it.status}: {exc.message}") from exc
        if p.status != it.status:
            raise CommandError(f"{p.number}: expected {it.status}, got {p.status}")
        it.petition = p

    def _merge_target(self, it: Item) -> Item | None:
        open_states = {S.REGISTERED, S.ROUTED, S.ACCEPTED, S.IN_HANDLING, S.REPLY_PENDING}
        pool = [d for d in self.done if d.status in open_states and not d.city and d.template.kind == ""]
        same = [d for d in pool if d.district == it.district]
        pool = same or pool
        return self.rng.choice(pool) if pool else None

    def _repeat_candidate(self, it: Item) -> Item | None:
        pool = [d for d in self.done if d.district == it.district and not d.city and d.people
                and d.status in (S.CLOSED, S.REJECTED, S.DIVERTED) and d.petition.repeat_of_id is None
                and d.origin is None and not d.final_original and _fits(d.template, it.status)]
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

    # ---- the moves --------------------------------------------------------------------------

    def _act(self, username: str, p: Petition, action: str, **params) -> Petition:
        return petition_act(actor=self.org.users[username], petition_id=p.pk, action=action, version=p.version,
                            params=params)

    def _office(self, it: Item) -> str:
        return "demo_city_dispatcher" if it.city else f"demo_dispatcher{it.suffix}"

    def _staff(self, it: Item, dept: str) -> tuple[str, str, str]:
        """(dispatcher, leader, handler) of a staffed department in the item's district."""
        s = it.suffix
        if dept == "ZJ":
            return f"demo_dept_dispatcher{s}", f"demo_leader{s}", f"demo_handler{s}"
        return f"demo_{dept.lower()}_leader{s}", f"demo_{dept.lower()}_leader{s}", f"demo_{dept.lower()}_handler{s}"

    def _target_unit(self, it: Item) -> str:
        dept = it.template.dept
        return f"{it.district}-T{it.ctx['ti']}" if dept == "T" else f"{it.district}-{dept}"

    def _route(self, it: Item, p: Petition, unit: str) -> Petition:
        kind = "assign" if it.city or self.rng.random() < 0.35 else "forward"
        params = {"unit": unit}
        note = self.rng.choice(ROUTE_NOTES)
        if note:
            params["note"] = note
        return self._act(self._office(it), p, kind, **params)

    def _misroute(self, it: Item, p: Petition) -> Petition:
        """Route to a wrong department that objects (退回) within its 5 working days."""
        wrong = self.rng.choice([d for d in STAFFED if d != it.template.dept])
        p = self._route(it, p, f"{it.district}-{wrong}")
        _disp, leader, _handler = self._staff(it, wrong)
        return self._act(leader, p, "object", reason=self.rng.choice(OBJECT_REASONS))

    def _into_handling(self, it: Item, p: Petition) -> Petition:
        dept = it.template.dept
        p = self._route(it, p, self._target_unit(it))
        disp, leader, handler = self._staff(it, dept)
        if self.rng.random() < 0.5:
            return self._act(disp, p, "accept", handler=handler, note=_("依法受理，已指定承办人。"))
        p = self._act(disp, p, "accept")
        return self._act(leader, p, "assign_handler", handler=handler)

    def _handling(self, it: Item, p: Petition, pending_extension: bool) -> Petition:
        rng = self.rng
        _disp, leader, handler = self._staff(it, it.template.dept)
        for _i in range(rng.choice((0, 1, 1, 2))):
            p = self._act(handler, p, "note", text=rng.choice(NOTES))
        if rng.random() < 0.12:
            text = rng.choice(MEDIATIONS)
            p = self._act(handler, p, "mediate", text=text, agreement=text.endswith("调解协议书。"))
        if rng.random() < 0.05:
            p = self._act(handler, p, "hold_hearing", text=rng.choice(HEARINGS),
                          participants=_("人大代表、政协委员、律师、社区（村）代表"))
        if it.pending_extension or rng.random() < 0.2:
            p = self._act(handler, p, "request_extension", days=rng.choice((15, 20, 30)),
                          reason=rng.choice(EXTENSION_REASONS))
            if not it.pending_extension and (not pending_extension or rng.random() < 0.75):
                p = self._act(leader, p, "approve_extension")
        return p

    def _reply_params(self, it: Item, p: Petition, appeal: bool) -> dict:
        choices = (("explain", 60), ("decline", 40)) if appeal else (("support", 45), ("explain", 40),
                                                                      ("decline", 15))
        outcome = self.rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]
        it.outcome = outcome
        text = REPLY_TEXT[outcome].format(unit=p.handling_unit.name, title=it.template.title.format(**it.ctx),
                                          demands=p.demands.rstrip("。"))
        return {"outcome": outcome, "text": text, "basis": BASIS[p.category.code[:2]] if p.category else BASIS["18"]}

    def _replied(self, it: Item, p: Petition, appeal: bool = False) -> Petition:
        disp, leader, handler = self._staff(it, it.template.dept)
        if p.repeat_of_id is None and not appeal and self.rng.random() < 0.25:
            p = self._route(it, p, self._target_unit(it))
            p = self._act(disp, p, "accept")
            return self._act(handler, p, "fast_track", **self._reply_params(it, p, appeal))
        p = self._into_handling(it, p)
        p = self._handling(it, p, pending_extension=False)
        p = self._act(handler, p, "draft_reply", **self._reply_params(it, p, appeal))
        return self._act(leader, p, "approve_reply", note=self.rng.choice(("同意。", "同意，请及时送达信访人。")))

    def _review(self, it: Item, p: Petition, answer: bool) -> Petition:
        p = self._act(f"demo_clerk{it.suffix}", p, "request_review", reason=self.rng.choice(REVIEW_REASONS))
        if answer:
            p = self._act(f"demo_reviewer{it.suffix}", p, "answer_review", outcome=it.outcome, text=REVIEW_TEXT,
                          basis=BASIS[p.category.code[:2]] + "《信访工作条例》第三十五条")
        return p

    def _rereview(self, it: Item, p: Petition, answer: bool) -> Petition:
        p = self._act(f"demo_clerk{it.suffix}", p, "request_rereview", reason=self.rng.choice(REVIEW_REASONS))
        if answer:
            p = self._act("demo_city_leader", p, "answer_rereview", outcome=it.outcome, text=REREVIEW_TEXT,
                          basis=BASIS[p.category.code[:2]] + "《信访工作条例》第三十六条")
        return p

    def _evaluate(self, it: Item, p: Petition, chance: float) -> Petition:
        if self.rng.random() >= chance or not it.people:
            return p
        weights = {"support": (70, 25, 5), "explain": (35, 40, 25), "decline": (10, 30, 60)}.get(it.outcome,
                                                                                              (40, 35, 25))
        level = self.rng.choices(("satisfied", "basically", "dissatisfied"), weights=weights)[0]
        params = {"level": level}
        if level == "dissatisfied":
            params["reason"] = self.rng.choice(DISSATISFIED_REASONS)
        return self._act(f"demo_clerk{it.suffix}", p, "evaluate", **params)

    def _advance(self, it: Item, p: Petition) -> Petition:
        rng, t, s = self.rng, it.template, it.status
        office = self._office(it)
        if s == S.REGISTERED:
            if it.objected and t.dept in STAFFED:
                p = self._misroute(it, p)
            return p
        if s == S.ROUTED:
            if t.dept in STAFFED and not it.city and rng.random() < 0.12:
                p = self._misroute(it, p)
            return self._route(it, p, self._target_unit(it))
        if s == S.ACCEPTED:
            if t.dept in STAFFED and (it.city or rng.random() < 0.6):
                p = self._route(it, p, self._target_unit(it))
                return self._act(self._staff(it, t.dept)[0], p, "accept")
            return self._act(office, p, "accept", note=_("由信访部门直接受理。"))
        if s == S.IN_HANDLING:
            p = self._into_handling(it, p)
            return self._handling(it, p, pending_extension=True)
        if s == S.REPLY_PENDING:
            p = self._into_handling(it, p)
            p = self._handling(it, p, pending_extension=False)
            return self._act(self._staff(it, t.dept)[2], p, "draft_reply", **self._reply_params(it, p, False))
        if s == S.REPLIED:
            p = self._replied(it, p)
            return self._evaluate(it, p, 0.4)
        if s in (S.UNDER_REVIEW, S.REVIEWED, S.UNDER_REREVIEW, S.FINAL):
            p = self._replied(it, p, appeal=True)
            p = self._review(it, p, answer=s != S.UNDER_REVIEW)
            if s in (S.UNDER_REREVIEW, S.FINAL):
                p = self._rereview(it, p, answer=s == S.FINAL)
            return self._evaluate(it, p, 0.5 if s == S.FINAL else 0.2)
        if s == S.CLOSED:
            appeal = rng.random() < 0.2
            p = self._replied(it, p, appeal=appeal)
            if appeal:
                p = self._review(it, p, answer=True)
            p = self._evaluate(it, p, 0.6)
            return self._act(self._staff(it, t.dept)[0], p, "close", note=_("已按处理意见落实，予以办结。"))
        if s == S.REJECTED:
            if it.origin is not None:
                return self._act(office, p, "refuse_again")
            key = "repeat" if p.repeat_of_id else ("litigation" if t.litigation else "other")
            if key == "other" and t.dept in STAFFED and rng.random() < 0.3:
                p = self._route(it, p, self._target_unit(it))
                return self._act(self._staff(it, t.dept)[1], p, "reject", reason=REJECT_REASONS[key])
            return self._act(office, p, "reject", reason=REJECT_REASONS[key])
        if s == S.DIVERTED:
            unit = {"politics_law": f"{it.district}-ZF", "discipline": f"{it.district}-JW"}.get(t.divert)
            params = {"target": t.divert, "reason": DIVERT_REASONS[t.divert]}
            if unit:
                params["unit"] = unit
            return self._act(office, p, "divert", **params)
        if s == S.ARCHIVED:
            return self._act(office, p, "archive", note=ARCHIVE_NOTES.get(t.kind, ARCHIVE_NOTES["other"]))
        if s == S.MERGED:
            return self._act(office, p, "merge", into=it.ctx["merge_into"], note=MERGE_NOTE)
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
