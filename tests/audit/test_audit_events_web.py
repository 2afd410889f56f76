"""Finding 1 of issue 9, what was not logged: logins (success and failure), petitioner look-ups by ID
number or phone, bulletin and report downloads, admin edits. Each lands in the audit chain without the
personal data itself."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from xinfang.audit.models import AuditEntry
from xinfang.audit.services import audit_verify
from xinfang.org.models import Region

PASSWORD = "xinfang-demo-2026"
ID_NUMBER = "11010519491231002X"  # the one the `register` fixture uses; invented


def _logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _new(action: str, since: int):
    return list(AuditEntry.objects.filter(action=action, seq__gt=since).order_by("seq"))


def _last_seq() -> int:
    last = AuditEntry.objects.order_by("-seq").first()
    return last.seq if last else 0


def _everything(rows) -> str:
    return json.dumps([[r.actor, r.object_type, r.object_id, r.data] for r in rows], ensure_ascii=False)


def test_a_login_is_audited_with_the_remote_address(users):
    since = _last_seq()
    r = Client().post("/login/", {"username": "demo_clerk", "password": PASSWORD, "next": "/"},
                      REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 302
    [row] = _new("auth.login", since)
    assert row.actor == "demo_clerk" and row.actor_id == users["demo_clerk"].pk
    assert row.data == {"username": "demo_clerk", "remote_addr": "10.1.2.3"}
    assert audit_verify().ok


def test_a_wrong_password_is_audited_with_the_name_tried_and_never_the_password(users):
    since = _last_seq()
    r = Client().post("/login/", {"username": "demo_clerk", "password": "not-the-password", "next": "/"},
                      REMOTE_ADDR="10.4.5.6")
    assert r.status_code == 200  # the form again
    [row] = _new("auth.login_failed", since)
    assert row.data == {"username": "demo_clerk", "remote_addr": "10.4.5.6"} and row.actor == ""
    assert "not-the-password" not in _everything([row])
    assert not _new("auth.login", since)
    # an unknown user name too
    Client().post("/login/", {"username": "nobody_here", "password": "x", "next": "/"})
    assert [r.data["username"] for r in _new("auth.login_failed", since)] == ["demo_clerk", "nobody_here"]


def test_a_logout_is_audited(users):
    c = _logged_in(users["demo_clerk"])
    since = _last_seq()
    c.post("/logout/")
    assert [r.actor for r in _new("auth.logout", since)] == ["demo_clerk"]


def test_intake_lookups_by_id_number_or_phone_are_audited_without_the_number(users, register):
    petition, _ = register()
    person = petition.petitioner_links.get().petitioner
    clerk = _logged_in(users["demo_clerk"])
    since = _last_seq()
    assert clerk.post("/intake/lookup/", {"p-0-id_number": ID_NUMBER}).status_code == 200
    assert clerk.post("/intake/lookup/", {"p-0-phone": "138 0013 8000"}).status_code == 200
    rows = _new("petitioner.lookup", since)
    assert [(r.data["where"], r.data["by"], r.data["found"]) for r in rows] == [
        ("intake", ["id_number"], [person.pk]), ("intake", ["phone"], [person.pk])]
    assert all(r.actor == "demo_clerk" for r in rows)
    assert ID_NUMBER not in _everything(rows) and "13800138000" not in _everything(rows)
    # a look-up by name only is not one by number
    since = _last_seq()
    clerk.post("/intake/lookup/", {"p-0-name": "张三"})
    assert not _new("petitioner.lookup", since)


def test_petitioner_search_by_id_number_is_audited(users, register):
    petition, _ = register()
    person = petition.petitioner_links.get().petitioner
    clerk = _logged_in(users["demo_clerk"])
    since = _last_seq()
    assert clerk.post("/petitioners/", {"q": ID_NUMBER}).status_code == 200
    [row] = _new("petitioner.lookup", since)
    assert row.data == {"where": "petitioners", "by": ["id_number"], "found": [person.pk]}
    assert ID_NUMBER not in _everything([row])
    # a number nobody has is audited too (someone looked for it), with nobody found
    since = _last_seq()
    clerk.post("/petitioners/", {"q": "110105198001010016"})
    [row] = _new("petitioner.lookup", since)
    assert row.data["found"] == []
    since = _last_seq()
    clerk.get("/petitioners/")  # the recent list is no look-up
    assert not _new("petitioner.lookup", since)


@pytest.mark.parametrize("path", ["/reports/bulletin.docx", "/reports/bulletin.md", "/reports/bulletin.xlsx",
                                  "/reports/annual.md"])
def test_report_downloads_on_the_web_are_audited(users, register, path):
    register()
    leader = _logged_in(users["demo_leader"])
    since = _last_seq()
    r = leader.get(path, {"from": "2026-01-01", "to": "2026-03-31", "year": "2026"})
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    [row] = _new("report.download", since)
    assert row.actor == "demo_leader"
    assert row.data["report"] == ("annual" if "annual" in path else "bulletin")
    assert row.data["format"] == path.rsplit(".", 1)[1]
    # a refused download (bad format) is not
    since = _last_seq()
    assert leader.get("/reports/bulletin.pdf").status_code == 302
    assert not _new("report.download", since)


def test_admin_edits_are_audited(users):
    admin = _logged_in(users["demo_admin"])
    since = _last_seq()
    parent = Region.objects.filter(level="county").first()
    r = admin.post("/admin/org/region/add/", {"code": "990199", "name": "审计测试区", "level": "town",
                                              "parent": parent.pk})
    assert r.status_code == 302, r.content.decode()[:2000]
    region = Region.objects.get(code="990199")
    r = admin.post(f"/admin/org/region/{region.pk}/change/", {"code": "990199", "name": "审计测试区二",
                                                              "level": "town", "parent": parent.pk})
    assert r.status_code == 302
    r = admin.post(f"/admin/org/region/{region.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302 and not Region.objects.filter(code="990199").exists()
    rows = [r for r in AuditEntry.objects.filter(seq__gt=since, action__startswith="admin.").order_by("seq")]
    assert [(r.action, r.object_type, r.object_id) for r in rows] == [
        ("admin.add", "org.region", str(region.pk)), ("admin.change", "org.region", str(region.pk)),
        ("admin.delete", "org.region", str(region.pk))]
    assert rows[1].data["fields"] == ["名称"] or rows[1].data["fields"] == ["name"]
    assert all(r.actor == "demo_admin" for r in rows) and "审计测试区二" not in _everything(rows)
    assert audit_verify().ok


def test_bulk_deletions_in_the_admin_are_audited_one_by_one(users):
    admin = _logged_in(users["demo_admin"])
    parent = Region.objects.filter(level="county").first()
    made = [Region.objects.create(code=f"99019{i}", name=f"批量{i}", level="town", parent=parent) for i in range(3)]
    since = _last_seq()
    r = admin.post("/admin/org/region/", {"action": "delete_selected", "_selected_action": [m.pk for m in made],
                                          "post": "yes"})
    assert r.status_code == 302 and not Region.objects.filter(code__startswith="99019").exists()
    rows = _new("admin.delete", since)
    assert sorted(r.object_id for r in rows) == sorted(str(m.pk) for m in made)
