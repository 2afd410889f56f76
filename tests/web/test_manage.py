"""系统管理: the org and category services (validation, audit, scope) and the pages through the
Django test client: administrators see them, everyone else gets 404, bad input never gives a 500,
and entering a year's holiday schedule recomputes a provisional deadline."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from xinfang.audit.models import AuditEntry
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.common.models import CalendarDay, CalendarYear
from xinfang.org import services as org_services
from xinfang.org.models import Membership, Unit
from xinfang.petitions import category_services as cs
from xinfang.petitions.models import Category, Petition
from xinfang.web.views.manage.calendar import parse_schedule
from xinfang.workflow.models import Deadline, DeadlinePolicy, RoutingRule

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
PAGES = ["/manage/", "/manage/units/", "/manage/units/new/", "/manage/users/", "/manage/users/new/",
         "/manage/categories/", "/manage/categories/new/", "/manage/deadlines/", "/manage/calendar/",
         "/manage/calendar/?year=2027", "/manage/routing/"]


def fresh(users, name):
    return get_user_model().objects.get(pk=users[name].pk)


def unit(code):
    return Unit.objects.get(code=code)


def last_audit(action):
    return AuditEntry.objects.filter(action=action).order_by("-seq").first()


# ---- who sees the pages -------------------------------------------------------------------

@pytest.mark.parametrize("name", ["demo_handler", "demo_clerk", "demo_leader", "demo_dispatcher"])
def test_non_admins_get_404_everywhere(org, users, client, name):
    client.force_login(users[name])
    for url in PAGES + [f"/manage/units/{unit('DH').pk}/", f"/manage/users/{users['demo_clerk'].pk}/"]:
        assert client.get(url).status_code == 404, url
    assert client.post("/manage/units/new/", {"code": "X1", "name": "x"}).status_code == 404
    assert "/manage/" not in client.get("/").content.decode()  # no 系统管理 in the navigation


def test_anonymous_is_sent_to_login(client, org):
    r = client.get("/manage/units/")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_superuser_sees_every_page(org, users, client):
    client.force_login(users["demo_admin"])
    for url in PAGES:
        r = client.get(url)
        assert r.status_code == 200, url
        assert "系统管理" in r.content.decode()
    html = client.get("/manage/units/").content.decode()
    assert "东湖区住房和城乡建设局" in html and "西山区住房和城乡建设局" in html


def test_unit_admin_sees_own_district_and_reads_global_settings(org, users, client):
    client.force_login(users["demo_admin2"])  # admin of 西山区信访局, not a superuser
    html = client.get("/manage/units/").content.decode()
    assert "西山区住房和城乡建设局" in html and "东湖区住房和城乡建设局" not in html
    assert client.get(f"/manage/units/{unit('DH-ZJ').pk}/").status_code == 404
    assert client.get(f"/manage/units/{unit('XS-ZJ').pk}/").status_code == 200
    users_html = client.get("/manage/users/").content.decode()
    assert "demo_handler2" in users_html and "demo_handler<" not in users_html
    assert client.get(f"/manage/users/{users['demo_handler'].pk}/").status_code == 404
    # global settings are read-only for a unit admin
    assert "此处只读" in client.get("/manage/calendar/").content.decode()
    assert client.post("/manage/calendar/", {"op": "mark", "year": "2027"}).status_code == 404
    assert client.post("/manage/categories/new/", {"name": "新分类"}).status_code == 404
    default = DeadlinePolicy.objects.get(key="handle", unit__isnull=True)
    assert client.get(f"/manage/deadlines/{default.pk}/").status_code == 404


# ---- units --------------------------------------------------------------------------------

def test_unit_create_edit_and_move_subtree(org, users):
    admin = fresh(users, "demo_admin")
    u = org_services.unit_save(actor=admin, code="DH-WJ", name="东湖区卫生健康局", kind="department", level="county",
                      region="990102", parent="DH")
    assert u.path == "/SF/DH/DH-WJ/"
    entry = last_audit("unit.create")
    assert entry.object_id == str(u.pk) and entry.data["code"] == "DH-WJ"
    child = org_services.unit_save(actor=admin, code="DH-WJ-1", name="东湖区疾控中心", kind="department", level="county",
                          region="990102", parent="DH-WJ")
    # renaming the code moves the whole subtree's paths
    org_services.unit_save(actor=admin, unit_id=u.pk, code="DH-WS", name="东湖区卫生健康局", kind="department",
                  level="county", region="990102", parent="DH")
    child.refresh_from_db()
    assert child.path == "/SF/DH/DH-WS/DH-WJ-1/"
    assert last_audit("unit.update").data["subtree_moved"] == 1


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"code": "dh-zj"}, "conflict", "code"),         # a code clash, case-insensitive
    ({"code": "有 空格"}, "invalid", "code"),
    ({"name": " "}, "invalid", "name"),
    ({"kind": "bank"}, "invalid", "kind"),
    ({"region": "000000"}, "invalid", "region"),
    ({"region": "990103"}, "invalid", "region"),      # 西山区 is outside the parent's region
    ({"parent": "NOPE"}, "invalid", "parent"),
    ({"level": "city"}, "invalid", "level"),         # above the parent's level
])
def test_unit_save_refusals(org, users, changes, code, field):
    data = {"code": "DH-NEW", "name": "新单位", "kind": "department", "level": "county", "region": "990102",
            "parent": "DH"}
    data.update(changes)
    before = Unit.objects.count()
    with pytest.raises(ApplicationError) as err:
        org_services.unit_save(actor=fresh(users, "demo_admin"), **data)
    assert (err.value.code, err.value.field) == (code, field)
    assert Unit.objects.count() == before


def test_unit_tree_cycle_is_refused(org, users):
    dh = unit("DH")
    with pytest.raises(ApplicationError) as err:
        org_services.unit_save(actor=fresh(users, "demo_admin"), unit_id=dh.pk, code="DH", name=dh.name, kind=dh.kind,
                      level="town", region="990102", parent="DH-T1")
    assert (err.value.code, err.value.field) == ("invalid", "parent")
    assert unit("DH").parent.code == "SF"


def test_unit_admin_scope_on_units(org, users):
    admin2 = fresh(users, "demo_admin2")
    with pytest.raises(ApplicationError) as err:  # no top-level units for a unit admin
        org_services.unit_save(actor=admin2, code="TOP", name="顶层", kind="government", level="city", region="990100")
    assert err.value.field == "parent"
    with pytest.raises(ApplicationError) as err:
        org_services.unit_save(actor=admin2, code="DH-X", name="x", kind="department", level="county", region="990102",
                      parent="DH")
    assert err.value.field == "parent"
    with pytest.raises(NotFound):
        org_services.unit_deactivate(actor=admin2, unit_id=unit("DH-JY").pk)
    with pytest.raises(NotFound):
        org_services.unit_save(actor=fresh(users, "demo_handler2"), code="XS-X", name="x", kind="department",
                      level="county", region="990103", parent="XS")
    u = org_services.unit_save(actor=admin2, code="XS-WJ", name="西山区卫生健康局", kind="department", level="county",
                      region="990103", parent="XS")
    assert u.parent.code == "XS"


def test_deactivate_and_delete_rules(org, users, register):
    admin = fresh(users, "demo_admin")
    with pytest.raises(ApplicationError) as err:
        org_services.unit_deactivate(actor=admin, unit_id=unit("DH-T1").pk)  # has active villages
    assert err.value.code == "conflict" and "下级单位" in err.value.message
    p, _ = register()
    with pytest.raises(ApplicationError) as err:
        org_services.unit_delete(actor=admin, unit_id=unit("DH-XF").pk)  # has petitions and people
    assert "请改为停用" in err.value.message
    # open petitions handled there block deactivation
    Petition.objects.filter(pk=p.pk).update(handling_unit=unit("DH-JY"), status="in_handling")
    with pytest.raises(ApplicationError) as err:
        org_services.unit_deactivate(actor=admin, unit_id=unit("DH-JY").pk)
    assert "未办结" in err.value.message
    u = org_services.unit_deactivate(actor=admin, unit_id=unit("DH-NY").pk)
    assert not u.is_active and last_audit("unit.deactivate").object_id == str(u.pk)
    assert org_services.unit_activate(actor=admin, unit_id=u.pk).is_active
    spare = org_services.unit_save(actor=admin, code="DH-TMP", name="误建单位", kind="department", level="county",
                          region="990102", parent="DH")
    org_services.unit_delete(actor=admin, unit_id=spare.pk)
    assert not Unit.objects.filter(code="DH-TMP").exists()
    assert last_audit("unit.delete").data["code"] == "DH-TMP"


def test_unit_pages_show_refusals_not_500(org, users, client, register):
    register()
    client.force_login(users["demo_admin"])
    r = client.post("/manage/units/new/", {"code": "DH-ZJ", "name": "重复", "kind": "department",
                                           "level": "county", "region": "990102", "parent": "DH"})
    assert r.status_code == 409 and "已被其他单位使用" in r.content.decode()
    r = client.post("/manage/units/new/", {"code": "DH-WJ", "name": "东湖区卫生健康局", "kind": "department",
                                           "level": "county", "region": "990102", "parent": "DH"})
    new = unit("DH-WJ")
    assert r.status_code == 302 and r["Location"] == f"/manage/units/{new.pk}/"
    r = client.post(f"/manage/units/{unit('DH-XF').pk}/status/", {"op": "delete"}, follow=True)
    assert r.status_code == 200 and "请改为停用" in r.content.decode()
    r = client.post(f"/manage/units/{new.pk}/status/", {"op": "deactivate"}, follow=True)
    assert "已停用该单位" in r.content.decode() and not unit("DH-WJ").is_active
    r = client.post(f"/manage/units/{new.pk}/", {"code": "DH-WJ", "name": "x", "kind": "department",
                                                 "level": "county", "region": "990102", "parent": "DH-WJ"})
    assert r.status_code == 422 and "上级单位" in r.content.decode()
    assert client.get("/manage/units/999999/").status_code == 404


# ---- users --------------------------------------------------------------------------------

def test_user_create_membership_and_deactivate(org, users):
    admin = fresh(users, "demo_admin")
    with pytest.raises(ApplicationError) as err:
        org_services.user_create(actor=admin, username="wang", password="123", full_name="王五", unit="DH-ZJ",
                        role="handler")
    assert err.value.field == "password"
    with pytest.raises(ApplicationError) as err:
        org_services.user_create(actor=admin, username="Demo_Clerk", password="Str0ng-Passw0rd!", full_name="王五")
    assert (err.value.code, err.value.field) == ("conflict", "username")
    with pytest.raises(ApplicationError) as err:
        org_services.user_create(actor=admin, username="wang wu", password="Str0ng-Passw0rd!", full_name="王五")
    assert err.value.field == "username"
    with pytest.raises(ApplicationError) as err:
        org_services.user_create(actor=admin, username="wang", password="Str0ng-Passw0rd!", full_name="王五", unit="DH-ZJ",
                        role="king")
    assert err.value.field == "role"
    u = org_services.user_create(actor=admin, username="wang", password="Str0ng-Passw0rd!", full_name="王五",
                        unit="DH-ZJ", role="handler")
    assert (u.last_name, u.first_name, u.check_password("Str0ng-Passw0rd!")) == ("王", "五", True)
    assert u.staff_profile.full_name == "王五"
    assert Membership.objects.filter(user=u, unit__code="DH-ZJ", role="handler").exists()
    entry = last_audit("user.create")
    assert entry.data["username"] == "wang" and "Str0ng" not in str(entry.data)
    m = org_services.membership_add(actor=admin, user_id=u.pk, unit="DH-XF", role="clerk")
    with pytest.raises(ApplicationError) as err:
        org_services.membership_add(actor=admin, user_id=u.pk, unit="DH-XF", role="clerk")
    assert err.value.code == "conflict"
    org_services.membership_remove(actor=admin, membership_id=m.pk)
    assert last_audit("membership.remove").data == {"user": "wang", "unit": "DH-XF", "role": "clerk"}
    org_services.user_deactivate(actor=admin, user_id=u.pk)
    u.refresh_from_db()
    assert not u.is_active and last_audit("user.deactivate").object_id == str(u.pk)
    with pytest.raises(ApplicationError):
        org_services.user_deactivate(actor=admin, user_id=admin.pk)  # not yourself


def test_unit_admin_manages_only_their_people(org, users):
    admin2 = fresh(users, "demo_admin2")
    with pytest.raises(ApplicationError) as err:
        org_services.user_create(actor=admin2, username="li", password="Str0ng-Passw0rd!", full_name="李四", unit="DH-ZJ",
                        role="handler")
    assert err.value.field == "unit"
    with pytest.raises(ApplicationError) as err:  # a unit admin must place the new account in a unit
        org_services.user_create(actor=admin2, username="li", password="Str0ng-Passw0rd!", full_name="李四")
    assert err.value.field == "unit"
    li = org_services.user_create(actor=admin2, username="li", password="Str0ng-Passw0rd!", full_name="李四",
                         unit="XS-ZJ", role="handler")
    with pytest.raises(NotFound):
        org_services.user_deactivate(actor=admin2, user_id=users["demo_handler"].pk)
    with pytest.raises(NotFound):
        org_services.user_set_password(actor=admin2, user_id=users["demo_admin"].pk, password="Str0ng-Passw0rd!")
    own_admin = Membership.objects.get(user=admin2, role="admin")
    with pytest.raises(ApplicationError):
        org_services.membership_remove(actor=admin2, membership_id=own_admin.pk)
    org_services.user_set_password(actor=admin2, user_id=li.pk, password="An0ther-Passw0rd!")
    li.refresh_from_db()
    assert li.check_password("An0ther-Passw0rd!")


def test_user_pages(org, users, client):
    client.force_login(users["demo_admin"])
    r = client.post("/manage/users/new/", {"username": "zhao", "full_name": "赵六", "password": "Str0ng-Passw0rd!",
                                           "password2": "different", "unit": "DH-ZJ", "role": "handler"})
    assert r.status_code == 422 and "两次输入的密码不一致" in r.content.decode()
    r = client.post("/manage/users/new/", {"username": "zhao", "full_name": "赵六", "password": "Str0ng-Passw0rd!",
                                           "password2": "Str0ng-Passw0rd!", "unit": "DH-ZJ", "role": "handler"})
    zhao = get_user_model().objects.get(username="zhao")
    assert r.status_code == 302 and r["Location"] == f"/manage/users/{zhao.pk}/"
    r = client.post(f"/manage/users/{zhao.pk}/memberships/", {"unit": "NOPE", "role": "clerk"})
    assert r.status_code == 422 and "单位不存在" in r.content.decode()
    r = client.post(f"/manage/users/{zhao.pk}/memberships/", {"unit": "DH-XF", "role": "clerk"})
    assert r.status_code == 302
    m = Membership.objects.get(user=zhao, role="clerk")
    assert client.post(f"/manage/memberships/{m.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(pk=m.pk).exists()
    r = client.post(f"/manage/users/{zhao.pk}/status/", {"op": "deactivate"}, follow=True)
    assert "已停用账号" in r.content.decode()
    assert "zhao" in client.get("/manage/users/", {"state": "inactive"}).content.decode()
    assert "zhao" not in client.get("/manage/users/").content.decode()
    html = client.get("/manage/users/", {"unit": "DH-ZJ", "role": "leader"}).content.decode()
    assert "demo_leader<" in html and "demo_handler<" not in html
    r = client.post(f"/manage/users/{zhao.pk}/password/", {"password": "short", "password2": "short"})
    assert r.status_code == 422
    assert client.post("/manage/memberships/999999/remove/").status_code == 404


# ---- categories ---------------------------------------------------------------------------

def test_categories_three_levels_codes_cycles_and_deactivation(org, users):
    admin = fresh(users, "demo_admin")
    prop = Category.objects.get(code="0101")  # 住房保障与房地产, level 2
    c = cs.category_save(actor=admin, name="电梯加装", parent="0101")
    assert (c.level, c.code, c.path) == (3, "010105", "/01/0101/010105/")
    assert last_audit("category.create").object_id == str(c.pk)
    with pytest.raises(ApplicationError) as err:
        cs.category_save(actor=admin, name="第四级", parent=c.code)
    assert err.value.field == "parent" and "三级" in err.value.message
    with pytest.raises(ApplicationError) as err:
        cs.category_save(actor=admin, name="电梯加装", parent="0101")
    assert (err.value.code, err.value.field) == ("conflict", "name")
    with pytest.raises(ApplicationError) as err:
        cs.category_save(actor=admin, name="x", code="010101", parent="0101")
    assert (err.value.code, err.value.field) == ("conflict", "code")
    with pytest.raises(ApplicationError) as err:  # a cycle
        cs.category_save(actor=admin, category_id=prop.pk, name=prop.name, code=prop.code, parent="010101")
    assert err.value.field == "parent"
    with pytest.raises(ApplicationError) as err:  # moving a level-2 with children under a level-2: too deep
        cs.category_save(actor=admin, category_id=prop.pk, name=prop.name, code=prop.code, parent="0102")
    assert err.value.field == "parent"
    # a level-2 moves to another first-level category with its leaves
    moved = cs.category_save(actor=admin, category_id=prop.pk, name=prop.name, code=prop.code, parent="07")
    assert moved.path == "/07/0101/"
    assert Category.objects.get(code="010101").path == "/07/0101/010101/"
    n = cs.category_set_active(actor=admin, category_id=prop.pk, active=False)
    assert n == 6 and not Category.objects.filter(path__startswith=moved.path, is_active=True).exists()
    with pytest.raises(ApplicationError):  # a child cannot be activated under an inactive parent
        cs.category_set_active(actor=admin, category_id=c.pk, active=True)
    with pytest.raises(NotFound):
        cs.category_save(actor=fresh(users, "demo_admin2"), name="x")


def test_category_pages(org, users, client):
    client.force_login(users["demo_admin"])
    r = client.post("/manage/categories/new/", {"name": "", "parent": "01"})
    assert r.status_code == 422 and "请填写分类名称" in r.content.decode()
    r = client.post("/manage/categories/new/", {"name": "共享单车", "parent": "10"})
    assert r.status_code == 302 and Category.objects.filter(name="共享单车", level=2).exists()
    c = Category.objects.get(name="共享单车")
    r = client.post(f"/manage/categories/{c.pk}/status/", {"op": "deactivate"}, follow=True)
    assert "已停用1个分类" in r.content.decode()
    assert "共享单车" not in client.get("/manage/categories/").content.decode()
    assert "共享单车" in client.get("/manage/categories/?inactive=1").content.decode()


# ---- deadline policies --------------------------------------------------------------------

def test_deadline_policies_page(org, users, client):
    client.force_login(users["demo_admin2"])
    r = client.post("/manage/deadlines/override/", {"key": "handle", "unit": "XS-ZJ", "days": "90"}, follow=True)
    assert "只能缩短" in r.content.decode()
    assert not DeadlinePolicy.objects.filter(unit__code="XS-ZJ").exists()
    r = client.post("/manage/deadlines/override/", {"key": "handle", "unit": "DH-ZJ", "days": "30"})
    assert r.status_code == 404  # not their unit
    r = client.post("/manage/deadlines/override/", {"key": "handle", "unit": "XS-ZJ", "days": "45",
                                                    "is_active": "on", "source": "西山区规定"}, follow=True)
    row = DeadlinePolicy.objects.get(unit__code="XS-ZJ", key="handle")
    assert (row.days, row.is_active, row.source) == (45, True, "西山区规定")
    assert "西山区住房和城乡建设局：45日" in r.content.decode()
    assert AuditEntry.objects.filter(action="deadline_policy.save", object_id=str(row.pk)).exists()
    r = client.post(f"/manage/deadlines/{row.pk}/", {"days": "abc"})
    assert r.status_code == 422 and "天数应为整数" in r.content.decode()
    r = client.post(f"/manage/deadlines/{row.pk}/", {"days": "40", "is_active": "on"})
    assert r.status_code == 302 and DeadlinePolicy.objects.get(pk=row.pk).days == 40
    r = client.post(f"/manage/deadlines/{row.pk}/delete/", follow=True)
    assert "恢复使用默认时限" in r.content.decode() and not DeadlinePolicy.objects.filter(pk=row.pk).exists()
    client.force_login(users["demo_admin"])
    default = DeadlinePolicy.objects.get(key="handle", unit__isnull=True)
    assert client.get(f"/manage/deadlines/{default.pk}/").status_code == 200
    assert client.post(f"/manage/deadlines/{default.pk}/delete/").status_code == 404


# ---- calendar -----------------------------------------------------------------------------

def test_parse_schedule():
    days = parse_schedule("# 2027\n2027-01-01 休 元旦\n\n2027-02-05~2027-02-07 休 春节\n２０２７-02-14 班 春节调休\n")
    assert days == [(dt.date(2027, 1, 1), False, "元旦"), (dt.date(2027, 2, 5), False, "春节"),
                    (dt.date(2027, 2, 6), False, "春节"), (dt.date(2027, 2, 7), False, "春节"),
                    (dt.date(2027, 2, 14), True, "春节调休")]
    for bad in ("2027-01-01 元旦", "2027-02-30 休", "2027-01-01~2026-12-01 休", "", "2027-01-01 休\n2027-01-01 班"):
        with pytest.raises(ApplicationError) as err:
            parse_schedule(bad)
        assert err.value.field == "schedule"


def test_entering_2027_through_the_page_recomputes_a_provisional_handle_deadline(org, register, act, users, client):
    assert not CalendarYear.objects.filter(year=2027).exists()
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=TZ), tick=False):
        p, _ = register()
        p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
        p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
        handle = Deadline.objects.get(petition=p, kind="handle")
        assert (handle.due, handle.provisional) == (dt.date(2027, 1, 19), True)  # 11-20 + 60 days
        p = Petition.objects.get(pk=p.pk)
        assert (p.due_on, p.due_provisional) == (dt.date(2027, 1, 19), True)

        client.force_login(users["demo_admin"])
        page = client.get("/manage/calendar/?year=2027").content.decode()
        assert "未完整录入" in page and "待定" in page
        # a bad line: nothing changes, the line is named
        r = client.post("/manage/calendar/", {"year": "2027", "op": "paste",
                                              "schedule": "2027-01-01 休 元旦\n2027-01-19 放个假"})
        assert r.status_code == 422 and "第2行格式不正确" in r.content.decode()
        assert not CalendarDay.objects.filter(date__year=2027).exists()
        r = client.post("/manage/calendar/", {"year": "2027", "op": "paste", "schedule":
                                              "2027-01-01~2027-01-03 休 元旦\n2027-01-19 休 测试假日\n"
                                              "2027-02-20 班 春节调休"}, follow=True)
    body = r.content.decode()
    assert r.status_code == 200 and "已录入2027年节假日安排（5天）" in body and "已重新计算1个未完成的时限" in body
    handle.refresh_from_db()
    assert (handle.due, handle.provisional) == (dt.date(2027, 1, 20), False)  # 01-19 is now a holiday
    p = Petition.objects.get(pk=p.pk)
    assert (p.due_on, p.due_provisional) == (dt.date(2027, 1, 20), False)
    assert CalendarYear.objects.get(year=2027).source == CalendarYear.SOURCE_ADMIN
    assert AuditEntry.objects.filter(action="calendar.year_set", object_id="2027").exists()


def test_calendar_day_add_delete_and_mark(org, users, client):
    client.force_login(users["demo_admin"])
    r = client.post("/manage/calendar/", {"year": "2027", "op": "add", "date": "2027-10-01", "kind": "rest",
                                          "name": "国庆节"}, follow=True)
    assert "已保存 2027-10-01" in r.content.decode()
    assert CalendarDay.objects.get(date=dt.date(2027, 10, 1)).is_workday is False
    r = client.post("/manage/calendar/", {"year": "2027", "op": "add", "date": "2026-10-01", "kind": "rest"})
    assert r.status_code == 422 and "不属于2027年" in r.content.decode()
    r = client.post("/manage/calendar/", {"year": "2027", "op": "add", "date": "not a date"})
    assert r.status_code == 422
    client.post("/manage/calendar/", {"year": "2027", "op": "delete", "date": "2027-10-01"})
    assert not CalendarDay.objects.filter(date=dt.date(2027, 10, 1)).exists()
    r = client.post("/manage/calendar/", {"year": "2027", "op": "mark"}, follow=True)
    assert CalendarYear.objects.filter(year=2027).exists() and "已将2027年标记为安排已完整录入" in r.content.decode()
    client.post("/manage/calendar/", {"year": "2027", "op": "unmark"})
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert client.post("/manage/calendar/", {"year": "2027", "op": "explode"}).status_code == 422
    assert client.get("/manage/calendar/?year=abc").status_code == 200


# ---- routing rules ------------------------------------------------------------------------

def test_routing_page_add_edit_trial_delete(org, users, client):
    client.force_login(users["demo_admin"])
    r = client.post("/manage/routing/", {"category": "0101", "region": "990102", "unit": "", "priority": "0"})
    assert r.status_code == 422 and "请选择承办单位" in r.content.decode()
    r = client.post("/manage/routing/", {"category": "0101", "region": "990102", "unit": "DH-ZJ", "priority": "2",
                                         "is_active": "on", "note": "物业归住建"})
    assert r.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.unit.code, rule.priority, rule.is_active) == ("DH-ZJ", 2, True)
    html = client.get("/manage/routing/", {"t_category": "010101", "t_region": "990102001",
                                           "t_receiving": "DH-XF"}).content.decode()
    assert "建议的承办单位" in html and "DH-ZJ" in html.split("建议的承办单位")[1]
    r = client.post(f"/manage/routing/{rule.pk}/", {"category": "0101", "region": "990102", "unit": "DH-SC",
                                                    "priority": "x"})
    assert r.status_code == 422 and "优先级应为整数" in r.content.decode()
    assert client.get(f"/manage/routing/{rule.pk}/").status_code == 200
    client.post(f"/manage/routing/{rule.pk}/delete/")
    assert not RoutingRule.objects.exists()
    assert client.get("/manage/routing/999999/").status_code == 404
