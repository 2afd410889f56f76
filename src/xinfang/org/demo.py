"""An invented city with two districts, its units and one account per role in each district.

Used by `xinfang demo` and by the tests. Every name here is invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from .choices import Level, Role, UnitKind
from .models import Membership, Region, StaffProfile, Unit

DEMO_PASSWORD = "xinfang-demo-2026"

# (code suffix, name) of the departments every district has
DEPARTMENTS = [
    ("ZJ", "住房和城乡建设局"),
    ("RS", "人力资源和社会保障局"),
    ("JY", "教育局"),
    ("ZR", "自然资源局"),
    ("ST", "生态环境分局"),
    ("SC", "市场监督管理局"),
    ("NY", "农业农村局"),
    ("MZ", "民政局"),
]
DISTRICTS = [
    # (region code, name, unit code prefix, towns [(name, [villages])])
    ("990102", "东湖区", "DH", [("城关街道", ["幸福社区", "和平社区"]), ("青山镇", ["桃园村", "石桥村"])]),
    ("990103", "西山区", "XS", [("新华街道", ["光明社区", "枫林社区"]), ("白沙镇", ["河口村", "柳树村"])]),
]


@dataclass
class DemoOrg:
    regions: dict[str, Region] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)


def _region(org, code, name, level, parent=None):
    r, _ = Region.objects.get_or_create(code=code, defaults={"name": name, "level": level, "parent": parent})
    org.regions[code] = r
    return r


def _unit(org, code, name, kind, level, region, parent=None):
    u, _ = Unit.objects.get_or_create(code=code, defaults={
        "name": name, "kind": kind, "level": level, "region": region, "parent": parent})
    org.units[code] = u
    return u


def _user(org, username, full_name, unit, *roles, password=DEMO_PASSWORD):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=full_name[1:], last_name=full_name[:1], is_staff=False)
        # each account its own salt: one leaked hash does not give away the others (Argon2: ~0.1 s each)
        user.password = make_password(password)
        user.save()
        StaffProfile.objects.create(user=user, full_name=full_name)
    for role in roles:
        Membership.objects.get_or_create(user=user, unit=unit, role=role)
    org.users[username] = user
    return user


@transaction.atomic
def build_demo_org(*, password: str = DEMO_PASSWORD) -> DemoOrg:
    """Create (or find) the demo city. Idempotent."""
    org = DemoOrg()
    province = _region(org, "990000", "示范省", Level.PROVINCE)
    city = _region(org, "990100", "示范市", Level.CITY, province)
    city_gov = _unit(org, "SF", "示范市人民政府", UnitKind.GOVERNMENT, Level.CITY, city)
    _unit(org, "SF-XF", "示范市信访局", UnitKind.PETITION_OFFICE, Level.CITY, city, city_gov)
    _unit(org, "SF-ZJ", "示范市住房和城乡建设局", UnitKind.DEPARTMENT, Level.CITY, city, city_gov)
    _unit(org, "SF-JW", "示范市纪委监委", UnitKind.DISCIPLINE, Level.CITY, city, city_gov)
    for region_code, district_name, prefix, towns in DISTRICTS:
        district = _region(org, region_code, district_name, Level.COUNTY, city)
        gov = _unit(org, prefix, f"{district_name}人民政府", UnitKind.GOVERNMENT, Level.COUNTY, district, city_gov)
        _unit(org, f"{prefix}-XF", f"{district_name}信访局", UnitKind.PETITION_OFFICE, Level.COUNTY, district, gov)
        for suffix, name in DEPARTMENTS:
            dept = _unit(org, f"{prefix}-{suffix}", f"{district_name}{name}", UnitKind.DEPARTMENT, Level.COUNTY,
                         district, gov)
            upper = org.units.get(f"SF-{suffix}")
            if upper is not None and dept.superior_id is None:  # 上级主管机关: the city's department
                dept.superior = upper
                dept.save(update_fields=["superior"])
        _unit(org, f"{prefix}-JW", f"{district_name}纪委监委", UnitKind.DISCIPLINE, Level.COUNTY, district, gov)
        _unit(org, f"{prefix}-ZF", f"{district_name}委政法委", UnitKind.POLITICS_LAW, Level.COUNTY, district, gov)
        for ti, (town_name, villages) in enumerate(towns, start=1):
            town_region = _region(org, f"{region_code}{ti:03d}", town_name, Level.TOWN, district)
            kind_name = "街道办事处" if town_name.endswith("街道") else "人民政府"
            town_unit = _unit(org, f"{prefix}-T{ti}", f"{town_name}{kind_name}", UnitKind.TOWN, Level.TOWN,
                              town_region, gov)
            for vi, village in enumerate(villages, start=1):
                v_region = _region(org, f"{region_code}{ti:03d}{vi:03d}", village, Level.VILLAGE, town_region)
                committee = "居民委员会" if village.endswith("社区") else "村民委员会"
                _unit(org, f"{prefix}-T{ti}-V{vi}", f"{village}{committee}", UnitKind.VILLAGE, Level.VILLAGE,
                      v_region, town_unit)
    # accounts: demo_<role> in district 1 (东湖区), demo_<role>2 in district 2 (西山区)
    for suffix, prefix in (("", "DH"), ("2", "XS")):
        office, dept, gov = org.units[f"{prefix}-XF"], org.units[f"{prefix}-ZJ"], org.units[prefix]
        surname = "东" if prefix == "DH" else "西"
        _user(org, f"demo_clerk{suffix}", f"{surname}登记", office, Role.CLERK, password=password)
        _user(org, f"demo_dispatcher{suffix}", f"{surname}分办", office, Role.DISPATCHER, password=password)
        _user(org, f"demo_handler{suffix}", f"{surname}承办", dept, Role.HANDLER, password=password)
        _user(org, f"demo_leader{suffix}", f"{surname}领导", dept, Role.LEADER, password=password)
        _user(org, f"demo_supervisor{suffix}", f"{surname}督查", office, Role.SUPERVISOR, password=password)
        _user(org, f"demo_analyst{suffix}", f"{surname}统计", office, Role.ANALYST, password=password)
        _user(org, f"demo_informant{suffix}", f"{surname}信息", org.units[f"{prefix}-T1-V1"], Role.INFORMANT,
              password=password)
        _user(org, f"demo_admin{suffix}", f"{surname}管理", office, Role.ADMIN, password=password)
        # the district government answers 复查 of its departments; the city government 复核
        _user(org, f"demo_reviewer{suffix}", f"{surname}复查", gov, Role.LEADER, Role.HANDLER, password=password)
        _user(org, f"demo_dept_dispatcher{suffix}", f"{surname}部门分办", dept, Role.DISPATCHER, password=password)
        # the leader of the first town (城关街道 / 新华街道): hears the informants' urgent reports
        _user(org, f"demo_town_leader{suffix}", f"{surname}街道领导", org.units[f"{prefix}-T1"], Role.LEADER,
              password=password)
    _user(org, "demo_city_leader", "市领导", org.units["SF"], Role.LEADER, Role.HANDLER, password=password)
    _user(org, "demo_city_dispatcher", "市分办", org.units["SF-XF"], Role.DISPATCHER, Role.CLERK, password=password)
    admin = org.users["demo_admin"]
    if not admin.is_superuser:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    return org
